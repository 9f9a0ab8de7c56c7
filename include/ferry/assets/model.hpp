#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/assets/content.hpp"
#include "ferry/core/error.hpp"
#include "ferry/spec/assets.hpp"
#include "ferry/store/workspace.hpp"

// Models: versioned records of files from a run's artifacts (with the run as lineage) or
// from a local path.
namespace ferry::assets {

struct ModelRecord {
    std::string name;
    std::string version;
    std::string description;
    spec::StringMap tags;
    spec::StringMap properties;
    std::string type = "custom_model";
    std::string framework;
    std::string framework_version;
    std::string stage;
    std::string path;  // as given: an artifact path of the run, or a local path
    std::string content;
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    nlohmann::ordered_json lineage;  // null, or {run, experiment, snapshot, runtime, environment}
    bool archived = false;
    std::string created_at;
    std::vector<std::string> warnings;  // what was left out (not stored)

    [[nodiscard]] std::string label() const { return name + ":" + version; }
};

// Stores the local path (a file, or a folder under its base name) and registers the model;
// `record` holds everything but the content.
[[nodiscard]] Result<ModelRecord> register_local_model(
    store::Workspace& workspace, ModelRecord record, std::string_view file, std::string_view now,
    const snapshot::StoreProgress& progress = {});

// Registers the files at `record.path` of stored artifacts `artifacts` (a manifest id);
// `record.lineage` names the run.
[[nodiscard]] Result<ModelRecord> register_run_model(store::Workspace& workspace,
                                                     ModelRecord record, std::string_view artifacts,
                                                     std::string_view now);

[[nodiscard]] Result<std::optional<ModelRecord>> find_model(store::Database& db,
                                                            std::string_view name,
                                                            std::string_view version);
[[nodiscard]] Result<std::vector<ModelRecord>> list_models(store::Database& db, bool all_versions,
                                                           bool include_archived);
[[nodiscard]] Result<std::int64_t> set_model_archived(store::Database& db, std::string_view name,
                                                      std::string_view version, bool archived);
// "NAME:VERSION" of every model registered from the run.
[[nodiscard]] Result<std::vector<std::string>> models_of_run(store::Database& db,
                                                             std::string_view run);

}  // namespace ferry::assets
