#include "ferry/assets/model.hpp"

#include "ferry/store/assets.hpp"

namespace ferry::assets {

namespace {

using Json = nlohmann::ordered_json;

constexpr auto k_kind = store::AssetKind::model;

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
    TRY_ASSIGN(auto created, store::create_asset(workspace.db(), std::move(asset), now));
    auto model = from_asset(std::move(created));
    model.warnings = content.warnings;
    return model;
}

}  // namespace

Result<ModelRecord> register_local_model(store::Workspace& workspace, ModelRecord record,
                                         std::string_view file, std::string_view now,
                                         const snapshot::StoreProgress& progress) {
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    TRY(store::check_new_version(workspace.db(), k_kind, record.name, record.version));
    const fs::path path = named_path(record.path);
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        return usage_error("{}: {} does not exist", file, path.string());
    }
    TRY_ASSIGN(auto stored, store_paths(workspace, {path}, file, now, progress));
    Content content = std::move(stored);
    if (fs::is_directory(path, ec)) {
        // A folder keeps its name as the top level, as a run's outputs/model does.
        TRY_ASSIGN(auto entries, read_content(workspace.blobs(), content.id));
        const std::string name = fs::path(path).filename().string();
        for (auto& entry : entries) {
            entry.path = name + "/" + entry.path;
        }
        TRY_ASSIGN(auto prefixed, store_manifest(workspace, std::move(entries), now));
        prefixed.warnings = std::move(content.warnings);
        content = std::move(prefixed);
    }
    return insert(workspace, std::move(record), content, now);
}

Result<ModelRecord> register_run_model(store::Workspace& workspace, ModelRecord record,
                                       std::string_view artifacts, std::string_view now) {
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    TRY(store::check_new_version(workspace.db(), k_kind, record.name, record.version));
    TRY_ASSIGN(auto content, select_entries(workspace, artifacts, record.path, now));
    return insert(workspace, std::move(record), content, now);
}

Result<std::optional<ModelRecord>> find_model(store::Database& db, std::string_view name,
                                              std::string_view version) {
    TRY_ASSIGN(auto found, store::find_asset(db, k_kind, name, version));
    if (!found) {
        return std::optional<ModelRecord>{};
    }
    return std::optional<ModelRecord>{from_asset(std::move(*found))};
}

Result<std::vector<ModelRecord>> list_models(store::Database& db, bool all_versions,
                                             bool include_archived) {
    TRY_ASSIGN(auto assets, store::list_assets(db, k_kind, all_versions, include_archived));
    std::vector<ModelRecord> records;
    for (auto& asset : assets) {
        records.push_back(from_asset(std::move(asset)));
    }
    return records;
}

Result<std::int64_t> set_model_archived(store::Database& db, std::string_view name,
                                        std::string_view version, bool archived) {
    return store::set_asset_archived(db, k_kind, name, version, archived);
}

Result<std::vector<std::string>> models_of_run(store::Database& db, std::string_view run) {
    return db.query_all(
        "SELECT name || ':' || version FROM assets WHERE kind = 'model' AND "
        "json_extract(body, '$.lineage.run') = ?1 ORDER BY rowid",
        store::first_text, run);
}

}  // namespace ferry::assets
