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
    Overwrite overwrite = Overwrite::no;
};

// Writes DIR/artifacts/... (outputs and logs) and DIR/named-outputs/NAME/... (with `all`, or
// the one output asked for; a named output the job left empty appears as an empty
// directory). A run that has not ended, or an output the run does not have, is refused.
[[nodiscard]] Result<DownloadResult> download_run(store::Workspace& workspace, const RunRecord& run,
                                                  const RunDownload& request);

}  // namespace ferry::run
