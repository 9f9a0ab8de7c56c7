#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/context.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/run/submit.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/store/workspace.hpp"

// Pipelines: a parent run whose supervisor runs a DAG of steps, each a child run (an ordinary
// run with a parent and its step), an output of one step the input of the next. Submit
// resolves every step to a command job and stores its code; the supervisor submits a step
// once the steps it reads from completed, or reuses an earlier run of the same step when
// nothing it depends on changed (its fingerprint), as a build system would.
namespace ferry::run {

struct PipelineRequest {
    spec::PipelineJob job;  // with the command line's --compute, --experiment
    std::string source;     // the job file as given
    std::string text;       // its text
    std::map<std::string, std::string, std::less<>> flags;  // as SubmitRequest's
    std::string name;
    Runtime runtime = Runtime::from_job;
    std::string snapshot_limit;
    bool dry_run = false;
};

// Resolves each step's component (a file's, or a registered one), checks the pipeline across
// its steps and each step as its submit would, stores each step's code, records the pipeline
// (NotStarted; its steps in the plan) and starts its supervisor. --dry-run: each step's
// order, compute and whether it would be reused, and why not.
[[nodiscard]] Result<Submission> submit_pipeline(Context& ctx, store::Workspace& workspace,
                                                 const Seams& seams,
                                                 const PipelineRequest& request);

// The pipeline's supervisor: its state machine with a launcher whose job is the steps.
[[nodiscard]] Result<int> supervise_pipeline(store::Workspace& workspace, const RunRecord& pipeline,
                                             const Seams& seams);

// A step as the pipeline sees it.
struct StepState {
    std::string step;
    std::vector<std::string> after;  // the steps whose outputs it reads
    std::string compute;
    std::optional<RunRecord> run;  // none until it is submitted, reused or skipped
    std::string reused_from;       // the run whose results it took
    std::string skipped;           // why it did not run
};

// The steps in the plan's order, with their child runs.
[[nodiscard]] Result<std::vector<StepState>> pipeline_steps(store::Database& db,
                                                            const RunRecord& pipeline);
// What `run show` adds for a pipeline: {"settings", "steps": [{step, run, status, after,
// compute, duration_ms, reused_from, skipped}]}.
[[nodiscard]] Result<Json> pipeline_details(store::Database& db, const RunRecord& pipeline);
// The DAG in the terminal: the steps in order, each with its status, duration and reuse, and
// the steps it reads from.
[[nodiscard]] std::string draw_pipeline(const Json& details);

}  // namespace ferry::run
