#include "ferry/run/supervisor.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ferry/assets/data.hpp"
#include "ferry/env/command.hpp"
#include "ferry/env/container.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/slurm.hpp"
#include "ferry/run/slurm_launch.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"
#include "ferry/util/time.hpp"

namespace ferry::run {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds k_heartbeat{1000};
constexpr milliseconds k_logs_sync{10'000};
constexpr std::int64_t k_default_grace_seconds = 10;
// How long Slurm may not answer for a job before its run ends as lost to Slurm.
constexpr std::chrono::seconds k_slurm_silence{120};

Stamp stamp_now() {
    const auto now = std::chrono::system_clock::now();
    return {util::format_utc(now),
            std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count()};
}

// One line of the system log, with its time.
template <typename... Args>
void note(fmt::format_string<Args...> format, Args&&... args) {
    const std::string line =
        fmt::format("{} {}\n", stamp_now().text, fmt::format(format, std::forward<Args>(args)...));
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

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

// Whether PATH holds an executable `program`.
bool on_path(std::string_view program) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string dir(rest.substr(0, colon));
        if (::access((dir + "/" + std::string(program)).c_str(), X_OK) == 0) {
            return true;
        }
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
    return false;
}

class Supervisor {
public:
    Supervisor(store::Workspace workspace, RunRecord run, Plan plan)
        : m_workspace(std::move(workspace)), m_run(std::move(run)), m_plan(std::move(plan)) {}

    int run();

private:
    bool wait_for_slot();
    Result<void> prepare();
    // Preparing's last step: the job's environment (cache hit, or built now).
    Result<void> prepare_environment();
    // Inputs that name registered datasets and models: their stored files, as local paths.
    Result<void> stored_inputs();
    // Outputs with a `name`: registered as datasets when the run completes.
    void register_outputs(const std::string& artifacts);
    Result<void> start_job();
    Result<pid_t> start_process(const std::string& command,
                                const std::map<std::string, std::string>& extra,
                                const fs::path& log, std::optional<std::int64_t> rank);
    [[nodiscard]] bool in_container() const {
        return m_plan.job_environment && m_plan.job_environment->kind == env::Kind::docker;
    }
    // The run's containers are stopped with the grace (SIGTERM, then SIGKILL) and removed.
    void stop_containers(std::int64_t grace);
    [[nodiscard]] bool all_ended() const { return m_exits.size() == m_jobs.size(); }
    // The rank of an mpi job (or any distributed job on Slurm) that noted its failure first,
    // and its code.
    [[nodiscard]] std::optional<std::pair<std::int64_t, int>> first_failed_rank() const;
    void watch_job();
    // How the job's code ends the run: Completed, or Failed naming the rank that failed
    // first when the job has ranks.
    [[nodiscard]] Ending ending_for(int code, std::int64_t rank, bool rank_known) const;
    // A Slurm compute: sbatch, then Slurm's states followed until the job leaves the queue.
    Result<void> submit_to_slurm();
    void watch_slurm_job();
    // squeue's word on the job; nullopt once Slurm no longer lists it.
    std::optional<slurm::JobInfo> poll_slurm();
    // Cancel or timeout: SIGTERM to every step of the job, SIGKILL after the grace.
    void stop_slurm_job(std::int64_t grace);
    void record_scheduler(const slurm::JobInfo& info);
    void end(Ending ending);
    [[nodiscard]] bool cancel_requested();
    // A watch loop's wake-up: a terminating signal asks for a cancel, and the run's cancel
    // request is read on one, on SIGUSR1, and every 500 ms. True once a cancel is requested,
    // with `grace` set to its period.
    [[nodiscard]] bool cancel_asked(int signal, Clock::time_point& last_check, std::int64_t& grace);
    void beat();
    void reap_children();
    void sync_logs();

    store::Workspace m_workspace;
    RunRecord m_run;
    Plan m_plan;
    sigset_t m_signals{};
    Clock::time_point m_last_beat{};
    std::map<pid_t, std::int64_t> m_jobs;         // the processes started, and their ranks
    std::map<std::int64_t, int> m_exits;          // rank -> exit code, as each ends
    std::optional<std::int64_t> m_first_failure;  // the rank that failed first
    env::SystemRunner m_runner = env::SystemRunner::from_process();
    std::string m_environment_location;  // the venv, conda prefix or image the job runs in
    std::string m_engine;                // docker or podman, for a job in a container
    bool m_on_slurm = false;
    slurm::Cluster m_cluster;
    std::string m_job_id;  // Slurm's
    Json m_scheduler;      // what runs.scheduler says
};

void Supervisor::beat() {
    if (Clock::now() - m_last_beat < k_heartbeat) {
        return;
    }
    m_last_beat = Clock::now();
    if (auto beaten = heartbeat(m_workspace.db(), m_run.name, stamp_now()); !beaten) {
        note("heartbeat not recorded: {}", beaten.error().message);
    }
}

bool Supervisor::cancel_requested() {
    auto found = find_run(m_workspace.db(), m_run.name);
    if (!found || !*found) {
        return false;
    }
    const auto& current = **found;
    if (current.cancel_grace) {
        m_run.cancel_grace = current.cancel_grace;
        return true;
    }
    return false;
}

bool Supervisor::cancel_asked(int signal, Clock::time_point& last_check, std::int64_t& grace) {
    const bool terminating = signal == SIGTERM || signal == SIGINT || signal == SIGHUP;
    if (terminating) {
        std::ignore =
            request_cancel(m_workspace.db(), m_run.name, k_default_grace_seconds, stamp_now());
        note("signal {} received: canceling the run", signal);
    }
    beat();
    if (!terminating && signal != SIGUSR1 && Clock::now() - last_check < milliseconds(500)) {
        return false;
    }
    last_check = Clock::now();
    if (!cancel_requested()) {
        return false;
    }
    grace = m_run.cancel_grace.value_or(k_default_grace_seconds);
    return true;
}

void Supervisor::reap_children() {
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

bool Supervisor::wait_for_slot() {
    if (auto queued = transition(m_workspace.db(), m_run.name, {Status::not_started},
                                 Status::queued, stamp_now());
        !queued) {
        note("cannot record Queued: {}", queued.error().message);
    }
    auto compute = find_compute(m_workspace.db(), m_run.compute);
    const std::int64_t slots =
        compute && *compute ? std::max<std::int64_t>(1, (*compute)->max_concurrent_runs) : 1;
    bool announced = false;
    auto last_reap = Clock::time_point{};
    for (;;) {
        if (cancel_requested()) {
            return false;
        }
        auto claimed = claim_slot(m_workspace.db(), m_run.name, slots, stamp_now());
        if (claimed && *claimed) {
            note("slot taken on compute '{}' ({} at once)", m_run.compute, slots);
            return true;
        }
        if (!claimed) {
            note("cannot take a slot: {}", claimed.error().message);
        } else if (!announced) {
            note("queued: compute '{}' runs {} at once", m_run.compute, slots);
            announced = true;
        }
        beat();
        if (Clock::now() - last_reap > milliseconds(1000)) {
            // A run whose supervisor died must not hold its slot for ever.
            last_reap = Clock::now();
            std::ignore = reap_lost_runs(m_workspace, stamp_now);
        }
        const timespec wait{0, 250'000'000};
        siginfo_t info{};
        const int signal = ::sigtimedwait(&m_signals, &info, &wait);
        if (signal == SIGTERM || signal == SIGINT || signal == SIGHUP) {
            std::ignore =
                request_cancel(m_workspace.db(), m_run.name, k_default_grace_seconds, stamp_now());
        }
        reap_children();
    }
}

Result<void> Supervisor::prepare() {
    const fs::path wd = working_directory(m_run.directory);
    if (!m_run.snapshot.empty()) {
        note("materializing snapshot {} in {}", m_run.snapshot.substr(0, 12), wd.string());
        if (auto made = snapshot::materialize(m_workspace.blobs(), m_run.snapshot, wd); !made) {
            return made;
        }
    }
    for (const fs::path& dir : {wd, wd / "outputs", wd / "logs", m_run.directory / "user_logs"}) {
        if (auto made = util::create_directories(dir, 0755); !made) {
            return made;
        }
    }
    for (const auto& output : m_plan.outputs) {
        if (auto made = util::create_directories(output.directory, 0755); !made) {
            return made;
        }
    }
    if (auto stored = stored_inputs(); !stored) {
        return stored;
    }
    // The nodes of a cluster see copies in the run directory, not this machine's mounts.
    const bool privileged = ::geteuid() == 0 && !m_on_slurm;
    for (const auto& input : m_plan.inputs) {
        if (input.mode == "direct") {
            continue;
        }
        std::error_code kind_ec;
        const bool folder = input.type == "uri_folder" ||
                            (input.type != "uri_file" && fs::is_directory(input.source, kind_ec));
        if (auto made =
                util::create_directories(folder ? input.target : input.target.parent_path(), 0755);
            !made) {
            return made;
        }
        std::error_code ec;
        if (input.mode == "ro_mount" && (privileged || in_container())) {
            // A mount point; the job's child binds the source onto it read-only.
            if (!folder) {
                util::Fd touch(::open(input.target.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0444));
                if (!touch) {
                    return fail("cannot create {}: {}", input.target.string(),
                                util::errno_text(errno));
                }
            }
            note("input '{}': {} mounted read-only at {}{}", input.name, input.source.string(),
                 input.target.string(), in_container() ? " in the container" : "");
            continue;
        }
        fs::copy(input.source, input.target,
                 fs::copy_options::recursive | fs::copy_options::copy_symlinks |
                     fs::copy_options::overwrite_existing,
                 ec);
        if (ec) {
            return fail("input '{}': cannot copy {} to {}: {}", input.name, input.source.string(),
                        input.target.string(), ec.message());
        }
        if (input.mode == "ro_mount") {
            // Without the right to mount, a copy without write permission stands in.
            for (auto it = fs::recursive_directory_iterator(input.target, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (!it->is_symlink()) {
                    fs::permissions(
                        it->path(),
                        fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                        fs::perm_options::remove, ec);
                }
            }
            fs::permissions(
                input.target,
                fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                fs::perm_options::remove, ec);
            note("input '{}': a read-only copy of {} at {} ({})", input.name, input.source.string(),
                 input.target.string(), m_on_slurm ? "for the nodes" : "not root: no mount");
        } else {
            note("input '{}': a private copy of {} at {}", input.name, input.source.string(),
                 input.target.string());
        }
    }
    return {};
}

Result<void> Supervisor::stored_inputs() {
    for (auto& input : m_plan.inputs) {
        if (input.asset_kind.empty()) {
            continue;
        }
        const std::string label =
            fmt::format("{} {}:{}", input.asset_kind == "model" ? "model" : "dataset",
                        input.asset_name, input.asset_version);
        if (input.content.empty()) {
            // A URL dataset: fetched on its first use, checked on the others.
            auto record =
                assets::find_dataset(m_workspace.db(), input.asset_name, input.asset_version);
            if (!record || !*record) {
                return fail("input '{}': {} is gone", input.name, label);
            }
            note("input '{}': fetching or checking the URLs of {}", input.name, label);
            auto content = assets::dataset_content(m_workspace, **record, false, stamp_now().text);
            if (!content) {
                return std::unexpected(content.error());
            }
            input.content = content->id;
        }
        // Each stored version is written out once, to a cache that jobs only read (through
        // a read-only mount or a copy).
        const fs::path cache = m_workspace.root() / "cache" / "content" / input.content;
        if (auto there = util::exists(cache); !there || !*there) {
            const fs::path partial =
                cache.string() + fmt::format(".{}.tmp", static_cast<long>(::getpid()));
            std::ignore = util::remove_all(partial);
            if (auto made = util::create_directories(cache.parent_path(), 0755); !made) {
                return made;
            }
            if (auto made = snapshot::materialize(m_workspace.blobs(), input.content, partial);
                !made) {
                std::ignore = util::remove_all(partial);
                return std::unexpected(
                    with_context(made.error(), fmt::format("input '{}'", input.name)));
            }
            if (::rename(partial.c_str(), cache.c_str()) != 0) {
                std::ignore = util::remove_all(partial);  // another run wrote it meanwhile
            }
        }
        // A uri_file's target is inputs/NAME/FILE, FILE as it is in the dataset.
        input.source =
            input.type == "uri_file"
                ? cache / input.target.lexically_relative(m_run.directory / "inputs" / input.name)
                : cache;
        note("input '{}': {} ({})", input.name, label, input.content.substr(0, 12));
    }
    return {};
}

void Supervisor::register_outputs(const std::string& artifacts) {
    for (const auto& output : m_plan.outputs) {
        if (output.asset_name.empty()) {
            continue;
        }
        if (artifacts.empty()) {
            const std::string said = fmt::format(
                "output '{}' is not registered as dataset {}: the run's files could "
                "not be stored",
                output.name, output.asset_name);
            note("{}", said);
            std::ignore = add_note(m_workspace.db(), m_run.name, said);
            continue;
        }
        auto content =
            assets::select_entries(m_workspace, artifacts, "named-outputs/" + output.name,
                                   stamp_now().text, assets::BaseName::drop);
        if (!content) {
            const std::string said = fmt::format(
                "output '{}' is not registered as dataset {}: {}", output.name, output.asset_name,
                content.error().message.starts_with("no file at") ? std::string("it is empty")
                                                                  : content.error().message);
            note("{}", said);
            std::ignore = add_note(m_workspace.db(), m_run.name, said);
            continue;
        }
        assets::DatasetRecord record;
        record.name = output.asset_name;
        record.version = output.asset_version;
        record.type = output.type;
        record.paths = {output.directory.string()};
        record.content = content->id;
        record.files = content->files;
        record.bytes = content->bytes;
        record.lineage = {{"run", m_run.name}, {"experiment", m_run.experiment}};
        auto registered =
            assets::register_content(m_workspace, std::move(record), stamp_now().text);
        if (registered) {
            note("output '{}' registered as dataset {}", output.name, registered->label());
        } else {
            const std::string said =
                fmt::format("output '{}' is not registered as dataset {}: {}", output.name,
                            output.asset_name, registered.error().message);
            note("{}", said);
            std::ignore = add_note(m_workspace.db(), m_run.name, said);
        }
    }
}

Result<void> Supervisor::prepare_environment() {
    if (!m_plan.job_environment) {
        return {};
    }
    const auto& environment = *m_plan.job_environment;
    const std::string prefix = fmt::format("environment {} ({})", environment.hash.substr(0, 12),
                                           env::kind_name(environment.kind));
    const fs::path log = m_run.directory / "system_logs" / "environment_build.txt";
    util::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log_fd) {
        return fail("cannot open {}: {}", log.string(), util::errno_text(errno));
    }
    auto last_check = Clock::now();
    bool canceled = false;
    env::MaterializeContext context;
    context.workspace_root = m_workspace.root();
    context.blobs = &m_workspace.blobs();
    context.runner = &m_runner;
    context.log_fd = log_fd.get();
    context.log_path = log;
    context.keep_going = [&] {
        // No reaping here: the runner waits for its own child.
        beat();
        if (Clock::now() - last_check >= milliseconds(500)) {
            last_check = Clock::now();
            canceled = canceled || cancel_requested();
        }
        return !canceled;
    };
    context.note = [&](const std::string& text) {
        if (text.starts_with("building")) {
            note("{}: {}; its output is in system_logs/environment_build.txt", prefix, text);
        } else {
            note("{}: {}", prefix, text);
        }
    };
    auto made = env::materialize(environment, context);
    if (!made) {
        if (canceled) {
            return std::unexpected(Error{ExitCode::canceled, "canceled while preparing"});
        }
        return std::unexpected(made.error());
    }
    m_environment_location = made->location;
    if (struct stat built{};
        made->cache == "hit" && ::fstat(log_fd.get(), &built) == 0 && built.st_size == 0) {
        std::ignore = ::unlink(log.c_str());  // nothing was built: no build log
    }
    if (made->cache == "hit") {
        note("{}: cache hit, {}", prefix, made->location);
    } else {
        note("{}: {} in {:.1f} s", prefix, made->cache, made->seconds);
    }
    Json recorded = m_run.environment.is_object() ? m_run.environment : Json::object();
    recorded["cache"] = made->cache;
    recorded["location"] = made->location;
    if (auto saved = set_environment(m_workspace.db(), m_run.name, recorded); !saved) {
        note("cannot record the environment: {}", saved.error().message);
    }
    if (environment.kind == env::Kind::docker) {
        m_engine = env::container_engine(m_runner).value_or("docker");
    }
    return {};
}

void Supervisor::stop_containers(std::int64_t grace) {
    if (m_engine.empty()) {
        return;
    }
    auto ids = env::run_containers(m_runner, m_engine, m_run.name, m_workspace.root().string());
    if (!ids) {
        note("cannot list the run's containers: {}", ids.error().message);
        return;
    }
    if (ids->empty()) {
        return;
    }
    note("stopping {} container{} (SIGTERM, SIGKILL after {} s)", ids->size(),
         ids->size() == 1 ? "" : "s", grace);
    if (auto stopped = env::stop_containers(m_runner, m_engine, *ids, grace, 1); !stopped) {
        note("cannot stop the run's containers: {}", stopped.error().message);
    }
}

Result<void> Supervisor::start_job() {
    const auto& distribution = m_plan.distribution;
    if (!distribution) {
        auto pid = start_process(m_plan.command, {}, std_log(m_run.directory), std::nullopt);
        if (!pid) {
            return std::unexpected(pid.error());
        }
        m_jobs[*pid] = 0;
        return {};
    }
    auto ranks = plan_ranks(*distribution, free_port);
    if (!ranks) {
        return std::unexpected(ranks.error());
    }
    if (distribution->type == "mpi") {
        if (!in_container() && !on_path("mpirun")) {
            return fail(
                "mpirun is not on PATH: an mpi distribution needs Open MPI "
                "(Debian: apt-get install openmpi-bin)");
        }
        // Open MPI starts the ranks; each appends to its own log and takes its GPU slice.
        // mpirun's own words go to rank 0's log, where a reader looks first.
        std::vector<std::string> slices;
        for (const auto& rank : *ranks) {
            const auto found = rank.environment.find("CUDA_VISIBLE_DEVICES");
            slices.push_back(found == rank.environment.end() ? std::string() : found->second);
        }
        std::map<std::string, std::string> extra;
        if (in_container()) {
            // One container holds every rank: it gets the GPUs of all of them, which it numbers
            // from 0, so each rank's slice is renumbered to match.
            std::vector<std::string> devices;
            for (auto& slice : slices) {
                std::string renumbered;
                std::string_view rest = slice;
                while (!rest.empty()) {
                    const auto comma = rest.find(',');
                    const std::string id(rest.substr(0, comma));
                    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
                    auto at = std::ranges::find(devices, id);
                    if (at == devices.end()) {
                        devices.push_back(id);
                        at = devices.end() - 1;
                    }
                    renumbered +=
                        (renumbered.empty() ? "" : ",") + std::to_string(at - devices.begin());
                }
                slice = renumbered;
            }
            if (!devices.empty()) {
                extra["CUDA_VISIBLE_DEVICES"] = fmt::format("{}", fmt::join(devices, ","));
            }
        }
        const auto words = mpirun_command(distribution->processes, m_plan.command,
                                          m_run.directory.string(), ::geteuid() == 0, slices);
        note("mpirun: {}", shell_join(words));
        auto pid =
            start_process(shell_join(words), extra, m_run.directory / rank_log(0), std::nullopt);
        if (!pid) {
            return std::unexpected(pid.error());
        }
        m_jobs[*pid] = 0;
        return {};
    }
    for (const auto& rank : *ranks) {
        auto pid =
            start_process(m_plan.command, rank.environment, m_run.directory / rank.log, rank.rank);
        if (!pid) {
            return std::unexpected(with_context(pid.error(), fmt::format("rank {}", rank.rank)));
        }
        note("rank {} ({}{}): pid {}", rank.rank,
             rank.role.empty() ? distribution->type : rank.role,
             rank.role.empty() ? "" : fmt::format(" {}", rank.index), *pid);
        m_jobs[*pid] = rank.rank;
    }
    return {};
}

Result<pid_t> Supervisor::start_process(const std::string& command,
                                        const std::map<std::string, std::string>& extra,
                                        const fs::path& log, std::optional<std::int64_t> rank) {
    JobProcess process;
    process.working_directory = working_directory(m_run.directory);
    process.log = log;
    process.environment = job_variables(m_plan, own_environment(), extra, m_environment_location);
    process.argv = {"bash", "-c", command};
    process.program = "/bin/bash";
    if (in_container()) {
        // The engine's client runs the process in a container; the job's variables pass by
        // name (their values are in the client's environment), the host's stay outside.
        env::ContainerRun request;
        request.engine = m_engine;
        request.image = m_environment_location;
        // Run names are unique in a workspace only: the workspace's hash tells two apart.
        const std::string workspace_tag =
            util::Sha256::of(m_workspace.root().string()).substr(0, 8);
        request.name = rank ? fmt::format("ferry-{}-{}-{}", m_run.name, workspace_tag, *rank)
                            : fmt::format("ferry-{}-{}", m_run.name, workspace_tag);
        request.run = m_run.name;
        request.workspace_root = m_workspace.root().string();
        request.run_directory = m_run.directory;
        request.working_directory = working_directory(m_run.directory);
        std::map<std::string, std::string> passed = m_plan.environment;
        for (const auto& [key, value] : extra) {
            passed[key] = value;
        }
        if (auto slice = passed.find("CUDA_VISIBLE_DEVICES"); slice != passed.end()) {
            // The engine exposes the slice; inside, its devices are numbered from 0.
            request.gpus = "\"device=" + slice->second + "\"";  // a CSV field: "device=0,1"
            passed.erase(slice);
        }
        for (const auto& [key, value] : passed) {
            request.variables.push_back(key);
        }
        for (const auto& input : m_plan.inputs) {
            // ro_mount at its target; direct at its own path, which the command names.
            if (input.mode == "ro_mount" || input.mode == "direct") {
                request.read_only.emplace_back(input.source.string(), input.target.string());
            }
        }
        request.shm_size = m_plan.shm_size;
        if (::geteuid() != 0) {
            request.user = fmt::format("{}:{}", ::geteuid(), ::getegid());
        }
        request.command = command;
        request.local_only = m_environment_location.starts_with("ferry-env:");
        request.engine_args = m_plan.docker_args;
        process.argv = env::container_argv(request);
        auto program = m_runner.find_program(m_engine);
        if (!program) {
            return fail("{} is not on PATH", m_engine);
        }
        process.program = program->string();
    }
    if (::geteuid() == 0 && !in_container()) {
        for (const auto& input : m_plan.inputs) {
            if (input.mode == "ro_mount") {
                process.mounts.emplace_back(input.source.string(), input.target.string());
            }
        }
    }
    return start_job_process(process);
}

std::optional<std::pair<std::int64_t, int>> Supervisor::first_failed_rank() const {
    if (!m_plan.distribution || (m_plan.distribution->type != "mpi" && !m_on_slurm)) {
        return std::nullopt;
    }
    auto text = util::read_file(m_run.directory / "system_logs" / "failed_ranks");
    long long rank = -1;
    int code = 0;
    if (!text || std::sscanf(text->c_str(), "%lld %d", &rank, &code) != 2 || rank < 0) {
        return std::nullopt;
    }
    return std::pair{static_cast<std::int64_t>(rank), code};
}

void Supervisor::sync_logs() {
    const std::vector<ArtifactSource> logs = {{"logs", working_directory(m_run.directory) / "logs"},
                                              {"user_logs", m_run.directory / "user_logs"}};
    auto collected = collect_artifacts(m_workspace, logs, stamp_now().text);
    if (collected) {
        std::ignore = set_artifacts(m_workspace.db(), m_run.name, collected->id);
    }
}

void Supervisor::watch_job() {
    const auto started = Clock::now();
    const auto deadline =
        m_plan.timeout ? started + std::chrono::seconds(*m_plan.timeout) : Clock::time_point::max();
    auto last_check = Clock::now();
    auto last_sync = Clock::now();
    EndReason stop = EndReason::none;
    std::int64_t grace = k_default_grace_seconds;
    while (!all_ended()) {
        const timespec wait{0, 100'000'000};
        siginfo_t info{};
        const int signal = ::sigtimedwait(&m_signals, &info, &wait);
        reap_children();
        if (all_ended()) {
            break;
        }
        if (m_first_failure) {
            // Fail fast: the other ranks cannot finish without this one.
            stop = EndReason::job;
            break;
        }
        if (cancel_asked(signal, last_check, grace)) {
            stop = EndReason::canceled;
        }
        if (stop == EndReason::none && Clock::now() >= deadline) {
            stop = EndReason::timeout;
        }
        if (stop != EndReason::none) {
            break;
        }
        if (Clock::now() - last_sync >= k_logs_sync) {
            last_sync = Clock::now();
            sync_logs();
        }
    }
    const pid_t self = ::getpid();
    if (stop != EndReason::none) {
        note("{}: SIGTERM to every process of the run, SIGKILL after {} s",
             stop == EndReason::timeout
                 ? fmt::format("limits.timeout of {} s reached", *m_plan.timeout)
             : stop == EndReason::job ? fmt::format("rank {} exited with {}", *m_first_failure,
                                                    describe_exit(m_exits.at(*m_first_failure)))
                                      : std::string("cancel requested"),
             grace);
        // A container's processes are not ours: the engine stops them with the same grace.
        stop_containers(grace);
        const bool killed = terminate_all([&] { return descendants(self); },
                                          std::chrono::seconds(grace), [&] { reap_children(); });
        if (killed) {
            note("SIGKILL was needed: some processes ignored SIGTERM for {} s", grace);
        }
    } else if (!descendants(self).empty()) {
        // The command ended; what it left running is part of the run and ends with it.
        note("the command ended; stopping the processes it left running");
        terminate_all([&] { return descendants(self); }, std::chrono::seconds(grace),
                      [&] { reap_children(); });
    }
    reap_children();
    // The run's code: the first failing rank's, else rank 0's.
    std::int64_t deciding = m_first_failure.value_or(0);
    int code = m_exits.contains(deciding) ? m_exits.at(deciding) : 0;
    if (const auto mpi = first_failed_rank();
        mpi && code != 0 && stop != EndReason::canceled && stop != EndReason::timeout) {
        deciding = mpi->first;
        code = mpi->second;
    }
    for (const auto& [rank, exit_code] : m_exits) {
        note("{} ended: {}", m_jobs.size() > 1 ? fmt::format("rank {}", rank) : "the command",
             describe_exit(exit_code));
    }
    Ending ending;
    ending.exit_code = code;
    if (stop == EndReason::canceled) {
        ending.status = Status::canceled;
        ending.reason = EndReason::canceled;
        ending.error = "canceled on request";
    } else if (stop == EndReason::timeout) {
        ending.status = Status::failed;
        ending.reason = EndReason::timeout;
        ending.error = fmt::format("timeout: limits.timeout of {} s reached", *m_plan.timeout);
    } else {
        ending = ending_for(
            code, deciding,
            m_plan.distribution && (m_plan.distribution->type != "mpi" || first_failed_rank()));
    }
    end(std::move(ending));
}

Ending Supervisor::ending_for(int code, std::int64_t rank, bool rank_known) const {
    Ending ending;
    ending.exit_code = code;
    ending.reason = EndReason::job;
    ending.status = code == 0 ? Status::completed : Status::failed;
    if (code != 0) {
        ending.error = rank_known
                           ? fmt::format("rank {} exited first, with {}", rank, describe_exit(code))
                           : describe_exit(code);
    }
    return ending;
}

Result<void> Supervisor::submit_to_slurm() {
    const std::string here = m_workspace.root().string();
    const std::string there = m_cluster.workspace_path.empty() ? here : m_cluster.workspace_path;
    auto on_nodes = [&](const fs::path& path) {
        return slurm::to_node_path(path.string(), here, there);
    };
    Json plan = m_plan.to_json();
    slurm::map_paths(plan, here, there);
    Json launch;
    launch["run"] = m_run.name;
    launch["run_directory"] = on_nodes(m_run.directory);
    launch["working_directory"] = on_nodes(working_directory(m_run.directory));
    launch["environment_location"] = slurm::to_node_path(m_environment_location, here, there);
    launch["ferry"] = m_cluster.ferry_path.empty() ? std::string("ferry") : m_cluster.ferry_path;
    launch["plan"] = std::move(plan);
    if (auto written = util::write_file_atomic(m_run.directory / k_slurm_launch_file,
                                               launch.dump(2) + "\n", 0644);
        !written) {
        return written;
    }
    // The batch script is one line, so that a user can read it and sbatch it again by hand.
    const fs::path script = m_run.directory / "system_logs" / "slurm_job.sh";
    const std::string text = fmt::format(
        "#!/bin/bash\n"
        "# ferry run {} (workspace {}): the batch step starts the tasks with srun.\n"
        "exec {} {} {}\n",
        m_run.name, m_workspace.name(), shell_join(std::vector<std::string>{launch["ferry"]}),
        k_slurm_batch_command, shell_join(std::vector<std::string>{on_nodes(m_run.directory)}));
    if (auto written = util::write_file_atomic(script, text, 0755); !written) {
        return written;
    }
    slurm::Submission submission;
    submission.run_name = m_run.name;
    submission.run_directory = on_nodes(m_run.directory);
    submission.script = on_nodes(script);
    const auto argv = slurm::sbatch_argv(m_cluster, m_plan, submission);
    note("sbatch: {}", shell_join(argv));
    // Noted before sbatch: should this supervisor die before it learns the job id, the
    // lost-run reaper finds the job by its name.
    m_scheduler = {{"type", "slurm"},
                   {"job_id", nullptr},
                   {"state", nullptr},
                   {"reason", nullptr},
                   {"nodes", nullptr}};
    std::ignore = set_scheduler(m_workspace.db(), m_run.name, m_scheduler);
    const fs::path errors = m_run.directory / "system_logs" / "sbatch_stderr.txt";
    util::Fd errors_fd(::open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    auto output = m_runner.capture({argv, {}, "", m_run.directory}, errors_fd.get());
    errors_fd.close();
    auto said = util::read_file(errors);
    std::string last_line;
    if (said) {
        std::string_view words = *said;
        while (!words.empty() && words.back() == '\n') {
            words.remove_suffix(1);
        }
        const auto newline = words.rfind('\n');
        last_line = std::string(words.substr(newline == std::string_view::npos ? 0 : newline + 1));
        if (!words.empty()) {
            note("sbatch said: {}", words);
        }
    }
    std::error_code ec;
    fs::remove(errors, ec);
    if (!output) {
        return fail("sbatch failed: {}", last_line.empty() ? output.error().message : last_line);
    }
    auto id = slurm::parse_job_id(*output);
    if (!id) {
        return std::unexpected(id.error());
    }
    m_job_id = *id;
    m_scheduler["job_id"] = m_job_id;
    m_scheduler["state"] = "PENDING";
    std::ignore = set_scheduler(m_workspace.db(), m_run.name, m_scheduler);
    note("slurm job {} submitted", m_job_id);
    std::ignore = transition(m_workspace.db(), m_run.name, {Status::preparing}, Status::queued,
                             stamp_now(), fmt::format("slurm job {}", m_job_id));
    return {};
}

std::optional<slurm::JobInfo> Supervisor::poll_slurm() {
    auto output = m_runner.capture(
        {{"squeue", "-h", "-t", "all", "-j", m_job_id, "-o", "%T|%r|%N"}, {}, "", {}}, -1);
    if (output) {
        if (auto info = slurm::parse_squeue(*output)) {
            return info;
        }
    }
    // squeue does not list it (or cannot be asked now): scontrol keeps ended jobs a while.
    if (auto shown =
            m_runner.capture({{"scontrol", "show", "job", "-o", m_job_id}, {}, "", {}}, -1)) {
        return slurm::parse_scontrol_job(*shown);
    }
    return std::nullopt;
}

void Supervisor::record_scheduler(const slurm::JobInfo& info) {
    Json updated = m_scheduler;
    updated["state"] = info.state;
    updated["reason"] =
        info.reason.empty() || info.reason == "None" ? Json(nullptr) : Json(info.reason);
    if (!info.nodes.empty()) {
        updated["nodes"] = info.nodes;
    }
    if (updated == m_scheduler) {
        return;
    }
    m_scheduler = std::move(updated);
    std::ignore = set_scheduler(m_workspace.db(), m_run.name, m_scheduler);
    note("slurm job {}: {}{}{}", m_job_id, info.state,
         m_scheduler["reason"].is_null() ? "" : fmt::format(" ({})", info.reason),
         info.nodes.empty() ? "" : " on " + info.nodes);
}

void Supervisor::stop_slurm_job(std::int64_t grace) {
    auto scancel = [&](std::vector<std::string> words) {
        words.insert(words.begin(), "scancel");
        words.push_back(m_job_id);
        if (auto done = m_runner.run({words, {}, "", {}}, STDOUT_FILENO, {}); !done || *done != 0) {
            note("{} did not succeed", shell_join(words));
        }
    };
    // Ended: Slurm said so. A job Slurm says nothing of (its controller away) is not ended.
    auto ended = [&] {
        const auto info = poll_slurm();
        if (info) {
            record_scheduler(*info);
        }
        return info && slurm::is_ended(info->state);
    };
    auto wait_for_end = [&](std::chrono::seconds bound) {
        const auto until = Clock::now() + bound;
        while (!ended()) {
            if (Clock::now() >= until) {
                return false;
            }
            beat();
            ::usleep(250'000);
        }
        return true;
    };
    const auto info = poll_slurm();
    if (info && slurm::is_pending(info->state)) {
        scancel({});
    } else {
        scancel({"--full", "--signal=TERM"});
    }
    if (wait_for_end(std::chrono::seconds(grace))) {
        return;
    }
    note("SIGKILL: slurm job {} has not ended {} s after SIGTERM", m_job_id, grace);
    scancel({"--full", "--signal=KILL"});
    scancel({});
    // Slurm takes a moment (its KillWait at most) to see every step gone; an unreachable
    // controller is asked again.
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (wait_for_end(std::chrono::seconds(30))) {
            return;
        }
        scancel({});
    }
    note("slurm job {} may still run: Slurm did not say it ended", m_job_id);
}

void Supervisor::watch_slurm_job() {
    std::optional<Clock::time_point> deadline;  // set once Slurm runs the job
    const auto submitted = Clock::now();
    auto last_check = Clock::time_point{};
    auto last_poll = Clock::time_point{};
    auto last_sync = Clock::now();
    EndReason stop = EndReason::none;
    std::int64_t grace = k_default_grace_seconds;
    std::optional<slurm::JobInfo> last;
    auto unanswered_since = Clock::time_point::max();  // max: Slurm answered last time
    bool lost_to_slurm = false;
    const fs::path exit_file = m_run.directory / k_slurm_exit_file;
    const fs::path tasks_file = m_run.directory / k_slurm_tasks_file;
    auto mark_running = [&](const std::string& where) {
        // The tasks run: ferry's timeout counts from now.
        deadline = m_plan.timeout ? Clock::now() + std::chrono::seconds(*m_plan.timeout)
                                  : Clock::time_point::max();
        std::ignore = transition(m_workspace.db(), m_run.name, {Status::queued}, Status::starting,
                                 stamp_now(), where);
        std::ignore = transition(m_workspace.db(), m_run.name, {Status::starting}, Status::running,
                                 stamp_now(), where);
    };
    for (;;) {
        const timespec wait{0, 100'000'000};
        siginfo_t info{};
        const int signal = ::sigtimedwait(&m_signals, &info, &wait);
        reap_children();
        if (cancel_asked(signal, last_check, grace)) {
            stop = EndReason::canceled;
        }
        if (stop == EndReason::none && deadline && Clock::now() >= *deadline) {
            stop = EndReason::timeout;
        }
        if (stop != EndReason::none) {
            break;
        }
        // Slurm's controller is asked often at first, then less: a long job costs it a
        // request every 2 s. The batch step's exit file, cheap to look for, brings the next
        // question forward.
        const auto age = Clock::now() - submitted;
        const auto interval = age < std::chrono::seconds(10)   ? milliseconds(250)
                              : age < std::chrono::seconds(60) ? milliseconds(1000)
                                                               : milliseconds(2000);
        const bool batch_ended = fs::exists(exit_file);
        if (Clock::now() - last_poll >= interval ||
            (batch_ended && last && !slurm::is_ended(last->state) &&
             Clock::now() - last_poll >= milliseconds(100))) {
            last_poll = Clock::now();
            auto polled = poll_slurm();
            if (!polled) {
                // Slurm's controller may be restarting: asked again, for a while.
                if (unanswered_since == Clock::time_point::max()) {
                    unanswered_since = Clock::now();
                    note("Slurm does not say how job {} is; asking again", m_job_id);
                }
                if (Clock::now() - unanswered_since < k_slurm_silence) {
                    continue;
                }
                // The batch step's exit file still tells how the job ended; without it the
                // job is lost to ferry, and Slurm is asked to end it.
                lost_to_slurm = !batch_ended;
                break;
            }
            unanswered_since = Clock::time_point::max();
            last = polled;
            record_scheduler(*polled);
            if (!deadline && (polled->state == "RUNNING" || polled->state == "COMPLETING")) {
                mark_running(fmt::format("slurm job {} on {}", m_job_id, polled->nodes));
            } else if (polled->state == "CONFIGURING") {
                // Nodes are booting for it: Starting, and the timeout does not count yet.
                std::ignore = transition(
                    m_workspace.db(), m_run.name, {Status::queued}, Status::starting, stamp_now(),
                    fmt::format("slurm job {} on {}", m_job_id, polled->nodes));
            }
            if (slurm::is_ended(polled->state)) {
                break;
            }
        }
        if (deadline && Clock::now() - last_sync >= k_logs_sync) {
            last_sync = Clock::now();
            sync_logs();
        }
    }
    if (stop != EndReason::none || lost_to_slurm) {
        note("{}: scancel of slurm job {} (SIGTERM to every step, SIGKILL after {} s)",
             stop == EndReason::timeout
                 ? fmt::format("limits.timeout of {} s reached", *m_plan.timeout)
             : stop == EndReason::canceled
                 ? std::string("cancel requested")
                 : fmt::format("Slurm has not answered about the job for {} s",
                               k_slurm_silence.count()),
             m_job_id, grace);
        stop_slurm_job(grace);
    }
    if (!deadline && fs::exists(tasks_file)) {
        // It ran between two polls: its tasks said so.
        mark_running(fmt::format("slurm job {}", m_job_id));
    }
    // The last word on the job: scontrol keeps ended jobs for MinJobAge. Only an end counts.
    std::optional<slurm::JobInfo> final;
    if (auto shown =
            m_runner.capture({{"scontrol", "show", "job", "-o", m_job_id}, {}, "", {}}, -1)) {
        final = slurm::parse_scontrol_job(*shown);
    }
    if (!final) {
        final = last;
    }
    if (final) {
        record_scheduler(*final);
        if (!slurm::is_ended(final->state)) {
            final.reset();
        }
    }
    if (auto tasks = util::read_file(m_run.directory / k_slurm_tasks_file)) {
        std::string_view rest = *tasks;
        while (!rest.empty()) {
            const auto end = rest.find('\n');
            long long rank = 0;
            std::array<char, 128> node{};
            if (std::sscanf(std::string(rest.substr(0, end)).c_str(), "%lld %127s", &rank,
                            node.data()) == 2) {
                note("{} ran on node {}",
                     m_plan.distribution ? fmt::format("rank {}", rank) : "the command",
                     node.data());
            }
            rest = end == std::string_view::npos ? "" : rest.substr(end + 1);
        }
    }
    std::optional<int> code;
    if (auto text = util::read_file(m_run.directory / k_slurm_exit_file)) {
        int value = 0;
        if (std::sscanf(text->c_str(), "%d", &value) == 1) {
            code = value;
        }
    }
    if (!code && final && final->exit_code) {
        code = final->signal && *final->signal != 0 ? 128 + *final->signal : *final->exit_code;
    }
    Ending ending;
    ending.exit_code = code;
    if (stop == EndReason::canceled) {
        ending.status = Status::canceled;
        ending.reason = EndReason::canceled;
        ending.error = "canceled on request";
    } else if (stop == EndReason::timeout) {
        ending.status = Status::failed;
        ending.reason = EndReason::timeout;
        ending.error = fmt::format("timeout: limits.timeout of {} s reached", *m_plan.timeout);
    } else if (const auto outcome = final ? slurm::outcome_of(*final, m_job_id) : slurm::Outcome{};
               final && !outcome.error.empty()) {
        ending.status = outcome.status;
        ending.reason = outcome.reason;
        ending.error = outcome.error;
    } else if (code) {
        // Completed or failed: the batch step's code (the first failing rank's) decides.
        const auto failed = first_failed_rank();
        ending = ending_for(failed && *code != 0 ? failed->second : *code,
                            failed ? failed->first : 0, failed.has_value() && *code != 0);
    } else {
        ending.status = Status::failed;
        ending.reason = EndReason::infrastructure;
        ending.error = lost_to_slurm
                           ? fmt::format(
                                 "Slurm has not answered about job {} for {} s; ferry asked it to "
                                 "cancel the job",
                                 m_job_id, k_slurm_silence.count())
                       : final ? fmt::format("slurm job {} ended ({}) without an exit code",
                                             m_job_id, final->state)
                               : fmt::format("slurm job {} ended without an exit code", m_job_id);
    }
    if (ending.status != Status::completed && !ending.error.empty()) {
        note("slurm job {} ended {}", m_job_id, final ? final->state : "unknown");
    }
    end(std::move(ending));
}

void Supervisor::end(Ending ending) {
    if (!m_engine.empty()) {
        // No container outlives its run, whatever ended it.
        if (auto ids =
                env::run_containers(m_runner, m_engine, m_run.name, m_workspace.root().string());
            ids && !ids->empty()) {
            note("removing {} container{} left", ids->size(), ids->size() == 1 ? "" : "s");
            std::ignore = env::remove_containers(m_runner, m_engine, *ids, 1);
        }
    }
    if (ending.status != Status::canceled) {
        std::ignore = transition(m_workspace.db(), m_run.name,
                                 {Status::preparing, Status::starting, Status::running},
                                 Status::finalizing, stamp_now());
    }
    note("collecting outputs and logs");
    auto collected = collect_artifacts(m_workspace, artifact_sources(m_run), stamp_now().text);
    if (collected) {
        ending.artifacts = collected->id;
        for (const auto& skipped : collected->skipped) {
            note("not stored: {}", skipped);
        }
        note("stored {} files ({} bytes) as artifacts {}", collected->files, collected->bytes,
             collected->id.substr(0, 12));
    } else {
        note("cannot store the artifacts: {}", collected.error().message);
        if (ending.status == Status::completed) {
            ending.status = Status::failed;
            ending.reason = EndReason::infrastructure;
            ending.error = "cannot store the outputs: " + collected.error().message;
        }
    }
    note("{}{}", status_name(ending.status), ending.error.empty() ? "" : ": " + ending.error);
    if (ending.status == Status::completed) {
        register_outputs(ending.artifacts);  // before the end is seen, so waiters find them
    }
    auto ended = finish(m_workspace.db(), m_run.name, ending, stamp_now());
    if (!ended) {
        note("cannot record the end: {}", ended.error().message);
    }
    // The next queued run of this compute need not wait for its next poll.
    if (auto next = next_queued_supervisor(m_workspace.db(), m_run.compute); next && *next) {
        ::kill(static_cast<pid_t>(**next), SIGUSR2);
    }
}

int Supervisor::run() {
    sigemptyset(&m_signals);
    for (const int signal : {SIGCHLD, SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP}) {
        sigaddset(&m_signals, signal);
    }
    ::sigprocmask(SIG_BLOCK, &m_signals, nullptr);
    // Processes that leave their parent (double forks, setsid) stay below us, to be stopped.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    note("supervisor {} for run {} (workspace {})", ::getpid(), m_run.name, m_workspace.name());
    for (const auto& text : m_plan.notes) {
        note("{}", text);
    }
    if (auto recorded =
            set_supervisor(m_workspace.db(), m_run.name, ::getpid(), machine_id(), stamp_now());
        !recorded) {
        note("cannot record the supervisor: {}", recorded.error().message);
        return 1;
    }
    if (auto compute = find_compute(m_workspace.db(), m_run.compute); compute && *compute) {
        m_on_slurm = (*compute)->type == "slurm";
        m_cluster = slurm::Cluster::from_spec((*compute)->spec);
    }
    if (m_on_slurm) {
        // Slurm queues the job once it is prepared; ferry keeps no slots of its own.
        std::ignore = begin_preparing(m_workspace.db(), m_run.name, stamp_now());
        if (cancel_requested()) {
            end({Status::canceled, EndReason::canceled, std::nullopt, "canceled before it started",
                 ""});
            return 0;
        }
    } else if (!wait_for_slot()) {
        note("canceled while queued");
        end({Status::canceled, EndReason::canceled, std::nullopt, "canceled before it started",
             ""});
        return 0;
    }
    if (auto prepared = prepare(); !prepared) {
        note("preparing failed: {}", prepared.error().message);
        end({Status::failed, EndReason::infrastructure, std::nullopt,
             "preparing failed: " + prepared.error().message, ""});
        return 0;
    }
    if (auto prepared = prepare_environment(); !prepared) {
        note("{}", prepared.error().message);
        if (prepared.error().code == ExitCode::canceled) {
            end({Status::canceled, EndReason::canceled, std::nullopt, "canceled before it started",
                 ""});
        } else {
            end({Status::failed, EndReason::infrastructure, std::nullopt, prepared.error().message,
                 ""});
        }
        return 0;
    }
    if (cancel_requested()) {
        end({Status::canceled, EndReason::canceled, std::nullopt, "canceled before it started",
             ""});
        return 0;
    }
    if (m_on_slurm) {
        if (auto submitted = submit_to_slurm(); !submitted) {
            note("{}", submitted.error().message);
            end({Status::failed, EndReason::infrastructure, std::nullopt, submitted.error().message,
                 ""});
            return 0;
        }
        watch_slurm_job();
        return 0;
    }
    std::ignore = transition(m_workspace.db(), m_run.name, {Status::preparing}, Status::starting,
                             stamp_now());
    note("running{}: bash -c {}{}",
         m_plan.job_environment ? fmt::format(" in {} ({})", m_environment_location,
                                              env::kind_name(m_plan.job_environment->kind))
                                : std::string(),
         m_plan.command,
         m_plan.distribution ? fmt::format(" ({} {} processes)", m_plan.distribution->ranks(),
                                           m_plan.distribution->type)
                             : std::string());
    auto job = start_job();
    if (!job) {
        note("{}", job.error().message);
        // Ranks already started must not outlive the failure to start the others.
        terminate_all([&] { return descendants(::getpid()); }, milliseconds(0),
                      [&] { reap_children(); });
        end({Status::failed, EndReason::infrastructure, std::nullopt, job.error().message, ""});
        return 0;
    }
    std::string pids;
    for (const auto& [pid, rank] : m_jobs) {
        pids += (pids.empty() ? "pid " : ", ") + std::to_string(pid);
    }
    std::ignore = transition(m_workspace.db(), m_run.name, {Status::starting}, Status::running,
                             stamp_now(), pids);
    watch_job();
    return 0;
}

}  // namespace

int supervise(const std::string& workspace_name, const fs::path& workspace_root,
              const std::string& run_name) {
    auto workspace = store::Workspace::open(workspace_name, workspace_root);
    if (!workspace) {
        note("cannot open the workspace: {}", workspace.error().message);
        return 1;
    }
    auto found = find_run(workspace->db(), run_name);
    if (!found || !*found) {
        note("no run {} in {}", run_name, workspace_root.string());
        return 1;
    }
    auto plan = Plan::from_json((*found)->plan);
    if (!plan) {
        note("{}", plan.error().message);
        std::ignore = finish(
            workspace->db(), run_name,
            {Status::failed, EndReason::infrastructure, std::nullopt, plan.error().message, ""},
            stamp_now());
        return 1;
    }
    Supervisor supervisor(std::move(*workspace), std::move(**found), std::move(*plan));
    return supervisor.run();
}

}  // namespace ferry::run
