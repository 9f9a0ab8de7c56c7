#pragma once

// What the run and compute verbs share: the open workspace, ending lost runs, the clock
// as stamps, Ctrl-C, and following a run on the terminal.
#include <filesystem>
#include <optional>
#include <string>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::cli {

// What the run layer reads of the world, for a command: the context's runner and clock, this
// process, and no system log.
class CommandSeams {
public:
    explicit CommandSeams(Context& ctx);
    CommandSeams(const CommandSeams&) = delete;
    CommandSeams& operator=(const CommandSeams&) = delete;
    [[nodiscard]] const run::Seams& get() const { return m_seams; }

private:
    run::Host m_host;
    run::SystemClock m_clock;
    run::SystemLog m_log;
    run::Seams m_seams;
};

// The chosen workspace, opened: nothing else happens.
[[nodiscard]] Result<store::Workspace> open_workspace(Context& ctx);
// Ends the runs whose supervisor died (their processes stopped, their files stored, Failed
// "supervisor lost") and says how many on stderr. The verbs that show or wait for runs and
// computes call it; the others leave runs alone.
[[nodiscard]] Result<void> end_lost_runs(Context& ctx, store::Workspace& workspace);
[[nodiscard]] run::Stamp stamp(const Context& ctx);

// Catches Ctrl-C while it lives, so following can stop and say the run goes on.
class InterruptGuard {
public:
    enum class Also { nothing, terminate };
    // Catches SIGINT (and SIGTERM with Also::terminate) until destroyed.
    explicit InterruptGuard(Also also = Also::nothing);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    [[nodiscard]] static bool interrupted();

private:
    bool m_terminate;
};

// Asks the run to stop, as `run cancel` does, and returns the status it had; a nested run (an
// MLflow client's) is refused while it goes on: its client or its parent ends it.
[[nodiscard]] Result<run::Status> request_cancel(Context& ctx, store::Workspace& workspace,
                                                 const run::RunRecord& run,
                                                 std::int64_t grace_seconds);

// An error that carries only an exit status: what had to be said was said.
[[nodiscard]] Error exit_status(int code);

// A stream of log lines is text, or JSON Lines with -o json; -o yaml and tsv are refused
// (before anything is submitted).
[[nodiscard]] Result<void> check_stream_format(const Context& ctx);

// What `run stream` follows besides the run's log: `rank` picks the log of a distributed
// run ("" rank 0, "N" rank N, "all" every rank), `folder_logs` adds the files of the job's
// ./logs as they appear, `metrics` the metric points it logs (on stderr, or JSON Lines),
// `trials` a sweep's trials' logs as they start.
struct StreamChoice {
    std::string rank;
    bool folder_logs = false;
    bool metrics = false;
    bool trials = false;  // a sweep's trials' logs too, each line after "[TRIAL] "
};

// What submit and resume print of a run they started: its name, or with -o json|yaml its
// record as the command ends; with `wait`, after waiting for its end (an error for a run
// that did not complete, as `run wait`).
[[nodiscard]] Result<void> print_started(Context& ctx, store::Workspace& workspace,
                                         const std::string& name, bool wait);

// Follows the run to its end: with its log on stdout (headers, status changes and the
// summary on stderr; with -o json, JSON Lines of the log's lines, the status changes and
// the end on stdout) when `stream`, silently otherwise. Returns the exit status of the
// waiting commands as an error unless it is 0.
[[nodiscard]] Result<void> follow_run(Context& ctx, store::Workspace& workspace,
                                      const std::string& name, bool stream,
                                      std::optional<std::size_t> tail,
                                      const StreamChoice& choice = {});

}  // namespace ferry::cli
