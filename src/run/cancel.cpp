#include "ferry/run/cancel.hpp"

#include <signal.h>

#include "ferry/run/follow.hpp"
#include "ferry/run/lost.hpp"

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

Result<void> stop_compute_runs(store::Workspace& workspace, std::string_view compute,
                               const Seams& seams,
                               const std::function<void(const std::string&)>& stopping) {
    TRY_ASSIGN(const auto runs, unfinished_runs(workspace.db()));
    std::vector<std::string> stopped;
    for (const auto& run : runs) {
        if (run.compute == compute && request_stop(workspace.db(), run, 10, seams)) {
            stopping(run.name);
            stopped.push_back(run.name);
        }
    }
    FollowOptions follow;
    follow.seams = &seams;
    for (const auto& name : stopped) {
        TRY(wait_for_end(workspace, name, follow));
    }
    return {};
}

}  // namespace ferry::run
