#include "ferry/assets/model.hpp"

#include "ferry/store/assets.hpp"

namespace ferry::assets {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view k_kind = "model";

ModelRecord from_asset(store::AssetRecord asset) {
    ModelRecord record;
    record.name = std::move(asset.name);
    record.version = std::move(asset.version);
    record.description = std::move(asset.description);
    record.tags = std::move(asset.tags);
    record.properties = std::move(asset.properties);
    record.archived = asset.archived;
    record.created_at = std::move(asset.created_at);
    const Json& body = asset.body;
    if (body.is_object()) {
        record.type = body.value("type", std::string("custom_model"));
        record.framework = body.value("framework", std::string());
        record.framework_version = body.value("framework_version", std::string());
        record.stage = body.value("stage", std::string());
        record.path = body.value("path", std::string());
        record.content = body.value("content", std::string());
        record.files = body.value("files", std::uint64_t{0});
        record.bytes = body.value("bytes", std::uint64_t{0});
        record.lineage = body.value("lineage", Json());
    }
    return record;
}

Result<ModelRecord> insert(store::Workspace& workspace, ModelRecord record, const Content& content,
                           std::string_view now) {
    store::AssetRecord asset;
    asset.kind = k_kind;
    asset.name = record.name;
    asset.version = record.version;
    asset.description = record.description;
    asset.tags = record.tags;
    asset.properties = record.properties;
    asset.body = {{"type", record.type},
                  {"framework", record.framework},
                  {"framework_version", record.framework_version},
                  {"stage", record.stage},
                  {"path", record.path},
                  {"content", content.id},
                  {"files", content.files},
                  {"bytes", content.bytes},
                  {"lineage", record.lineage}};
    auto created = store::create_asset(workspace.db(), std::move(asset), "model", now);
    if (!created) {
        return std::unexpected(created.error());
    }
    auto model = from_asset(std::move(*created));
    model.warnings = content.warnings;
    return model;
}

}  // namespace

Result<ModelRecord> register_local_model(store::Workspace& workspace, ModelRecord record,
                                         std::string_view file, std::string_view now,
                                         const snapshot::StoreProgress& progress) {
    if (auto fresh =
            store::check_new_version(workspace.db(), k_kind, "model", record.name, record.version);
        !fresh) {
        return std::unexpected(fresh.error());
    }
    const fs::path path = named_path(record.path);
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return usage_error("{}: {} does not exist", file, path.string());
    }
    auto stored = store_paths(workspace, {path}, file, now, progress);
    if (!stored) {
        return std::unexpected(stored.error());
    }
    Content content = std::move(*stored);
    if (fs::is_directory(path, ec)) {
        // A folder keeps its name as the top level, as a run's outputs/model does.
        auto entries = read_content(workspace.blobs(), content.id);
        if (!entries) {
            return std::unexpected(entries.error());
        }
        const std::string name = fs::path(path).filename().string();
        for (auto& entry : *entries) {
            entry.path = name + "/" + entry.path;
        }
        auto prefixed = store_manifest(workspace, std::move(*entries), now);
        if (!prefixed) {
            return std::unexpected(prefixed.error());
        }
        prefixed->warnings = std::move(content.warnings);
        content = std::move(*prefixed);
    }
    return insert(workspace, std::move(record), content, now);
}

Result<ModelRecord> register_run_model(store::Workspace& workspace, ModelRecord record,
                                       std::string_view artifacts, std::string_view now) {
    if (auto fresh =
            store::check_new_version(workspace.db(), k_kind, "model", record.name, record.version);
        !fresh) {
        return std::unexpected(fresh.error());
    }
    auto content = select_entries(workspace, artifacts, record.path, now);
    if (!content) {
        return std::unexpected(content.error());
    }
    return insert(workspace, std::move(record), *content, now);
}

Result<std::optional<ModelRecord>> find_model(store::Database& db, std::string_view name,
                                              std::string_view version) {
    auto found = store::find_asset(db, k_kind, name, version);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return std::optional<ModelRecord>{};
    }
    return std::optional<ModelRecord>{from_asset(std::move(**found))};
}

Result<std::vector<ModelRecord>> list_models(store::Database& db, bool all_versions,
                                             bool include_archived) {
    auto assets = store::list_assets(db, k_kind, all_versions, include_archived);
    if (!assets) {
        return std::unexpected(assets.error());
    }
    std::vector<ModelRecord> records;
    for (auto& asset : *assets) {
        records.push_back(from_asset(std::move(asset)));
    }
    return records;
}

Result<std::int64_t> set_model_archived(store::Database& db, std::string_view name,
                                        std::string_view version, bool archived) {
    return store::set_asset_archived(db, k_kind, name, version, archived);
}

Result<std::vector<std::string>> models_of_run(store::Database& db, std::string_view run) {
    auto stmt = db.prepare(
        "SELECT name || ':' || version FROM assets WHERE kind = 'model' AND "
        "json_extract(body, '$.lineage.run') = ?1 ORDER BY rowid");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, run);
    std::vector<std::string> models;
    for (;;) {
        auto row = stmt->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return models;
        }
        models.push_back(stmt->text(0));
    }
}

}  // namespace ferry::assets
