// Submitting a sweep, and resuming one whose supervisor is gone.
#include <random>

#include "ferry/run/compute.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/sweep/sample.hpp"
#include "ferry/sweep/trial.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {

namespace {

// How many trials --dry-run shows the values of.
constexpr std::int64_t k_dry_run_trials = 10;

// The submit of one trial, as the sweep's supervisor makes it.
SubmitRequest trial_request(const SweepRequest& request, const Json& values) {
    SubmitRequest trial =
        child_check(request, sweep::trial_job(request.job, values), request.snapshot);
    trial.key_prefix = "trial.";
    return trial;
}

Json dry_run_record(const spec::SweepJob& job, std::uint64_t seed, bool best_value,
                    const Json& first_trial) {
    sweep::Sampler sampler(job, seed);
    Json values = Json::array();
    while (static_cast<std::int64_t>(values.size()) <
           std::min(job.max_total_trials, k_dry_run_trials)) {
        auto next = sampler.next();
        if (!next) {
            break;
        }
        values.push_back(std::move(*next));
    }
    return {{"type", "sweep"},
            {"sampling", sampler.describe()},
            {"objective",
             {{"primary_metric", job.primary_metric},
              {"goal", job.goal},
              {"value", best_value ? "best" : "last"}}},
            {"limits",
             {{"max_total_trials", job.max_total_trials},
              {"max_concurrent_trials", job.max_concurrent_trials},
              {"timeout", job.timeout},
              {"trial_timeout", job.trial_timeout ? Json(*job.trial_timeout) : Json(nullptr)}}},
            {"first_trials", std::move(values)},
            {"trial", first_trial}};
}

}  // namespace

Result<Submission> submit_sweep(Context& ctx, store::Workspace& workspace, const Seams& seams,
                                const SweepRequest& request) {
    spec::SweepJob job = request.job;
    if (job.compute.name.empty()) {
        job.compute.name = std::string(k_local_compute);
    }
    if (job.experiment_name.empty()) {
        job.experiment_name = default_experiment(job.trial.code, ctx.cwd);
    }
    // Drawn now and recorded: the supervisor, and any that resumes it, samples the same trials.
    const std::uint64_t seed =
        job.seed ? static_cast<std::uint64_t>(*job.seed) : std::random_device{}() & 0x7fffffffU;
    auto first = sweep::Sampler(job, seed).next();
    if (!first) {
        return usage_error("{}: the search space has no trial to run", request.source);
    }
    SweepRequest checked = request;
    checked.job = job;
    // Every check a trial's submit makes, before anything is stored.
    TRY_ASSIGN(const auto trial_dry_run,
               submit(ctx, workspace, seams, trial_request(checked, *first)));
    Submission submission;
    if (request.dry_run) {
        submission.dry_run = dry_run_record(job, seed, request.best_value, trial_dry_run.dry_run);
        return submission;
    }
    // Held until the sweep's record names the snapshot: gc must not collect it meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    auto storing = trial_request(checked, *first);
    storing.dry_run = false;
    storing.snapshot = request.snapshot;
    TRY_ASSIGN(const auto snapshot, store_code(ctx, workspace, storing));
    const NewRun sweep{.display_name = job.display_name,
                       .experiment = job.experiment_name,
                       .compute = job.compute.name,
                       .runtime = "sweep",
                       .snapshot = snapshot,
                       .command = job.trial.command,
                       .spec = job.to_json(),
                       .plan = {{"sweep",
                                 {{"seed", seed},
                                  {"runtime", request.runtime == Runtime::host ? "host" : "job"},
                                  {"objective_value", request.best_value ? "best" : "last"}}},
                                {"notes", ignored_notes(job, request.source)}},
                       .parent = request.parent,
                       .trial = request.place};
    TRY_ASSIGN(auto recorded, start_parent(ctx, workspace, seams,
                                           !request.name.empty() ? request.name : job.name, sweep));
    submission.run = std::move(recorded);
    return submission;
}

Result<void> resume_sweep(Context& ctx, store::Workspace& workspace, const Seams& seams,
                          const std::string& name) {
    TRY_ASSIGN(auto run, get_run(workspace.db(), name, workspace.name()));
    // Held until the new supervisor is recorded: a reaper that read the run before the reopen
    // waits, then finds it taken on.
    TRY_ASSIGN(const auto lock, lock_supervision(run.directory));
    TRY_ASSIGN(run, get_run(workspace.db(), name, workspace.name()));
    if (!run.is_sweep() && !run.is_pipeline()) {
        return usage_error(
            "run {} is not a sweep or a pipeline: only their supervisors can be resumed", name);
    }
    const bool lost_end = run.status == Status::failed && run.reason == EndReason::infrastructure &&
                          run.error.starts_with(k_supervisor_lost);
    if (is_terminal(run.status) && !lost_end) {
        return fail("{} {} ended {}{}; only one whose supervisor was lost can be resumed",
                    run.runtime, name, status_name(run.status),
                    run.error.empty() ? "" : ": " + run.error);
    }
    if (!is_terminal(run.status) &&
        supervisor_liveness(run, seams.host.machine, seams.clock.stamp().ms) != Liveness::lost) {
        return fail("{} {} is {} and its supervisor (pid {}{}) is alive: nothing to resume",
                    run.runtime, name, status_name(run.status), run.supervisor_pid.value_or(0),
                    run.boot_id.empty() ? "" : " on " + run.boot_id);
    }
    TRY(reopen(workspace.db(), name, seams.clock.stamp(), "resumed: a new supervisor continues"));
    TRY_ASSIGN(run, get_run(workspace.db(), name, workspace.name()));
    return start_supervisor(ctx, workspace, seams, run);
}

}  // namespace ferry::run
