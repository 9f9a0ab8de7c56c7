#include "ferry/run/slurm_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <set>

#include "ferry/core/context.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/slurm.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// What the supervisor wrote for the nodes (paths as the nodes see them).
struct LaunchFile {
    Plan plan;
    fs::path run_directory;
    fs::path working_directory;
    std::string environment_location;
    std::string ferry;
};

Result<LaunchFile> read_launch(const fs::path& run_directory) {
    const fs::path path = run_directory / k_slurm_launch_file;
    TRY_ASSIGN(auto text, util::read_file(path));
    const Json json = Json::parse(text, nullptr, false);
    if (!json.is_object() || !json.contains("plan")) {
        return fail("{}: not a launch file of ferry", path.string());
    }
    TRY_ASSIGN(auto plan, Plan::from_json(json["plan"]));
    LaunchFile launch;
    launch.plan = std::move(plan);
    launch.run_directory = json.value("run_directory", run_directory.string());
    launch.working_directory =
        json.value("working_directory", working_directory(run_directory).string());
    launch.environment_location = json.value("environment_location", std::string());
    launch.ferry = json.value("ferry", std::string("ferry"));
    return launch;
}

// Appends one line in one write, so that lines of tasks on several nodes never interleave.
void append_line(const fs::path& path, const std::string& line) {
    util::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (fd) {
        const std::string text = line + "\n";
        std::ignore = ::write(fd.get(), text.data(), text.size());
    }
}

// Waits for `pid`; the signals in `forwarded` reach its process group meanwhile. Returns its
// exit code (128 + N when killed by signal N).
int wait_forwarding(pid_t pid, const sigset_t& forwarded) {
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (done < 0 && errno != EINTR) {
            return 125;
        }
        const timespec wait{0, 200'000'000};
        siginfo_t info{};
        const int signal = ::sigtimedwait(&forwarded, &info, &wait);
        if (signal > 0 && signal != SIGCHLD) {
            ::kill(-pid, signal);
        }
    }
}

sigset_t block_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    for (const int signal : {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCONT}) {
        sigaddset(&signals, signal);
    }
    ::sigprocmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

void write_exit(const fs::path& run_directory, int code) {
    std::ignore =
        util::write_file_atomic(run_directory / k_slurm_exit_file, fmt::format("{}\n", code), 0644);
}

// The batch step could not start the tasks: why, for the job's output and the run's error.
int batch_failed(const fs::path& run_directory, const std::string& why) {
    std::fprintf(stderr, "ferry: %s\n", why.c_str());
    std::ignore = util::write_file_atomic(run_directory / k_slurm_error_file, why + "\n", 0644);
    write_exit(run_directory, 125);
    return 125;
}

// The tasks' rendezvous: the first node's address and a port free there (this is the first
// node: Slurm runs the batch step on it); for tensorflow each task's host:port, the tasks
// laid out on the nodes in blocks, as srun does by default.
Result<slurm::Rendezvous> decide_rendezvous(Runner& runner, const DistributionPlan* plan) {
    const auto nodelist = runner.variable("SLURM_JOB_NODELIST");
    if (!nodelist || nodelist->empty()) {
        return fail("SLURM_JOB_NODELIST is not set: not inside a Slurm allocation");
    }
    TRY_ASSIGN(auto names,
               runner.capture({{"scontrol", "show", "hostnames", *nodelist}, {}, "", {}}, 2));
    std::vector<std::string> nodes;
    for (std::size_t at = 0; at < names.size();) {
        const auto end = names.find('\n', at);
        std::string name = names.substr(at, end == std::string::npos ? end : end - at);
        if (!name.empty()) {
            nodes.push_back(std::move(name));
        }
        at = end == std::string::npos ? names.size() : end + 1;
    }
    if (nodes.empty()) {
        return fail("scontrol show hostnames {} named no node", *nodelist);
    }
    auto shown = runner.capture({{"scontrol", "show", "node", "-o", *nodelist}, {}, "", {}}, 2);
    const auto addresses =
        shown ? slurm::node_addresses(*shown) : std::map<std::string, std::string>();
    auto address_of = [&](const std::string& node) {
        const auto found = addresses.find(node);
        return found == addresses.end() ? node : found->second;
    };
    slurm::Rendezvous rendezvous;
    rendezvous.master_address = address_of(nodes.front());
    std::set<int> taken;
    auto port = [&]() -> Result<int> {
        for (int attempt = 0; attempt < 100; ++attempt) {
            const int candidate = free_port();
            if (candidate > 0 && taken.insert(candidate).second) {
                return candidate;
            }
        }
        return fail("cannot find a free TCP port for the distribution's rendezvous");
    };
    TRY_ASSIGN(auto master, port());
    rendezvous.master_port = master;
    if (plan != nullptr && plan->type == spec::DistributionType::tensorflow) {
        const auto per_node =
            slurm::tasks_per_node(runner.variable("SLURM_TASKS_PER_NODE").value_or(""));
        if (per_node.size() != nodes.size()) {
            return fail("SLURM_TASKS_PER_NODE does not match the {} nodes of the job",
                        nodes.size());
        }
        for (std::size_t node = 0; node < nodes.size(); ++node) {
            for (std::int64_t i = 0; i < per_node[node]; ++i) {
                TRY_ASSIGN(auto chosen, port());
                rendezvous.task_addresses.push_back(
                    fmt::format("{}:{}", address_of(nodes[node]), chosen));
            }
        }
    }
    return rendezvous;
}

}  // namespace

int slurm_batch(const fs::path& run_directory, const Environment& environment) {
    const sigset_t signals = block_signals();
    auto launch = read_launch(run_directory);
    if (!launch) {
        return batch_failed(run_directory, launch.error().message);
    }
    SystemRunner runner(environment.variables());
    const DistributionPlan* distribution =
        launch->plan.distribution ? &*launch->plan.distribution : nullptr;
    auto rendezvous = decide_rendezvous(runner, distribution);
    if (!rendezvous) {
        return batch_failed(run_directory, rendezvous.error().message);
    }
    // `ferry` is what the batch script found: on the PATH, else this very binary.
    if (launch->ferry == "ferry" && !runner.find_program("ferry")) {
        if (auto self = own_executable()) {
            launch->ferry = self->string();
        }
    }
    JobProcess step;
    step.environment = environment.variables();
    if (distribution != nullptr && distribution->type == spec::DistributionType::mpi) {
        // Open MPI's mpirun finds the allocation's nodes and starts its daemons there with
        // srun; each rank writes its own log and notes its failure, as on one machine.
        const auto text = runner.variable("SLURM_NTASKS").value_or("1");
        std::int64_t tasks = 1;
        std::from_chars(text.data(), text.data() + text.size(), tasks);
        step.program = runner.find_program("mpirun").value_or("mpirun").string();
        step.argv = mpirun_command(tasks, launch->plan.command, launch->run_directory.string(),
                                   ::geteuid() == 0, {}, false);
        step.environment = job_variables(launch->plan, std::move(step.environment), {},
                                         launch->environment_location);
    } else {
        step.program = runner.find_program("srun").value_or("srun").string();
        step.argv = {"srun",
                     "--kill-on-bad-exit=1",
                     "--export=ALL",
                     "--mpi=none",
                     launch->ferry,
                     std::string(k_slurm_task_command),
                     launch->run_directory.string()};
    }
    for (const auto& [key, value] : slurm::rendezvous_variables(*rendezvous)) {
        step.environment[key] = value;
    }
    // mpirun's ranks start where it does: in the job's working directory.
    step.working_directory =
        distribution != nullptr && distribution->type == spec::DistributionType::mpi
            ? launch->working_directory
            : launch->run_directory;
    step.log = "/dev/stderr";  // the job's output file (system_logs/slurm-ID.txt)
    std::fprintf(stderr, "ferry: starting the tasks: %s (rendezvous %s:%d)\n",
                 step.argv.front().c_str(), rendezvous->master_address.c_str(),
                 rendezvous->master_port);
    std::fflush(stderr);
    auto pid = runner.start(step);
    if (!pid) {
        return batch_failed(run_directory, pid.error().message);
    }
    const int code = wait_forwarding(*pid, signals);
    write_exit(run_directory, code);
    return code;
}

int slurm_task(const fs::path& run_directory, const Environment& environment) {
    const sigset_t signals = block_signals();
    auto launch = read_launch(run_directory);
    if (!launch) {
        std::fprintf(stderr, "ferry: %s\n", launch.error().message.c_str());
        return 125;
    }
    const Plan& plan = launch->plan;
    auto variables = environment.variables();
    auto task = slurm::task_of(variables);
    if (!task) {
        std::fprintf(stderr, "ferry: %s\n", task.error().message.c_str());
        return 125;
    }
    std::map<std::string, std::string> extra;
    if (plan.distribution) {
        auto rendezvous = slurm::rendezvous_of(variables);
        auto derived =
            rendezvous
                ? slurm::task_variables(*plan.distribution, *task, *rendezvous)
                : Result<std::map<std::string, std::string>>(std::unexpected(rendezvous.error()));
        if (!derived) {
            std::fprintf(stderr, "ferry: rank %lld: %s\n", static_cast<long long>(task->rank),
                         derived.error().message.c_str());
            return 125;
        }
        extra = std::move(*derived);
    }
    JobProcess process;
    process.program = "/bin/bash";
    process.argv = {"bash", "-c", plan.command};
    process.environment =
        job_variables(plan, std::move(variables), extra, launch->environment_location);
    process.working_directory = launch->working_directory;
    process.log = plan.distribution ? run_directory / rank_log(task->rank) : std_log(run_directory);
    const auto node = process.environment.contains("SLURMD_NODENAME")
                          ? process.environment.at("SLURMD_NODENAME")
                          : std::string("?");
    SystemRunner runner(environment.variables());
    auto pid = runner.start(process);
    if (!pid) {
        std::fprintf(stderr, "ferry: rank %lld: %s\n", static_cast<long long>(task->rank),
                     pid.error().message.c_str());
        append_line(run_directory / "system_logs" / "failed_ranks",
                    fmt::format("{} 125", task->rank));
        return 125;
    }
    append_line(run_directory / k_slurm_tasks_file,
                fmt::format("{} {} {}", task->rank, node, *pid));
    const int code = wait_forwarding(*pid, signals);
    if (code != 0 && plan.distribution) {
        append_line(run_directory / "system_logs" / "failed_ranks",
                    fmt::format("{} {}", task->rank, code));
    }
    ::kill(-*pid, SIGTERM);  // what the command left running ends with its task
    return code;
}

}  // namespace ferry::run
