#include "ferry/run/lost.hpp"

#include <unistd.h>

#include <chrono>

#include "ferry/run/artifacts.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/launcher.hpp"
#include "ferry/run/pending_end.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/lock.hpp"
#include "ferry/util/program.hpp"
#include "finalize.hpp"

namespace ferry::run {

std::string machine_id() {
    return boot_id() + "@" + util::host_name();
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

Result<util::Fd> lock_supervision(const fs::path& run_directory) {
    // A run without its directory any more has nothing a resume could take on.
    TRY_ASSIGN(const bool present, util::exists(run_directory));
    return present ? util::lock_file(run_directory, util::LockKind::exclusive) : util::Fd();
}

bool same_supervision(const RunRecord& seen, const RunRecord& now) {
    return !is_terminal(now.status) && now.supervisor_pid == seen.supervisor_pid &&
           now.boot_id == seen.boot_id;
}

std::vector<ArtifactSource> artifact_sources(const RunRecord& run) {
    const fs::path wd = working_directory(run.directory);
    // In the order the limits take them: what tells how the run went first.
    std::vector<ArtifactSource> sources{{"system_logs", run.directory / "system_logs"},
                                        {"user_logs", run.directory / "user_logs"},
                                        {"logs", wd / "logs"},
                                        {"outputs", wd / "outputs"}};
    if (run.plan.is_object() && run.plan.contains("outputs")) {
        for (const auto& output : run.plan["outputs"]) {
            sources.push_back({"named-outputs/" + output.value("name", std::string()),
                               output.value("directory", std::string())});
        }
    }
    return sources;
}

namespace {

Result<std::vector<RunRecord>> candidates(store::Database& db, std::string_view name) {
    if (name.empty()) {
        return unfinished_runs(db);
    }
    TRY_ASSIGN(auto one, find_run(db, name));
    std::vector<RunRecord> runs;
    if (one && !is_terminal(one->status)) {
        runs.push_back(std::move(*one));
    }
    return runs;
}

}  // namespace

Result<int> reap_lost_runs(store::Workspace& workspace, const Seams& seams, std::string_view name) {
    TRY_ASSIGN(const auto runs, candidates(workspace.db(), name));
    int reaped = 0;
    for (const auto& run : runs) {
        // A supervisor looking for lost runs is alive: its own run is not one of them.
        const bool own = run.supervisor_pid == seams.host.pid && run.boot_id == seams.host.machine;
        if (own || supervisor_liveness(run, seams.host.machine, seams.clock.stamp().ms) !=
                       Liveness::lost) {
            continue;
        }
        // Whatever the job left running goes; nothing supervises it any more.
        std::string error = run.supervisor_pid
                                ? fmt::format(
                                      "{} (pid {} is gone or the machine restarted); logs and "
                                      "outputs so far are kept",
                                      k_supervisor_lost, *run.supervisor_pid)
                                : fmt::format("{}: it never started", k_supervisor_lost);
        if (run.is_sweep() || run.is_pipeline()) {
            error += fmt::format("; its {} go on, and 'ferry run resume {}' continues it",
                                 run.is_sweep() ? "trials" : "steps", run.name);
        }
        // An end its supervisor could not record (a full disk) is the run's end, and says so.
        const auto pending = read_pending_end(run.directory);
        TRY_ASSIGN(const auto ended,
                   end_unsupervised(workspace, run, pending.value_or(Ending::infrastructure(error)),
                                    std::chrono::milliseconds(0), seams));
        reaped += ended.ended && !pending ? 1 : 0;
    }
    return reaped;
}

}  // namespace ferry::run
