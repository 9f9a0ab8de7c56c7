#pragma once

#include <string>

#include "ferry/run/artifacts.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

// What the supervisor does with a run's files: ./logs and user_logs stored while it runs,
// everything stored when it ends, and a completed run's named outputs registered as datasets.
namespace ferry::run {

// Stores ./logs and user_logs/ as the run's artifacts so far.
void sync_logs(store::Workspace& workspace, const RunRecord& run, const Seams& seams);

// Stores the run's files (artifact_sources) within the limits of the host's environment
// (FERRY_ARTIFACT_LIMIT, FERRY_ARTIFACT_FILES); what was left out, and why, becomes notes of
// the run and lines of `log` when there is one.
[[nodiscard]] Result<ArtifactSet> store_run_files(store::Workspace& workspace, const RunRecord& run,
                                                  const Seams& seams, SystemLog* log);

// Stores outputs, logs, user and system logs and named outputs as the run's artifacts; a
// completed run that cannot store them fails.
void collect_files(store::Workspace& workspace, const RunRecord& run, Ending& ending,
                   const Seams& seams);

// Writes the named outputs with a datastore path there, and registers those with a `name` as
// dataset versions, or model versions for the model types (their manifests reuse the
// artifacts' blobs); what cannot be written or registered becomes a note of the run.
void register_outputs(store::Workspace& workspace, const RunRecord& run, const Plan& plan,
                      const std::string& artifacts, const Seams& seams);

}  // namespace ferry::run
