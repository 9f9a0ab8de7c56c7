#include "ferry/run/lost.hpp"

#include <unistd.h>

#include <chrono>

#include "ferry/env/container.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"

namespace ferry::run {

std::string machine_id() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return boot_id() + "@" + host;
}

Liveness supervisor_liveness(const RunRecord& run, std::string_view machine, std::int64_t now_ms) {
    if (!run.supervisor_pid) {
        return now_ms - run.created.ms > k_start_grace_ms ? Liveness::lost : Liveness::alive;
    }
    const auto at = run.boot_id.find('@');
    const auto host =
        at == std::string::npos ? std::string_view() : std::string_view(run.boot_id).substr(at + 1);
    const auto machine_host = machine.substr(std::min(machine.find('@') + 1, machine.size()));
    if (host != machine_host) {
        return Liveness::elsewhere;
    }
    if (run.boot_id != machine) {
        return Liveness::lost;  // the machine rebooted since
    }
    const auto pid = static_cast<pid_t>(*run.supervisor_pid);
    if (!process_alive(pid)) {
        return Liveness::lost;
    }
    const auto words = command_line(pid);
    const bool ours = words.size() >= 2 && words[1] == "__supervise" && words.back() == run.name;
    return ours ? Liveness::alive : Liveness::lost;  // else the pid was reused
}

std::vector<pid_t> run_processes(const RunRecord& run) {
    return processes_with_environment(
        {"FERRY_RUN_ID=" + run.name,
         "FERRY_OUTPUTS_DIR=" + (working_directory(run.directory) / "outputs").string()});
}

std::vector<ArtifactSource> artifact_sources(const RunRecord& run) {
    const fs::path wd = working_directory(run.directory);
    std::vector<ArtifactSource> sources{{"outputs", wd / "outputs"},
                                        {"logs", wd / "logs"},
                                        {"user_logs", run.directory / "user_logs"},
                                        {"system_logs", run.directory / "system_logs"}};
    if (run.plan.is_object() && run.plan.contains("outputs")) {
        for (const auto& output : run.plan["outputs"]) {
            sources.push_back({"named-outputs/" + output.value("name", std::string()),
                               output.value("directory", std::string())});
        }
    }
    return sources;
}

Result<int> reap_lost_runs(store::Workspace& workspace, const std::function<Stamp()>& now,
                           std::string_view name) {
    Result<std::vector<RunRecord>> runs = std::vector<RunRecord>{};
    if (name.empty()) {
        runs = unfinished_runs(workspace.db());
    } else if (auto one = find_run(workspace.db(), name); !one) {
        runs = std::unexpected(one.error());
    } else if (*one && !is_terminal((*one)->status)) {
        runs->push_back(std::move(**one));
    }
    if (!runs) {
        return std::unexpected(runs.error());
    }
    const std::string machine = machine_id();
    int reaped = 0;
    for (const auto& run : *runs) {
        if (!name.empty() && run.name != name) {
            continue;
        }
        if (supervisor_liveness(run, machine, now().ms) != Liveness::lost) {
            continue;
        }
        // Whatever the job left running goes; nothing supervises it any more.
        terminate_all([&] { return run_processes(run); }, std::chrono::milliseconds(0), {});
        if (run.runtime == env::kind_name(env::Kind::docker)) {
            // Its containers too: they are not its processes.
            auto runner = env::SystemRunner::from_process();
            if (const auto engine = env::container_engine(runner)) {
                if (auto ids =
                        env::run_containers(runner, *engine, run.name, workspace.root().string())) {
                    std::ignore = env::remove_containers(runner, *engine, *ids, -1);
                }
            }
        }
        if (run.scheduler.is_object() && run.scheduler.value("type", "") == "slurm") {
            // Its Slurm job would run on unwatched: Slurm ends it (SIGKILL to every step). A
            // supervisor that died inside sbatch never learnt the id: the job has the run's
            // name.
            auto runner = env::SystemRunner::from_process();
            if (run.scheduler.contains("job_id") && run.scheduler["job_id"].is_string()) {
                const std::string job = run.scheduler["job_id"].get<std::string>();
                std::ignore =
                    runner.run({{"scancel", "--full", "--signal=KILL", job}, {}, "", {}}, -1, {});
                std::ignore = runner.run({{"scancel", job}, {}, "", {}}, -1, {});
            } else {
                std::ignore = runner.run(
                    {{"scancel", "--name=" + run.name, "--user=" + std::to_string(::getuid())},
                     {},
                     "",
                     {}},
                    -1, {});
            }
        }
        Ending ending;
        ending.status = Status::failed;
        ending.reason = EndReason::infrastructure;
        ending.error = run.supervisor_pid ? fmt::format(
                                                "supervisor lost (pid {} is gone or the machine "
                                                "restarted); logs and outputs so far are kept",
                                                *run.supervisor_pid)
                                          : std::string("supervisor lost: it never started");
        auto collected = collect_artifacts(workspace, artifact_sources(run), now().text);
        if (collected) {
            ending.artifacts = collected->id;
        }
        auto ended = finish(workspace.db(), run.name, ending, now());
        if (!ended) {
            return std::unexpected(ended.error());
        }
        reaped += *ended ? 1 : 0;
    }
    return reaped;
}

}  // namespace ferry::run
