#include "ferry/run/local_launcher.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "ferry/env/container.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/tracking.hpp"
#include "ferry/util/fs.hpp"
#include "local_container.hpp"

namespace ferry::run {

namespace {

using spec::DistributionType;

// How often a run without a cgroup records its process tree for a later ferry.
constexpr std::chrono::milliseconds k_record_interval{1000};

// The variables a rank gets, and its log, for --dry-run.
Json rank_record(const RankPlan& rank, const Plan& plan) {
    Json variables = Json::object();
    for (const auto& [key, value] : rank.environment) {
        variables[key] = value;
    }
    return {{"rank", rank.rank},
            {"role",
             rank.role.empty() ? std::string(spec::name_of(plan.distribution->type)) : rank.role},
            {"index", rank.index},
            {"command", plan.command},
            {"environment", std::move(variables)},
            {"log", rank.log}};
}

}  // namespace

std::string describe_exit(int code) {
    if (code == 127) {
        return "command not found (exit code 127)";
    }
    if (code == 126) {
        return "command not executable (exit code 126)";
    }
    if (code > 128 && code < 128 + 65) {
        const char* name = sigabbrev_np(code - 128);
        return fmt::format("killed by signal {} (SIG{}; exit code {})", code - 128,
                           name ? name : "?", code);
    }
    return fmt::format("exit code {}", code);
}

std::optional<std::pair<std::int64_t, int>> first_failed_rank(const fs::path& run_directory) {
    auto text = util::read_file(run_directory / "system_logs" / "failed_ranks");
    long long rank = -1;
    int code = 0;
    if (!text || std::sscanf(text->c_str(), "%lld %d", &rank, &code) != 2 || rank < 0) {
        return std::nullopt;
    }
    return std::pair{static_cast<std::int64_t>(rank), code};
}

Ending job_ending(int code, std::int64_t rank, bool rank_known) {
    return Ending::of_job(
        code, rank_known ? fmt::format("rank {} exited first, with {}", rank, describe_exit(code))
                         : describe_exit(code));
}

LocalLauncher::LocalLauncher(ComputeRecord compute, const Seams& seams,
                             std::function<int()> free_port)
    : m_compute(std::move(compute)),
      m_seams(seams),
      m_free_port(free_port ? std::move(free_port) : std::function<int()>(run::free_port)),
      m_traits{.label = "the local compute",
               .queues_jobs = false,
               .mounts_inputs = true,
               .multi_node = false,
               .containers = true} {}

Result<void> LocalLauncher::admit(const JobShape& /*shape*/) const {
    return {};  // one machine: what it cannot run, the plan refuses with the job's words
}

std::optional<std::vector<std::string>> LocalLauncher::gpus() const {
    if (!m_compute.gpus) {
        return discover_gpus(m_seams.runner);
    }
    std::vector<std::string> gpus;
    for (std::int64_t i = 0; i < *m_compute.gpus; ++i) {
        gpus.push_back(std::to_string(i));
    }
    return gpus;
}

Json LocalLauncher::compute_fields() const {
    return {{"max_concurrent_runs", m_compute.max_concurrent_runs}};
}

Result<PlannedLaunch> LocalLauncher::plan_launch(const LaunchTarget& target) {
    const Plan& plan = target.plan;
    const bool container = !target.engine.empty();
    auto process_of = [&](const std::string& command,
                          const std::map<std::string, std::string>& extra,
                          std::optional<std::int64_t> rank) -> Result<JobProcess> {
        if (container) {
            return container_process(target, m_seams.host, m_seams.runner, command, extra, rank);
        }
        JobProcess process;
        process.program = "/bin/bash";
        process.argv = {"bash", "-c", command};
        process.environment =
            job_variables(plan, m_seams.host.environment, extra, target.environment_location);
        process.working_directory = working_directory(target.run_directory);
        if (m_seams.host.root()) {
            for (const auto& input : plan.inputs) {
                if (input.mode == spec::InputMode::ro_mount) {
                    process.mounts.emplace_back(input.source.string(), input.target.string());
                }
            }
            // The store and its caches, read-only over themselves: a job run as root cannot
            // change what later runs are given. (Not root, ferry gets no mount namespace, and
            // the job runs as the store's owner: blobs are read-only files, no more.)
            for (const char* shared : {"objects", "cache"}) {
                const fs::path directory = target.workspace_root / shared;
                if (std::error_code ec; fs::is_directory(directory, ec)) {
                    process.mounts.emplace_back(directory.string(), directory.string());
                }
            }
        }
        return process;
    };
    PlannedLaunch planned;
    if (!plan.distribution) {
        TRY_ASSIGN(auto process, process_of(plan.command, {}, std::nullopt));
        process.log = std_log(target.run_directory);
        planned.processes.push_back({.process = std::move(process), .rank = std::nullopt});
        return planned;
    }
    TRY_ASSIGN(planned.ranks, plan_ranks(*plan.distribution, m_free_port));
    const auto& ranks = planned.ranks;
    if (plan.distribution->type == DistributionType::mpi) {
        // Open MPI starts the ranks; each appends to its own log and takes its GPU slice.
        // mpirun's own words go to rank 0's log, where a reader looks first.
        std::vector<std::string> slices;
        for (const auto& rank : ranks) {
            const auto found = rank.environment.find("CUDA_VISIBLE_DEVICES");
            slices.push_back(found == rank.environment.end() ? std::string() : found->second);
        }
        std::map<std::string, std::string> extra;
        if (container) {
            const auto devices = renumber_gpu_slices(slices);
            if (!devices.empty()) {
                extra["CUDA_VISIBLE_DEVICES"] = fmt::format("{}", fmt::join(devices, ","));
            }
        }
        const auto words =
            mpirun_command(plan.distribution->processes, plan.command,
                           target.run_directory.string(), m_seams.host.root(), slices);
        planned.launcher = shell_join(words);
        TRY_ASSIGN(auto process, process_of(*planned.launcher, extra, std::nullopt));
        process.log = target.run_directory / rank_log(0);
        planned.processes.push_back({.process = std::move(process), .rank = std::nullopt});
        return planned;
    }
    for (const auto& rank : ranks) {
        auto process = process_of(plan.command, rank.environment, rank.rank);
        if (!process) {
            return std::unexpected(
                with_context(process.error(), fmt::format("rank {}", rank.rank)));
        }
        process->log = target.run_directory / rank.log;
        planned.processes.push_back({.process = std::move(*process),
                                     .rank = rank.rank,
                                     .role = rank.role,
                                     .index = rank.index});
    }
    return planned;
}

Result<Json> LocalLauncher::describe(const LaunchTarget& target) {
    TRY_ASSIGN(const auto planned, plan_launch(target));
    Json ranks = Json::array();
    for (const auto& rank : planned.ranks) {
        ranks.push_back(rank_record(rank, target.plan));
    }
    return Json{{"launcher", planned.launcher ? Json(*planned.launcher) : Json(nullptr)},
                {"ranks", std::move(ranks)}};
}

Result<void> LocalLauncher::start(const LaunchTarget& target, JobEvents& events) {
    m_target = target;
    const Plan& plan = target.plan;
    events.entered(JobPhase::starting, "");
    m_seams.log.note("running{}: bash -c {}{}",
                     plan.job_environment ? fmt::format(" in {} ({})", target.environment_location,
                                                        env::kind_name(plan.job_environment->kind))
                                          : std::string(),
                     plan.command,
                     plan.distribution
                         ? fmt::format(" ({} {} processes)", plan.distribution->ranks(),
                                       spec::name_of(plan.distribution->type))
                         : std::string());
    if (plan.distribution && plan.distribution->type == DistributionType::mpi &&
        target.engine.empty() && !m_seams.runner.find_program("mpirun")) {
        return fail(
            "mpirun is not on PATH: an mpi distribution needs Open MPI "
            "(Debian: apt-get install openmpi-bin)");
    }
    TRY_ASSIGN(auto planned, plan_launch(target));
    if (planned.launcher) {
        m_seams.log.note("mpirun: {}", *planned.launcher);
    }
    track(target);
    for (auto& one : planned.processes) {
        one.process.cgroup = m_cgroup.value_or(fs::path());
        auto pid = m_seams.runner.start(one.process);
        if (!pid) {
            // Ranks already started must not outlive the failure to start the others.
            terminate_all([&] { return descendants(m_seams.host.pid); },
                          std::chrono::milliseconds(0), [&] { reap(); });
            return std::unexpected(
                one.rank ? with_context(pid.error(), fmt::format("rank {}", *one.rank))
                         : pid.error());
        }
        if (one.rank) {
            m_seams.log.note("rank {} ({}{}): pid {}", *one.rank,
                             one.role.empty() ? spec::name_of(plan.distribution->type)
                                              : std::string_view(one.role),
                             one.role.empty() ? "" : fmt::format(" {}", one.index), *pid);
        }
        m_jobs[*pid] = one.rank.value_or(0);
    }
    std::string pids;
    for (const auto& [pid, rank] : m_jobs) {
        pids += (pids.empty() ? "pid " : ", ") + std::to_string(pid);
    }
    events.entered(JobPhase::running, pids);
    return {};
}

void LocalLauncher::track(const LaunchTarget& target) {
    auto cgroup = create_run_cgroup(m_seams.host, target.run_directory, target.run);
    if (!cgroup) {
        m_seams.log.note(
            "the job's processes are tracked by the tree the supervisor records each second and by "
            "FERRY_RUN_ID in their environment (no cgroup: {})",
            cgroup.error().message);
        return;
    }
    m_cgroup = std::move(*cgroup);
    m_seams.log.note("the job's processes are tracked by the cgroup {}", m_cgroup->string());
}

void LocalLauncher::record_tree() {
    if (m_cgroup || !m_target || m_seams.clock.now() - m_last_record < k_record_interval) {
        return;
    }
    m_last_record = m_seams.clock.now();
    if (auto recorded = record_processes(m_target->run_directory, descendants(m_seams.host.pid));
        !recorded && !m_record_failed) {
        m_record_failed = true;  // said once
        m_seams.log.note("cannot record the job's processes: {}", recorded.error().message);
    }
}

void LocalLauncher::reap() {
    int status = 0;
    for (;;) {
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            return;
        }
        if (auto job = m_jobs.find(pid); job != m_jobs.end()) {
            const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            m_exits[job->second] = code;
            if (code != 0 && !m_first_failure) {
                m_first_failure = job->second;
            }
        }
    }
}

JobPoll LocalLauncher::poll() {
    reap();
    record_tree();
    if (all_ended()) {
        return {.state = JobPoll::State::ended};
    }
    if (m_first_failure) {
        // Fail fast: the other ranks cannot finish without this one.
        return {.state = JobPoll::State::failing,
                .why = fmt::format("rank {} exited with {}", *m_first_failure,
                                   describe_exit(m_exits.at(*m_first_failure)))};
    }
    return {};
}

void LocalLauncher::stop_containers(std::int64_t grace) {
    if (!m_target || m_target->engine.empty()) {
        return;
    }
    auto& runner = m_seams.runner;
    auto ids = env::run_containers(runner, m_target->engine, m_target->run,
                                   m_target->workspace_root.string());
    if (!ids) {
        m_seams.log.note("cannot list the run's containers: {}", ids.error().message);
        return;
    }
    if (ids->empty()) {
        return;
    }
    m_seams.log.note("stopping {} container{} (SIGTERM, SIGKILL after {} s)", ids->size(),
                     ids->size() == 1 ? "" : "s", grace);
    if (auto stopped = env::stop_containers(runner, m_target->engine, *ids, grace, 1); !stopped) {
        m_seams.log.note("cannot stop the run's containers: {}", stopped.error().message);
    }
}

void LocalLauncher::stop(std::int64_t grace_seconds, const std::string& why) {
    m_grace = grace_seconds;
    m_seams.log.note("{}: SIGTERM to every process of the run, SIGKILL after {} s", why,
                     grace_seconds);
    // A container's processes are not ours: the engine stops them with the same grace.
    stop_containers(grace_seconds);
    const bool killed = terminate_all([&] { return descendants(m_seams.host.pid); },
                                      std::chrono::seconds(grace_seconds), [&] { reap(); });
    if (killed) {
        m_seams.log.note("SIGKILL was needed: some processes ignored SIGTERM for {} s",
                         grace_seconds);
    }
}

Ending LocalLauncher::finish(EndReason stopped) {
    if (stopped == EndReason::none && !descendants(m_seams.host.pid).empty()) {
        // The command ended; what it left running is part of the run and ends with it.
        m_seams.log.note("the command ended; stopping the processes it left running");
        terminate_all([&] { return descendants(m_seams.host.pid); }, std::chrono::seconds(m_grace),
                      [&] { reap(); });
    }
    reap();
    const Plan& plan = m_target->plan;
    const bool mpi = plan.distribution && plan.distribution->type == DistributionType::mpi;
    // The run's code: the first failing rank's, else rank 0's.
    std::int64_t deciding = m_first_failure.value_or(0);
    int code = m_exits.contains(deciding) ? m_exits.at(deciding) : 0;
    const auto noted = mpi ? first_failed_rank(m_target->run_directory) : std::nullopt;
    if (noted && code != 0 && stopped != EndReason::canceled && stopped != EndReason::timeout) {
        deciding = noted->first;
        code = noted->second;
    }
    for (const auto& [rank, exit_code] : m_exits) {
        m_seams.log.note("{} ended: {}",
                         m_jobs.size() > 1 ? fmt::format("rank {}", rank) : "the command",
                         describe_exit(exit_code));
    }
    return job_ending(code, deciding, plan.distribution && (!mpi || noted));
}

void LocalLauncher::clean_up() {
    if (!m_target) {
        return;
    }
    // Whatever is still in the run's cgroup goes with the run.
    if (auto released = release_run_tracking(m_seams.host, m_target->run_directory, m_target->run);
        !released) {
        m_seams.log.note("{}", released.error().message);
    }
    m_cgroup.reset();
    if (m_target->engine.empty()) {
        return;
    }
    // No container outlives its run, whatever ended it.
    auto& runner = m_seams.runner;
    if (auto ids = env::run_containers(runner, m_target->engine, m_target->run,
                                       m_target->workspace_root.string());
        ids && !ids->empty()) {
        m_seams.log.note("removing {} container{} left", ids->size(), ids->size() == 1 ? "" : "s");
        std::ignore = env::remove_containers(runner, m_target->engine, *ids, 1);
    }
}

void LocalLauncher::abandon(const RunRecord& run) {
    if (run.runtime != env::kind_name(env::Kind::docker)) {
        return;
    }
    // Its containers are not its processes: the engine removes them.
    auto& runner = m_seams.runner;
    if (const auto engine = env::container_engine(runner)) {
        const fs::path root = run.directory.parent_path().parent_path();
        if (auto ids = env::run_containers(runner, *engine, run.name, root.string())) {
            std::ignore = env::remove_containers(runner, *engine, *ids, -1);
        }
    }
}

}  // namespace ferry::run
