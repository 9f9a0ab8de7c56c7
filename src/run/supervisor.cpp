// `ferry __supervise`: the composition root of a run's supervisor.
#include "ferry/run/supervisor.hpp"

#include <sys/prctl.h>

#include <cstdio>
#include <exception>

#include "ferry/run/pending_end.hpp"
#include "ferry/run/plan.hpp"

namespace ferry::run {

namespace {

// The run, carried to its end; an error before the state machine could start.
Result<int> supervise_run(store::Workspace& workspace, const std::string& run_name,
                          const Seams& seams) {
    TRY_ASSIGN(auto found, find_run(workspace.db(), run_name));
    if (!found) {
        return fail("no run {} in {}", run_name, workspace.root().string());
    }
    TRY_ASSIGN(auto plan, Plan::from_json(found->plan));
    const auto launcher = launcher_of_run(workspace.db(), *found, seams);
    JobPreparation preparation(workspace, *found, plan, launcher->traits(), seams);
    Supervisor supervisor({workspace, seams}, *found, plan, *launcher, preparation);
    return supervisor.run() ? 0 : 1;
}

void record_failure(store::Workspace& workspace, const std::string& run_name,
                    const std::string& error, const Seams& seams) {
    seams.log.note("{}", error);
    std::ignore =
        finish(workspace.db(), run_name, Ending::infrastructure(error), seams.clock.stamp());
}

}  // namespace

int supervise(const std::string& workspace_name, const fs::path& workspace_root,
              const std::string& run_name, const Environment& environment) {
    SystemClock clock(SystemClock::Signals::take);
    SystemLog log(stdout, clock);
    // Processes that leave their parent (double forks, setsid) stay below us, to be stopped.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    const Host host = Host::of_process(environment);
    SystemRunner runner(host.environment);
    const Seams seams{runner, host, clock, log};
    auto workspace = store::Workspace::open(workspace_name, workspace_root);
    if (!workspace) {
        // Whoever ends the run as lost ends it for this reason instead.
        const std::string error = fmt::format("the supervisor could not open the workspace: {}",
                                              workspace.error().message);
        log.note("{}", error);
        std::ignore = keep_pending_end(run_directory(workspace_root, run_name),
                                       Ending::infrastructure(error));
        return 1;
    }
    return run_guarded(*workspace, run_name, seams,
                       [&] { return supervise_run(*workspace, run_name, seams); });
}

int run_guarded(store::Workspace& workspace, const std::string& run_name, const Seams& seams,
                const std::function<Result<int>()>& body) {
    try {
        auto done = body();
        if (!done) {
            record_failure(workspace, run_name, done.error().message, seams);
            return 1;
        }
        return *done;
    } catch (const std::exception& e) {
        record_failure(workspace, run_name, fmt::format("supervisor error: {}", e.what()), seams);
    } catch (...) {
        record_failure(workspace, run_name, "supervisor error: unknown exception", seams);
    }
    return 1;
}

}  // namespace ferry::run
