#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/record.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/store/workspace.hpp"

// `ferry run download`: an ended run's files written out, as Azure lays them out.
namespace ferry::run {

// The files stored for the run: its artifacts' manifest, or none yet.
[[nodiscard]] Result<std::vector<snapshot::ManifestEntry>> run_artifacts(
    store::Workspace& workspace, const RunRecord& run);

struct RunDownload {
    fs::path directory;       // absolute
    std::string output_name;  // one named output only; empty: see `all`
    bool all = false;         // also every named output
    // Only this file, or the files below this folder, as the run stores them ("outputs/m.pkl",
    // "logs", "named-outputs/model"); empty: see the others.
    std::string path;
    Overwrite overwrite = Overwrite::no;
};

// Writes DIR/artifacts/... (outputs and logs) and DIR/named-outputs/NAME/... (with `all`, or
// the one output asked for; a pipeline's `all` adds each step's as named-outputs/STEP/NAME; a named
// output the job left empty appears as an empty directory). A run that has not ended has only the
// logs synced so far; one with none yet, an output the run does not have, or a path it has nothing
// under, is refused.
[[nodiscard]] Result<DownloadResult> download_run(store::Workspace& workspace, const RunRecord& run,
                                                  const RunDownload& request);

}  // namespace ferry::run
