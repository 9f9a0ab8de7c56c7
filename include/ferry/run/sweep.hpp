#pragma once

#include <cstdint>
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

// Sweeps: a parent run whose supervisor samples trials and submits each as a child run (an
// ordinary run with a parent and its values), within the sweep's limits, stopping the trials
// its early termination policy picks. Everything a sweep knows is in the database (its spec,
// its seed, its trials with their values), so a new supervisor continues a sweep whose
// supervisor died (`run resume`).
namespace ferry::run {

struct SweepRequest {
    spec::SweepJob job;  // with the command line's --compute, --experiment, --code
    std::string source;  // the job file as given
    std::string text;    // its text
    std::map<std::string, std::string, std::less<>> flags;  // as SubmitRequest's
    std::string name;
    Runtime runtime = Runtime::from_job;
    std::string snapshot_limit;
    bool dry_run = false;
    // A trial's result: the last value it logged of the primary metric (false, Azure's), or
    // the best by the goal (true, `--objective-value best`).
    bool best_value = false;
    // A pipeline's sweep step: the pipeline, and the step's place (RunRecord::trial).
    std::string parent;
    Json place = nullptr;
    std::string snapshot;  // the trials' code, stored by the pipeline
};

// Checks the sweep as a submit of its first trial would (compute, environment, inputs, code),
// stores the trial's code once, records the sweep (NotStarted, with the seed it samples with:
// the job's, or one drawn now) and starts its supervisor. --dry-run: the first trial's
// dry run, the sampling, and the first trials' values.
[[nodiscard]] Result<Submission> submit_sweep(Context& ctx, store::Workspace& workspace,
                                              const Seams& seams, const SweepRequest& request);

// The sweep's supervisor: its state machine with a launcher whose job is the trials.
[[nodiscard]] Result<int> supervise_sweep(store::Workspace& workspace, const RunRecord& sweep,
                                          const Seams& seams);

// A sweep whose supervisor is gone (killed, or its machine restarted; ended "supervisor lost"
// by the reaper, or not yet): a new supervisor continues it from its recorded trials.
// Refused for a sweep that is live or ended otherwise.
[[nodiscard]] Result<void> resume_sweep(Context& ctx, store::Workspace& workspace,
                                        const Seams& seams, const std::string& name);

// A trial as the sweep sees it.
struct Trial {
    std::string name;
    std::int64_t number = 0;
    Json values;
    Status status = Status::not_started;
    EndReason reason = EndReason::none;
    std::string error;
    std::optional<double> metric;  // the primary metric's last value (or best: see the request)
    std::optional<std::int64_t> started_ms;
    std::optional<std::int64_t> ended_ms;
    std::int64_t reports = 0;  // how many values of the primary metric it logged
};

// The sweep's trials, by number, with their primary metric.
[[nodiscard]] Result<std::vector<Trial>> sweep_trials(store::Database& db, const RunRecord& sweep);
// The best trial by the objective: of the trials that completed with the primary metric.
[[nodiscard]] std::optional<std::string> best_trial(const std::vector<Trial>& trials,
                                                    bool maximize);
// What `run show` adds for a sweep: {"objective", "limits", "sampling", "early_termination",
// "best_trial", "trials": [{name, number, status, values, primary metric}] best first}.
[[nodiscard]] Result<Json> sweep_details(store::Database& db, const RunRecord& sweep);

}  // namespace ferry::run
