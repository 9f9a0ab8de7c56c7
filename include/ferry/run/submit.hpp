#pragma once

#include <functional>
#include <map>

#include <optional>
#include <string>

#include "ferry/core/context.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/store/workspace.hpp"

// Submit: a job becomes a recorded run whose supervisor runs.
namespace ferry::run {

struct SubmitRequest {
    spec::CommandJob job;  // with the command line's --compute, --experiment, --code
    std::string source;    // the job file as given, or "command line"
    std::string text;      // the job file's text; empty for the command line
    // The keys the command line set, each with the flag that did: {"compute", "--compute gpu"}.
    std::map<std::string, std::string, std::less<>> flags;
    std::string name;  // --name; empty: the job's, else a new one
    Runtime runtime = Runtime::from_job;
    std::string snapshot_limit;  // --snapshot-limit; empty: FERRY_SNAPSHOT_LIMIT or 2g
    bool dry_run = false;
    // A sweep's trial or a pipeline's step: its parent, its place there (RunRecord::trial) and
    // the snapshot the parent stored of its code (none taken again).
    std::string parent;
    Json trial = nullptr;
    std::string snapshot;
    // Where the job's keys are in the file: "trial." for a sweep's trial, "jobs.STEP." for a
    // pipeline's step; its compute is the top-level key unless `compute_key` names another
    // ("jobs.STEP.compute", "settings.default_compute").
    std::string key_prefix;
    std::string compute_key;

    // Where an error about `key` belongs: the flag that set it, else its place in the file
    // ("job.yml:3:10"), else the file.
    [[nodiscard]] std::string where(std::string_view key) const;
};

// The notes of the job file's keys that ferry ignores ("FILE:LINE:COL: ignored: KEY (WHY)"),
// kept in the run's plan so that `run show` lists them.
[[nodiscard]] std::vector<std::string> ignored_notes(const spec::JobCommon& job,
                                                     std::string_view source);

// The check (a dry run) of a child's job, as its parent's request (a sweep's, a pipeline's)
// says it: the file's name and text, the flags, the runtime and the snapshot limit; the code
// is `snapshot`, stored by the parent (empty: none yet).
template <typename ParentRequest>
[[nodiscard]] SubmitRequest child_check(const ParentRequest& parent, spec::CommandJob job,
                                        std::string snapshot) {
    return SubmitRequest{.job = std::move(job),
                         .source = parent.source,
                         .text = parent.text,
                         .flags = parent.flags,
                         .runtime = parent.runtime,
                         .snapshot_limit = parent.snapshot_limit,
                         .dry_run = true,
                         .snapshot = std::move(snapshot)};
}

// A recorded run, or what it would have been.
struct Submission {
    std::optional<RunRecord> run;  // recorded, its supervisor started
    Json dry_run;                  // --dry-run: what would run, and how it would start
};

// Checks the compute (its launcher admits the job), resolves the environment and the
// registered inputs, makes the plan, stores the snapshot, records the run (NotStarted) and
// starts its supervisor (`ferry __supervise`, detached). Every check comes before anything
// is stored; a supervisor that cannot start ends the run Failed (exit 125). Warnings (the
// plan's notes, the snapshot's) go to ctx's stderr.
// Who submits: "user@host".
[[nodiscard]] std::string submitter(const Host& host);
// A name for a new run: `wanted` when no run has it (else "already exists", exit 2), or a
// new one when it is empty.
[[nodiscard]] Result<std::string> choose_run_name(store::Workspace& workspace, std::string wanted);
// Spawns the recorded run's supervisor (`ferry __supervise`, detached); a supervisor that
// cannot start ends the run Failed (exit 125).
[[nodiscard]] Result<void> start_supervisor(Context& ctx, store::Workspace& workspace,
                                            const Seams& seams, const RunRecord& run);
// Records a parent run (a sweep, a pipeline) as `run` says, under `wanted` or a new name,
// in a directory of its own with its logs' folders, and starts its supervisor; `complete`
// adds what needs the name and directory first.
[[nodiscard]] Result<RunRecord> start_parent(Context& ctx, store::Workspace& workspace,
                                             const Seams& seams, const std::string& wanted,
                                             NewRun run,
                                             const std::function<void(NewRun&)>& complete = {});
// Stores the snapshot of the job's code (none without code): its id, or empty.
[[nodiscard]] Result<std::string> store_code(Context& ctx, store::Workspace& workspace,
                                             const SubmitRequest& request);

[[nodiscard]] Result<Submission> submit(Context& ctx, store::Workspace& workspace,
                                        const Seams& seams, const SubmitRequest& request);

}  // namespace ferry::run
