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

// Datasets (Azure's data assets): versioned records of local files stored in the workspace,
// or of http(s) URLs fetched on first use.
namespace ferry::assets {

using Json = nlohmann::ordered_json;

struct DatasetRecord {
    std::string name;
    std::string version;
    std::string description;
    spec::StringMap tags;
    spec::StringMap properties;
    std::string type = "uri_folder";  // or uri_file
    std::vector<std::string> paths;   // as given: local ones absolute, or URLs
    bool remote = false;              // the paths are URLs
    std::string content;              // the manifest; for URLs, empty until fetched
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    Json lineage;  // null, or {run, experiment}
    bool archived = false;
    std::string created_at;
    std::vector<std::string> warnings;  // what create left out (not stored)

    [[nodiscard]] std::string label() const { return name + ":" + version; }
};

// Registers a dataset version from its spec: local paths are stored now, URLs kept.
[[nodiscard]] Result<DatasetRecord> create_dataset(store::Workspace& workspace,
                                                   const spec::DataSpec& spec,
                                                   std::string_view file, std::string_view now,
                                                   const snapshot::StoreProgress& progress = {});

// Registers stored content (a run's output) as a dataset version with its lineage.
[[nodiscard]] Result<DatasetRecord> register_content(store::Workspace& workspace,
                                                     DatasetRecord record, std::string_view now);

[[nodiscard]] Result<std::optional<DatasetRecord>> find_dataset(store::Database& db,
                                                                std::string_view name,
                                                                std::string_view version);
[[nodiscard]] Result<std::vector<DatasetRecord>> list_datasets(store::Database& db,
                                                               bool all_versions,
                                                               bool include_archived);
[[nodiscard]] Result<std::int64_t> set_dataset_archived(store::Database& db, std::string_view name,
                                                        std::string_view version, bool archived);

// The name a URL's file gets in a dataset: the last component of its path ("data" if none).
[[nodiscard]] std::string url_file_name(const std::string& url);

// What the first use of a URL dataset fetched (null when not yet): {content, files, bytes,
// urls: [{url, size, etag, last_modified, bytes, sha256, fetched_at}]}.
[[nodiscard]] Result<Json> dataset_pin(store::Database& db, const DatasetRecord& record);

// The dataset's files: its content, fetched first for URLs (once; later uses check that the
// URL still serves the same, and fail if not, unless `refresh`).
[[nodiscard]] Result<Content> dataset_content(store::Workspace& workspace,
                                              const DatasetRecord& record, bool refresh,
                                              std::string_view now);

}  // namespace ferry::assets
