#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/store/workspace.hpp"

// The files of a dataset or a model: a manifest (the same format as snapshots and artifacts)
// whose blobs are shared with everything else in the workspace.
namespace ferry::assets {

namespace fs = std::filesystem;

struct Content {
    std::string id;  // the manifest blob
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::vector<std::string> warnings;  // links left out
};

// Stores local paths (absolute): one folder's files at the top level, or one file under its
// base name; several paths each under its base name. Every file is kept (no ignore files
// for data); links that lead outside are left out with a warning. Errors name `file` (the
// spec) and the path.
[[nodiscard]] Result<Content> store_paths(store::Workspace& workspace,
                                          const std::vector<fs::path>& paths, std::string_view file,
                                          std::string_view now,
                                          const snapshot::StoreProgress& progress = {});

// Whether selected entries keep the base name of their prefix as their top level.
enum class BaseName { keep, drop };

// The entries of manifest `id` at `prefix` (a file, or a folder and everything below it),
// under the prefix's base name ("outputs/model/a" -> "model/a"), or without it ("a"), as a
// new manifest.
[[nodiscard]] Result<Content> select_entries(store::Workspace& workspace, std::string_view id,
                                             std::string_view prefix, std::string_view now,
                                             BaseName base_name = BaseName::keep);

// A path as it names something: "x/" names x.
[[nodiscard]] fs::path named_path(const fs::path& path);

// A manifest's entries.
[[nodiscard]] Result<std::vector<snapshot::ManifestEntry>> read_content(
    const store::BlobStore& blobs, std::string_view id);

// Stores `entries` (sorted) as a manifest blob.
[[nodiscard]] Result<Content> store_manifest(store::Workspace& workspace,
                                             std::vector<snapshot::ManifestEntry> entries,
                                             std::string_view now);

}  // namespace ferry::assets
