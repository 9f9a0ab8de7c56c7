#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/store/workspace.hpp"

// A run's artifacts: the files of its outputs, logs and named outputs, stored as blobs with
// one manifest (the format of snapshots) whose paths start with "outputs/", "logs/",
// "user_logs/", "system_logs/" or "named-outputs/NAME/".
namespace ferry::run {

namespace fs = std::filesystem;

// A directory stored under a prefix of the manifest, e.g. {"outputs", RUN/wd/outputs}.
struct ArtifactSource {
    std::string prefix;
    fs::path directory;
};

struct ArtifactSet {
    std::string id;  // the manifest blob
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::vector<std::string> skipped;  // what could not be stored, and why
};

// Stores every regular file below the sources (a link to a file is stored as that file's
// content; links to directories and special files are skipped and named). Missing sources
// are empty.
[[nodiscard]] Result<ArtifactSet> collect_artifacts(store::Workspace& workspace,
                                                    const std::vector<ArtifactSource>& sources,
                                                    std::string_view now);

[[nodiscard]] Result<std::vector<snapshot::ManifestEntry>> read_artifacts(
    const store::BlobStore& blobs, std::string_view id);

enum class Overwrite { yes, no };

struct DownloadResult {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::uint64_t unchanged = 0;  // already there with the same content
};

// Writes each entry to `directory` / its destination (pairs of entry and relative path).
// Checks everything first: a destination that would leave `directory` (through "..", or a
// link on the way) is refused, and so is an existing different file unless `overwrite`; then
// writes each file through a temporary file, checking its hash, and renames it into place.
[[nodiscard]] Result<DownloadResult> download_entries(
    const store::BlobStore& blobs,
    const std::vector<std::pair<snapshot::ManifestEntry, std::string>>& entries,
    const fs::path& directory, Overwrite overwrite);

}  // namespace ferry::run
