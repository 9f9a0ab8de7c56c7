#pragma once

#include <map>
#include <optional>
#include <string>

#include "ferry/run/record.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/store/workspace.hpp"

// Reuse of a pipeline step's earlier result, as a build system does it: a step's fingerprint
// is what its result depends on; a Completed run of the same fingerprint whose files are
// still there stands for it.
namespace ferry::run {

// The fingerprint of a step: its command job (what it runs, its literal inputs, environment,
// variables, distribution) without what only names or places it, its code's snapshot, and
// the content of each data input: a bound one by `bound` (input -> content), a local path by
// its files, a registered asset by its NAME:VERSION; with a workspace, storage it stands in for
// (a datastore path, an earlier run's output) by the files it is here.
[[nodiscard]] Result<std::string> step_fingerprint(const Json& job, std::string_view snapshot,
                                                   const std::map<std::string, std::string>& bound,
                                                   store::Workspace* workspace = nullptr);
// The content of a run's named output: a hash of its stored files' paths and hashes.
[[nodiscard]] Result<std::string> output_content(store::Workspace& workspace, const RunRecord& run,
                                                 std::string_view output);
// The newest Completed run of the fingerprint whose directory and files are still there (a
// reuse too: it has the named outputs it took in its own directory).
[[nodiscard]] Result<std::optional<RunRecord>> reusable_run(store::Workspace& workspace,
                                                            std::string_view fingerprint);
// The run whose results a step's run stands for: the one it reused, else itself.
[[nodiscard]] Result<RunRecord> origin_of(store::Database& db, const RunRecord& step);
// A bound input's path: the upstream's named output (its file, for a uri_file).
[[nodiscard]] std::string bound_path(const RunRecord& origin, std::string_view output,
                                     std::string_view type);

// --dry-run of a pipeline: each step's compute, the steps it reads from, and whether it would
// be reused (from which run) or why it would run.
[[nodiscard]] Result<Json> pipeline_dry_run(store::Workspace& workspace,
                                            const spec::PipelineJob& job, const Json& plan);

}  // namespace ferry::run
