#include "ferry/run/cancel.hpp"

#include <signal.h>

#include <algorithm>
#include <set>

#include "ferry/run/follow.hpp"
#include "ferry/run/launcher.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/tracking.hpp"
#include "finalize.hpp"

namespace ferry::run {

Result<Status> request_stop(store::Database& db, const RunRecord& run, std::int64_t grace_seconds,
                            const Seams& seams) {
    TRY_ASSIGN(const Status before,
               request_cancel(db, run.name, grace_seconds, seams.clock.stamp()));
    if (!is_terminal(before) && run.supervisor_pid &&
        supervisor_liveness(run, seams.host.machine, 0) == Liveness::alive) {
        ::kill(static_cast<pid_t>(*run.supervisor_pid), SIGUSR1);
    }
    return before;
}

Result<Unsupervised> end_unsupervised(store::Workspace& workspace, const RunRecord& seen,
                                      Ending ending, std::chrono::milliseconds grace,
                                      const Seams& seams) {
    // Decided from `seen`: if a resume has given the run a new supervisor since, it is not ours
    // to end, nor are its processes ours to stop.
    TRY_ASSIGN(const auto lock, lock_supervision(seen.directory));
    TRY_ASSIGN(const auto run, get_run(workspace.db(), seen.name, workspace.name()));
    if (!same_supervision(seen, run)) {
        return Unsupervised{};
    }
    std::set<pid_t> signalled;
    terminate_all(
        [&] {
            auto pids = run_processes(run, seams.host);
            // A supervisor that does not answer is left to find the run ended when it wakes.
            std::erase_if(pids, [&](pid_t pid) { return pid == run.supervisor_pid; });
            signalled.insert(pids.begin(), pids.end());
            return pids;
        },
        grace, {});
    if (auto released = release_run_tracking(seams.host, run.directory, run.name); !released) {
        seams.log.note("{}", released.error().message);
    }
    launcher_of_run(workspace.db(), run, seams)->abandon(run);
    // Until the end names the artifacts: gc must not collect them meanwhile.
    auto lease = workspace.blobs().lease(store::LeaseKind::shared);
    if (auto collected = store_run_files(workspace, run, seams, nullptr)) {
        ending.artifacts = collected->id;
    }
    TRY_ASSIGN(const bool ended,
               finish(workspace.db(), run.name, ending, seams.clock.stamp(), run.supervisor_pid));
    return Unsupervised{.signalled = signalled.size(), .ended = ended};
}

namespace {

// Waits for the run's end until `deadline` (none: for ever); nullopt when interrupted or past
// the deadline.
Result<std::optional<RunRecord>> wait_until(store::Workspace& workspace, std::string_view name,
                                            const CancelWait& wait, const Seams& seams,
                                            std::optional<Clock::Instant> deadline) {
    FollowOptions follow;
    follow.seams = &seams;
    follow.interrupted = [&] {
        return (wait.interrupted && wait.interrupted()) ||
               (deadline && seams.clock.now() >= *deadline);
    };
    return wait_for_end(workspace, name, follow);
}

}  // namespace

Result<std::optional<CancelOutcome>> await_cancel(store::Workspace& workspace, const RunRecord& run,
                                                  const CancelWait& wait, const Seams& seams) {
    const auto deadline = wait.deadline.value_or(
        seams.clock.now() + std::chrono::seconds(wait.grace_seconds + wait.timeout_seconds));
    TRY_ASSIGN(auto ended, wait_until(workspace, run.name, wait, seams, deadline));
    if (ended) {
        return CancelOutcome{.run = std::move(*ended), .forced = std::nullopt};
    }
    if (wait.interrupted && wait.interrupted()) {
        return std::optional<CancelOutcome>{};
    }
    TRY_ASSIGN(const auto now, get_run(workspace.db(), run.name, workspace.name()));
    const Liveness liveness = supervisor_liveness(now, seams.host.machine, seams.clock.stamp().ms);
    if (is_terminal(now.status) || liveness == Liveness::elsewhere) {
        // Ended meanwhile, or a supervisor on another machine that only it can stop: wait on.
        TRY_ASSIGN(ended, wait_until(workspace, run.name, wait, seams, std::nullopt));
        if (!ended) {
            return std::optional<CancelOutcome>{};
        }
        return CancelOutcome{.run = std::move(*ended), .forced = std::nullopt};
    }
    const std::string why =
        liveness == Liveness::alive
            ? fmt::format("its supervisor (pid {}) did not answer", now.supervisor_pid.value_or(0))
        : now.supervisor_pid ? fmt::format("its supervisor (pid {}) is gone", *now.supervisor_pid)
                             : std::string("it has no supervisor");
    TRY_ASSIGN(
        const auto forced,
        end_unsupervised(workspace, now,
                         Ending::canceled(fmt::format(
                             "canceled on request; {}, so ferry stopped the job itself", why)),
                         std::chrono::seconds(wait.grace_seconds), seams));
    TRY_ASSIGN(auto final_record, get_run(workspace.db(), run.name, workspace.name()));
    return CancelOutcome{.run = std::move(final_record), .forced = forced};
}

Result<std::vector<CancelOutcome>> stop_runs(
    store::Workspace& workspace, const std::function<bool(const RunRecord&)>& which,
    const Seams& seams, const std::function<void(const std::string&)>& stopping) {
    CancelWait wait;
    TRY_ASSIGN(const auto runs, unfinished_runs(workspace.db()));
    std::vector<const RunRecord*> stopped;
    for (const auto& run : runs) {
        if (which(run) && request_stop(workspace.db(), run, wait.grace_seconds, seams)) {
            stopping(run.name);
            stopped.push_back(&run);
        }
    }
    wait.deadline =
        seams.clock.now() + std::chrono::seconds(wait.grace_seconds + wait.timeout_seconds);
    std::vector<CancelOutcome> outcomes;
    for (const auto* run : stopped) {
        TRY_ASSIGN(auto outcome, await_cancel(workspace, *run, wait, seams));
        if (outcome) {
            outcomes.push_back(std::move(*outcome));
        }
    }
    return outcomes;
}

Result<void> stop_compute_runs(store::Workspace& workspace, std::string_view compute,
                               const Seams& seams,
                               const std::function<void(const std::string&)>& stopping) {
    TRY(stop_runs(
        workspace, [&](const RunRecord& run) { return run.compute == compute; }, seams, stopping));
    return {};
}

Result<UnfinishedCount> count_unfinished(store::Database& db) {
    TRY_ASSIGN(const auto runs, unfinished_runs(db));
    UnfinishedCount count;
    for (const auto& run : runs) {
        const bool waiting = run.status == Status::not_started || run.status == Status::queued;
        (waiting ? count.queued : count.active) += 1;
    }
    return count;
}

}  // namespace ferry::run
