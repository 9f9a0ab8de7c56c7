#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/run/status.hpp"
#include "ferry/store/database.hpp"
#include "ferry/track/search.hpp"

// Runs in the workspace database: one row per run, one event per status it went through.
namespace ferry::run {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// A moment, as text for people and as milliseconds since the epoch for arithmetic.
struct Stamp {
    std::string text;
    std::int64_t ms = 0;
};

struct Event {
    Status status = Status::not_started;
    std::string at;
    std::string detail;
};

// A run's snapshot in figures: what it holds (from the stored snapshot) and what its submit
// added to the store; each unknown (nullopt) where nothing says, as for runs recorded before
// ferry kept the added figures.
struct SnapshotFigures {
    std::optional<std::int64_t> files;
    std::optional<std::int64_t> bytes;
    std::optional<std::int64_t> new_files;
    std::optional<std::int64_t> new_bytes;
};

// What `run list` shows of a run: read alone (list_summaries) for a list, which may be long;
// the rest of a run's row, its spec and plan above all, is most of what reading it costs.
struct RunSummary {
    std::int64_t seq = 0;  // submission order
    std::string name;
    std::string experiment;
    std::string compute;
    Status status = Status::not_started;
    Stamp created;
    std::optional<Stamp> started;
    std::optional<Stamp> ended;
    std::optional<std::int64_t> heartbeat_ms;
    std::optional<int> exit_code;
    Json tags;  // the run's tags now: its job's, then what was set while it ran or since
    bool archived = false;  // left out of `run list` unless asked for, as az ml job archive
};

struct RunRecord : RunSummary {
    std::string display_name;
    std::string runtime;  // "host"
    bool holds_slot = false;
    std::string snapshot;  // empty: no code
    SnapshotFigures snapshot_figures;
    std::string command;  // as it runs, placeholders replaced
    Json spec;            // the job as resolved at submit
    Json plan;            // what the supervisor carries out
    fs::path directory;   // the run directory
    std::string submitted_by;
    std::optional<std::int64_t> supervisor_pid;
    std::string boot_id;
    std::optional<std::int64_t> cancel_grace;  // set: a cancel was asked for
    EndReason reason = EndReason::none;
    std::string error;
    std::string artifacts;  // manifest id; empty until collected
    Json environment;       // null: the host; else name, version, hash, runtime, cache, location
    Json notes;             // what the supervisor said after the end: ["..."]
    // null on this machine; on a cluster {"type": "slurm", "job_id", "state", "reason",
    // "nodes"} as the scheduler last said
    Json scheduler;
    // A child run's parent: a sweep's, for a trial, or the run whose job's MLflow client made
    // it (runs/create); else empty.
    std::string parent;
    // A child with a supervisor of its own: a sweep's trial, {"number": N, "values": {NAME:
    // VALUE, ...}}; a pipeline's step, {"step": NAME, "fingerprint": HASH} with "reused_from":
    // RUN (it ran nothing) or "skipped": WHY; else null.
    Json trial;
    // Why a cancel was asked for when it was not a person's ("early termination: ..."); the
    // run's end says it instead of "canceled on request".
    std::string cancel_reason;

    // A sweep: a parent run whose work is its trials.
    [[nodiscard]] bool is_sweep() const { return runtime == "sweep"; }
    // A pipeline: a parent run whose work is its steps.
    [[nodiscard]] bool is_pipeline() const { return runtime == "pipeline"; }

    [[nodiscard]] int waited_exit_code() const {
        return run::waited_exit_code(status, reason, exit_code);
    }
};

// What submit records.
struct NewRun {
    std::string name;
    std::string display_name;
    std::string experiment;
    std::string compute;
    std::string runtime;
    std::string snapshot;
    SnapshotFigures snapshot_added;  // new_files and new_bytes: what storing it added
    std::string command;
    Json spec;
    Json plan;
    fs::path directory;
    std::string submitted_by;
    Json environment = nullptr;
    std::string parent;    // a sweep's trial: the sweep
    Json trial = nullptr;  // RunRecord::trial
};

// How a run ends.
struct Ending {
    Status status = Status::failed;
    EndReason reason = EndReason::job;
    std::optional<int> exit_code;
    std::string error;
    std::string artifacts;  // empty: keep what is recorded

    // The job ended by itself with `code`: Completed on 0, else Failed saying `error`.
    [[nodiscard]] static Ending of_job(int code, std::string error);
    // Canceled: before it started, or on request (the job's code kept when it had one).
    [[nodiscard]] static Ending canceled(std::string error, std::optional<int> code = {});
    // Stopped at limits.timeout.
    [[nodiscard]] static Ending timed_out(std::int64_t seconds, std::optional<int> code = {});
    // A failure of ferry or of the compute, not of the job.
    [[nodiscard]] static Ending infrastructure(std::string error, std::optional<int> code = {});
};

struct RunFilter {
    std::string experiment;
    std::optional<Status> status;
    // Each tag the run's job must have: KEY with VALUE, or KEY with any value (nullopt).
    std::vector<std::pair<std::string, std::optional<std::string>>> tags;
    track::Filter search;  // MLflow's filter: `--filter`, runs/search's `filter`
    track::Order order;    // its terms first, then newest first
    std::optional<std::int64_t> limit;
    // Child runs (a job's nested runs) are listed unless `top_level_only`; with `parent`, only
    // that run's children are.
    bool top_level_only = false;
    std::string parent;
    bool hide_archived = false;  // `run list` without --include-archived
};

// Inserts the run (NotStarted, with its first event); fails with "run NAME already exists".
[[nodiscard]] Result<RunRecord> insert_run(store::Database& db, const NewRun& run,
                                           const Stamp& now);
[[nodiscard]] Result<std::optional<RunRecord>> find_run(store::Database& db, std::string_view name);
// Only the status: what followers ask many times a second.
[[nodiscard]] Result<std::optional<Status>> find_status(store::Database& db, std::string_view name);
// The run, or "no run named NAME in workspace W" (exit 1).
[[nodiscard]] Result<RunRecord> get_run(store::Database& db, std::string_view name,
                                        std::string_view workspace);
[[nodiscard]] Result<std::optional<RunRecord>> newest_run(store::Database& db);
// Archives (or restores) the named runs, all or none: a name that is no run is an error
// (exit 2). Returns how many changed; one already as asked stays so.
[[nodiscard]] Result<std::size_t> set_runs_archived(store::Database& db,
                                                    std::span<const std::string> names,
                                                    bool archived, std::string_view workspace);
// Matching runs in the filter's order (newest first after its terms), at most its limit,
// and how many matched in all.
[[nodiscard]] Result<std::pair<std::vector<RunRecord>, std::int64_t>> list_runs(
    store::Database& db, const RunFilter& filter);
// The same, each run's summary alone: what a long list (`run list`, the ui's runs page) reads.
[[nodiscard]] Result<std::pair<std::vector<RunSummary>, std::int64_t>> list_summaries(
    store::Database& db, const RunFilter& filter);
// Runs not in a terminal status, oldest first.
[[nodiscard]] Result<std::vector<RunRecord>> unfinished_runs(store::Database& db);
[[nodiscard]] Result<std::vector<Event>> run_events(store::Database& db, std::int64_t seq);
[[nodiscard]] Result<std::vector<std::string>> run_names(store::Database& db);
// Each experiment with its number of runs, the one with the newest run first.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::int64_t>>> experiments(
    store::Database& db);
// Each run's name and status, newest first.
[[nodiscard]] Result<std::vector<std::pair<std::string, Status>>> run_statuses(store::Database& db);

// Moves the run to `to` when its status is one of `from`; false when it was not. Running
// keeps the start a run had (a resumed sweep's).
[[nodiscard]] Result<bool> transition(store::Database& db, std::string_view name,
                                      std::initializer_list<Status> from, Status to,
                                      const Stamp& now, std::string_view detail = {});
// Ends a run that is not yet ended; false when it already was. Frees its slot. With
// `supervisor` (the pid the caller judged lost, or none), only while the run's recorded
// supervisor is still that one: a run a new supervisor took on since is left to it.
[[nodiscard]] Result<bool> finish(
    store::Database& db, std::string_view name, const Ending& ending, const Stamp& now,
    const std::optional<std::optional<std::int64_t>>& supervisor = std::nullopt);
// A run whose supervisor was lost, made Preparing again for a new one (a sweep's resume):
// its end, supervisor and cancel request are cleared; its start is kept.
[[nodiscard]] Result<void> reopen(store::Database& db, std::string_view name, const Stamp& now,
                                  std::string_view detail);
[[nodiscard]] Result<void> set_supervisor(store::Database& db, std::string_view name,
                                          std::int64_t pid, std::string_view boot_id,
                                          const Stamp& now);
[[nodiscard]] Result<void> heartbeat(store::Database& db, std::string_view name, const Stamp& now);
// What the cluster's scheduler says of the run (RunRecord::scheduler).
[[nodiscard]] Result<void> set_scheduler(store::Database& db, std::string_view name,
                                         const Json& scheduler);
// A run on a cluster, where the scheduler queues: NotStarted to Preparing at once, holding
// its place among the compute's active runs; false when it was not NotStarted.
[[nodiscard]] Result<bool> begin_preparing(store::Database& db, std::string_view name,
                                           const Stamp& now);
// Adds a line to the run's notes.
[[nodiscard]] Result<void> add_note(store::Database& db, std::string_view name,
                                    std::string_view note);
// What Preparing made of the run's environment (cache hit or built, where it lives).
[[nodiscard]] Result<void> set_environment(store::Database& db, std::string_view name,
                                           const Json& environment);
[[nodiscard]] Result<void> set_artifacts(store::Database& db, std::string_view name,
                                         std::string_view manifest_id);
// Records a cancel request (status CancelRequested, the grace period) for the supervisor to
// carry out, also for a run still queued; an ended run is left as it is. Returns the status
// the run had. `reason`, when given, is what the run's end says (the first one given stays).
[[nodiscard]] Result<Status> request_cancel(store::Database& db, std::string_view name,
                                            std::int64_t grace_seconds, const Stamp& now,
                                            std::string_view reason = {});
// Takes a slot of the compute for a queued run when fewer than `slots` runs hold one and no
// run queued before it is still waiting: then the run is Preparing and true comes back.
[[nodiscard]] Result<bool> claim_slot(store::Database& db, std::string_view name,
                                      std::int64_t slots, const Stamp& now);
// The supervisor pid of the oldest run queued on the compute, to wake it up.
[[nodiscard]] Result<std::optional<std::int64_t>> next_queued_supervisor(store::Database& db,
                                                                         std::string_view compute);
// How many runs of the compute hold a slot, and how many wait for one.
struct ComputeLoad {
    std::int64_t active = 0;
    std::int64_t queued = 0;
};
[[nodiscard]] Result<ComputeLoad> compute_load(store::Database& db, std::string_view compute);

}  // namespace ferry::run
