#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "ferry/core/context.hpp"
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

// What one collection stores at most; the rest is left out and counted.
struct ArtifactLimits {
    std::uint64_t bytes = std::uint64_t{100} << 30;  // 100 GiB
    std::uint64_t files = 1'000'000;                 // files and links
};

// FERRY_ARTIFACT_LIMIT (a size: 500m, 20g) and FERRY_ARTIFACT_FILES (a count), else the
// defaults; a value that is neither is a usage error naming the variable.
[[nodiscard]] Result<ArtifactLimits> artifact_limits(const Environment& environment);

// What a limit left out: how many files, their bytes, and the first few paths.
struct OverLimit {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::vector<std::string> first;
};

struct ArtifactSet {
    std::string id;           // the manifest blob
    std::uint64_t files = 0;  // files and links stored
    std::uint64_t bytes = 0;
    std::vector<std::string> skipped;  // what could not be stored, and why (the first 20)
    std::uint64_t more_skipped = 0;    // beyond those
    ArtifactLimits limits;
    OverLimit over_files;  // left out by limits.files
    OverLimit over_bytes;  // left out by limits.bytes
};

// Stores every regular file below the sources, each opened below the run's directory by
// descriptors, never through a link: a link is stored as a link when it leads to a place
// inside its source (its target in normal form, "sub/x" or "../y"), and left out and named
// otherwise, so that nothing outside the run's directory (/etc, /proc) is ever read. A
// source that is a link, or lies below one, is left out whole. Within `limits`, the sources
// are taken in the order given and each in path order; a file that does not fit is left out
// and counted. Missing sources are empty.
[[nodiscard]] Result<ArtifactSet> collect_artifacts(store::Workspace& workspace,
                                                    const fs::path& run_directory,
                                                    const std::vector<ArtifactSource>& sources,
                                                    const ArtifactLimits& limits,
                                                    std::string_view now);

// What a collection left out, a line each: the things named, how many more, and what each
// limit left out.
[[nodiscard]] std::vector<std::string> left_out_lines(const ArtifactSet& set);

[[nodiscard]] Result<std::vector<snapshot::ManifestEntry>> read_artifacts(
    const store::BlobStore& blobs, std::string_view id);

enum class Overwrite { yes, no };

struct DownloadResult {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::uint64_t unchanged = 0;  // already there with the same content
};

// Where a written link must lead: inside the directory, or also inside its artifact source
// (outputs/, logs/, named-outputs/NAME/ ...), the rule collection keeps.
enum class LinkScope { directory, source };

// Writes each entry to `directory` / its destination (pairs of entry and relative path).
// Checks everything first: a destination that would leave `directory` (through "..", or a
// link on the way) is refused, so is a link whose target, resolved through the download's
// links and those already there, leads outside `scope`, and so is an existing different file
// unless `overwrite`; then writes each file through a temporary file, checking its hash, and
// renames it into place. A file gets its recorded permission bits (no setuid, setgid or
// sticky); a directory the download makes is open to group or others only as far as some
// file below it is (0700 plus r-x for such a class).
[[nodiscard]] Result<DownloadResult> download_entries(
    const store::BlobStore& blobs,
    const std::vector<std::pair<snapshot::ManifestEntry, std::string>>& entries,
    const fs::path& directory, Overwrite overwrite, LinkScope scope = LinkScope::directory);

}  // namespace ferry::run
