// `ferry __supervise`: the composition root of a run's supervisor.
#include "ferry/run/supervisor.hpp"

#include <sys/prctl.h>

#include <cstdio>
#include <exception>

#include "ferry/run/pending_end.hpp"
#include "ferry/run/pipeline.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/python_shim.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/track/server.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::run {

namespace {

// The run, carried to its end; an error before the state machine could start.
// The run's MLflow endpoint, served while the supervisor lives, and the job's variables that
// name it. A job on this machine reaches it on 127.0.0.1, all it listens on; a job on other
// nodes at the address its launcher names, where it listens on every interface (the token
// guards it). A run without one runs all the same, the reason in its system log. The token is
// in the job's environment only: never in the plan as recorded, a log or a file of ferry's.
std::unique_ptr<track::Server> serve_tracking(store::Workspace& workspace, const RunRecord& run,
                                              Plan& plan, const Launcher& launcher,
                                              const Seams& seams) {
    const std::string& remote = launcher.traits().tracking_host;
    const auto token = util::new_secret();
    if (!token) {
        seams.log.note("tracking: no random token could be made; the run has no endpoint");
        return nullptr;
    }
    const fs::path outputs = working_directory(run.directory) / "outputs";
    auto server = track::Server::start(
        {.database = workspace.root() / store::k_workspace_db,
         .run = run.name,
         .experiment = run.experiment,
         .artifact_uri = "file://" + outputs.string(),
         .token = *token,
         .host = remote.empty() ? "127.0.0.1" : remote,
         .bind = remote.empty() ? "" : "0.0.0.0",
         .note = [&seams](const std::string& line) { seams.log.note("{}", line); }});
    if (!server) {
        seams.log.note("tracking: {}; the run has no endpoint", server.error().message);
        return nullptr;
    }
    seams.log.note("tracking: MLflow endpoint at {}", (*server)->uri());
    plan.environment["MLFLOW_TRACKING_URI"] = (*server)->uri();
    plan.environment[track::k_token_variable] = *token;
    plan.environment["MLFLOW_RUN_ID"] = run.name;
    plan.environment["MLFLOW_EXPERIMENT_NAME"] = run.experiment;
    plan.environment["MLFLOW_EXPERIMENT_ID"] = run.experiment;
    return std::move(*server);
}

// The bundled azureml.core, written into the run's directory and first on the job's
// PYTHONPATH, before the PYTHONPATH the job has. A container starts from its image's
// variables, not from ours. A run without it runs all the same, the reason in its system log.
void deliver_python_shim(const RunRecord& run, Plan& plan, const Seams& seams) {
    const auto written = write_python_shim(run.directory);
    if (!written) {
        seams.log.note("azureml.core: {}; the job has no bundled azureml.core",
                       written.error().message);
        return;
    }
    const bool container = plan.job_environment && plan.job_environment->kind == env::Kind::docker;
    plan.environment["PYTHONPATH"] =
        python_path_with(*written, plan.environment,
                         container ? std::map<std::string, std::string>() : seams.host.environment);
}

Result<int> supervise_run(store::Workspace& workspace, const std::string& run_name,
                          const Seams& seams) {
    TRY_ASSIGN(auto found, find_run(workspace.db(), run_name));
    if (!found) {
        return fail("no run {} in {}", run_name, workspace.root().string());
    }
    if (found->is_sweep()) {
        return supervise_sweep(workspace, *found, seams);
    }
    if (found->is_pipeline()) {
        return supervise_pipeline(workspace, *found, seams);
    }
    TRY_ASSIGN(auto plan, Plan::from_json(found->plan));
    const auto launcher = launcher_of_run(workspace.db(), *found, seams);
    // Stopped after the run's end is recorded: what it took before is in the store.
    const auto tracking = serve_tracking(workspace, *found, plan, *launcher, seams);
    deliver_python_shim(*found, plan, seams);
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
