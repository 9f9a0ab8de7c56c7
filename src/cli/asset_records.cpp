// The records of `env`, `dataset` and `model` list and show: what -o json prints, and what
// `ferry ui`'s API answers.
#include "asset_records.hpp"

#include "ferry/env/materialize.hpp"

namespace ferry::cli {

namespace {

Json definition_record(const env::Definition& definition) {
    Json json = definition.to_json();
    return json;
}

}  // namespace

Json environment_record(const env::EnvironmentRecord& record,
                        const std::optional<Json>& materialized) {
    const auto& environment = record.environment;
    Json json;
    json["name"] = environment.name;
    json["version"] = environment.version;
    json["description"] = record.description;
    json["tags"] = pairs_json(record.tags);
    json["runtime"] = env::kind_name(environment.kind);
    json["hash"] = environment.hash;
    json["created_at"] = record.created_at;
    json["archived"] = record.archived;
    json["definition"] = definition_record(environment.definition);
    if (materialized) {
        json["materialized"] = *materialized;
    }
    return json;
}

Result<env::EnvironmentRecord> find_environment(store::Workspace& workspace,
                                                const std::string& text) {
    return find_named(
        workspace, text, store::AssetKind::environment, "env",
        [](auto& db, auto name, auto version) { return env::find_environment(db, name, version); });
}

namespace {

// What a dataset's and a model's records begin with.
template <typename Record>
Json versioned_fields(const Record& record) {
    Json json;
    json["name"] = record.name;
    json["version"] = record.version;
    json["description"] = record.description;
    json["tags"] = pairs_json(record.tags);
    json["properties"] = pairs_json(record.properties);
    json["type"] = record.type;
    return json;
}

Json plain_record(const assets::DatasetRecord& record) {
    Json json = versioned_fields(record);
    json["paths"] = record.paths;
    json["content"] = record.content.empty() ? Json(nullptr) : Json(record.content);
    json["files"] = record.content.empty() ? Json(nullptr) : Json(record.files);
    json["bytes"] = record.content.empty() ? Json(nullptr) : Json(record.bytes);
    json["created_at"] = record.created_at;
    json["archived"] = record.archived;
    json["lineage"] = record.lineage;
    return json;
}

}  // namespace

// A URL dataset's content is what its first use fetched.
Json dataset_record(store::Database& db, assets::DatasetRecord record) {
    Json fetched = nullptr;
    if (record.remote) {
        if (auto pin = assets::dataset_pin(db, record); pin && pin->is_object()) {
            record.content = pin->value("content", std::string());
            record.files = pin->value("files", std::uint64_t{0});
            record.bytes = pin->value("bytes", std::uint64_t{0});
            fetched = Json::array();
            for (const auto& url : (*pin)["urls"]) {
                fetched.push_back({{"url", url.value("url", std::string())},
                                   {"size", url.value("bytes", std::uint64_t{0})},
                                   {"sha256", url.value("sha256", std::string())},
                                   {"fetched_at", url.value("fetched_at", std::string())}});
            }
        }
    }
    Json json = plain_record(record);
    if (record.remote) {
        json["fetched"] = fetched;
    }
    return json;
}

Result<assets::DatasetRecord> find_dataset(store::Workspace& workspace, const std::string& text) {
    return find_named(
        workspace, text, store::AssetKind::data, "dataset",
        [](auto& db, auto name, auto version) { return assets::find_dataset(db, name, version); });
}

Json model_record(const assets::ModelRecord& record) {
    Json json = versioned_fields(record);
    json["framework"] = record.framework;
    json["framework_version"] = record.framework_version;
    json["stage"] = record.stage.empty() ? Json(nullptr) : Json(record.stage);
    json["path"] = record.path;
    json["content"] = record.content;
    json["files"] = record.files;
    json["bytes"] = record.bytes;
    json["created_at"] = record.created_at;
    json["archived"] = record.archived;
    json["lineage"] = record.lineage;
    json["run"] = record.lineage.is_object() ? record.lineage.value("run", Json()) : Json();
    return json;
}

Result<assets::ModelRecord> find_model(store::Workspace& workspace, const std::string& text) {
    return find_named(
        workspace, text, store::AssetKind::model, "model",
        [](auto& db, auto name, auto version) { return assets::find_model(db, name, version); });
}

Result<Json> environment_list(store::Workspace& workspace, const ListFlags& flags) {
    TRY_ASSIGN(const auto records,
               env::list_environments(workspace.db(), flags.all_versions, flags.include_archived));
    Json rows = Json::array();
    for (const auto& record : records) {
        Json row = environment_record(record, std::nullopt);
        row["hash"] = record.environment.hash.substr(0, 12);
        rows.push_back(std::move(row));
    }
    return rows;
}

Result<Json> environment_show(store::Workspace& workspace, const std::string& name,
                              Runner& runner) {
    TRY_ASSIGN(auto record, find_environment(workspace, name));
    auto ready = env::is_materialized(record.environment, workspace.root(), runner);
    Json materialized;
    materialized["state"] = !ready ? Json("unknown") : Json(*ready ? "ready" : "absent");
    materialized["location"] =
        env::location_of(record.environment, workspace.root(), env::venv_interpreter(runner));
    return environment_record(record, materialized);
}

Result<Json> dataset_list(store::Workspace& workspace, const ListFlags& flags) {
    TRY_ASSIGN(const auto records,
               assets::list_datasets(workspace.db(), flags.all_versions, flags.include_archived));
    Json rows = Json::array();
    for (const auto& record : records) {
        rows.push_back(dataset_record(workspace.db(), record));
    }
    return rows;
}

Result<Json> dataset_show(store::Workspace& workspace, const std::string& name) {
    TRY_ASSIGN(auto record, find_dataset(workspace, name));
    return dataset_record(workspace.db(), record);
}

Result<Json> model_list(store::Workspace& workspace, const ListFlags& flags) {
    TRY_ASSIGN(const auto records,
               assets::list_models(workspace.db(), flags.all_versions, flags.include_archived));
    Json rows = Json::array();
    for (const auto& record : records) {
        rows.push_back(model_record(record));
    }
    return rows;
}

Result<Json> model_show(store::Workspace& workspace, const std::string& name) {
    TRY_ASSIGN(auto record, find_model(workspace, name));
    return model_record(record);
}

}  // namespace ferry::cli
