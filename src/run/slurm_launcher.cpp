#include "ferry/run/slurm_launcher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdio>

#include "ferry/run/local_launcher.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/slurm_launch.hpp"
#include "ferry/track/server.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/program.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// How long Slurm may not answer for a job before its run ends as lost to Slurm.
constexpr seconds k_slurm_silence{120};

Json or_null(const std::string& text) {
    return text.empty() ? Json(nullptr) : Json(text);
}

bool present(const fs::path& path) {
    auto there = util::exists(path);
    return there && *there;
}

}  // namespace

SlurmLauncher::SlurmLauncher(ComputeRecord compute, const Seams& seams)
    : m_compute(std::move(compute)),
      m_cluster(slurm::Cluster::from_spec(m_compute.spec)),
      m_seams(seams),
      m_traits{.label = "a Slurm compute",
               .queues_jobs = true,
               .mounts_inputs = false,
               .multi_node = true,
               .containers = false,
               .tracking_host =
                   m_cluster.tracking_host.empty() ? util::host_name() : m_cluster.tracking_host} {}

Result<void> SlurmLauncher::admit(const JobShape& shape) const {
    TRY(slurm::check_instances(m_cluster, m_compute.name, shape.instances, shape.file));
    if (!m_seams.runner.find_program("sbatch")) {
        return fail(
            "sbatch is not on PATH: compute '{}' is a Slurm cluster, whose clients must be "
            "on this machine (Debian: apt-get install slurm-client)",
            m_compute.name);
    }
    if (shape.instances > 1 && !shape.distributed) {
        return usage_error(
            "{}: resources.instance_count is {} without a distribution: say how the nodes "
            "work together (distribution: pytorch, tensorflow or mpi)",
            shape.file, shape.instances);
    }
    return {};
}

Json SlurmLauncher::compute_fields() const {
    Json arguments = Json::array();
    for (const auto& argument : m_cluster.sbatch_args) {
        arguments.push_back(argument);
    }
    return {
        {"max_concurrent_runs", nullptr},
        {"partition", or_null(m_cluster.partition)},
        {"account", or_null(m_cluster.account)},
        {"qos", or_null(m_cluster.qos)},
        {"max_instances", m_cluster.max_instances ? Json(*m_cluster.max_instances) : Json(nullptr)},
        {"sbatch_args", std::move(arguments)},
        {"workspace_path", or_null(m_cluster.workspace_path)},
        {"ferry_path", or_null(m_cluster.ferry_path)}};
}

std::optional<Json> SlurmLauncher::compute_nodes() const {
    return slurm::partition_nodes(m_seams.runner, m_cluster);
}

std::string SlurmLauncher::on_nodes(const LaunchTarget& target, const fs::path& path) const {
    const std::string here = target.workspace_root.string();
    return slurm::to_node_path(path.string(), here,
                               m_cluster.workspace_path.empty() ? here : m_cluster.workspace_path);
}

std::vector<std::string> SlurmLauncher::sbatch_line(const LaunchTarget& target) const {
    slurm::Submission submission;
    submission.run_name = target.run;
    submission.run_directory = on_nodes(target, target.run_directory);
    submission.script = on_nodes(target, target.run_directory / k_slurm_job_script);
    return slurm::sbatch_argv(m_cluster, target.plan, submission);
}

Result<Json> SlurmLauncher::describe(const LaunchTarget& target) {
    // Slurm starts the tasks: each one's rank and variables exist only inside the allocation.
    return Json{{"launcher", shell_join(sbatch_line(target))}, {"ranks", nullptr}};
}

Result<void> SlurmLauncher::write_launch_files(const LaunchTarget& target) const {
    const std::string here = target.workspace_root.string();
    const std::string there = m_cluster.workspace_path.empty() ? here : m_cluster.workspace_path;
    Json plan = target.plan.to_json();
    // The tracking token is no file's: it reaches the tasks in sbatch's environment.
    plan["environment"].erase(track::k_token_variable);
    slurm::map_paths(plan, here, there);
    const std::string ferry = m_cluster.ferry_path.empty() ? "ferry" : m_cluster.ferry_path;
    const Json launch = {
        {"run", target.run},
        {"run_directory", on_nodes(target, target.run_directory)},
        {"working_directory", on_nodes(target, working_directory(target.run_directory))},
        {"environment_location", slurm::to_node_path(target.environment_location, here, there)},
        {"ferry", ferry},
        {"plan", std::move(plan)}};
    TRY(util::write_file_atomic(target.run_directory / k_slurm_launch_file, launch.dump(2) + "\n",
                                0644));
    return util::write_file_atomic(target.run_directory / k_slurm_job_script, batch_script(target),
                                   0755);
}

std::string SlurmLauncher::batch_script(const LaunchTarget& target) const {
    const auto quote = [](const std::string& word) {
        return shell_join(std::vector<std::string>{word});
    };
    const std::string run_directory = on_nodes(target, target.run_directory);
    // A node without ferry would fail the job as "command not found", read as the user's
    // command: say what is missing instead. Without ferry_path, `ferry` on the node's PATH,
    // else the binary that submitted, where the node has it at the same path.
    std::string find =
        fmt::format("ferry=$(command -v {}) || ferry=''\n",
                    quote(m_cluster.ferry_path.empty() ? "ferry" : m_cluster.ferry_path));
    std::string looked = m_cluster.ferry_path;
    if (m_cluster.ferry_path.empty()) {
        looked = "not on its PATH";
        if (auto self = own_executable()) {
            find += fmt::format("[ -n \"$ferry\" ] || [ ! -x {0} ] || ferry={0}\n",
                                quote(self->string()));
            looked += ", nor at " + self->string();
        }
    }
    // Quoted whole: a path or name the user gave is never expanded by the shell.
    const std::string missing =
        quote(fmt::format("({}): set ferry_path on compute '{}'", looked, m_compute.name));
    return fmt::format(
        "#!/bin/bash\n"
        "# ferry run {} (workspace {}): the batch step starts the tasks with srun.\n"
        "{}"
        "if [ -z \"$ferry\" ]; then\n"
        "    printf 'ferry is not found on node %s %s\\n' \"$(hostname)\" {} | tee {} >&2\n"
        "    echo 125 >{}\n"
        "    exit 125\n"
        "fi\n"
        "exec \"$ferry\" {} {}\n",
        target.run, target.workspace, find, missing,
        quote(run_directory + "/" + std::string(k_slurm_error_file)),
        quote(run_directory + "/" + std::string(k_slurm_exit_file)), k_slurm_batch_command,
        quote(run_directory));
}

Result<void> SlurmLauncher::start(const LaunchTarget& target, JobEvents& events) {
    m_target = target;
    m_events = &events;
    TRY(write_launch_files(target));
    const auto argv = sbatch_line(target);
    m_seams.log.note("sbatch: {}", shell_join(argv));
    // Noted before sbatch: should this supervisor die before it learns the job id, the
    // lost-run reaper finds the job by its name.
    m_scheduler = {{"type", "slurm"},
                   {"job_id", nullptr},
                   {"state", nullptr},
                   {"reason", nullptr},
                   {"nodes", nullptr}};
    events.scheduler(m_scheduler);
    const fs::path errors = target.run_directory / "system_logs" / "sbatch_stderr.txt";
    util::Fd errors_fd(::open(errors.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    // Slurm hands sbatch's environment on to the batch step and its tasks (--export=ALL).
    std::map<std::string, std::string> secret;
    if (const auto token = target.plan.environment.find(track::k_token_variable);
        token != target.plan.environment.end()) {
        secret.insert(*token);
    }
    auto output = m_seams.runner.capture({argv, secret, "", target.run_directory}, errors_fd.get());
    errors_fd.close();
    const std::string said(util::trim(util::read_file(errors).value_or("")));
    std::ignore = util::remove_all(errors);
    if (!said.empty()) {
        m_seams.log.note("sbatch said: {}", said);
    }
    if (!output) {
        const auto said_lines = util::lines(said);
        return fail("sbatch failed: {}",
                    said_lines.empty() ? output.error().message : std::string(said_lines.back()));
    }
    TRY_ASSIGN(m_job_id, slurm::parse_job_id(*output));
    m_scheduler["job_id"] = m_job_id;
    m_scheduler["state"] = "PENDING";
    events.scheduler(m_scheduler);
    m_seams.log.note("slurm job {} submitted", m_job_id);
    m_submitted = m_seams.clock.now();
    events.entered(JobPhase::queued, fmt::format("slurm job {}", m_job_id));
    return {};
}

std::optional<slurm::JobInfo> SlurmLauncher::ask() {
    auto output =
        m_seams.runner.capture({{"squeue", "-h", "-t", "all", "-j", m_job_id, "-o", "%T|%r|%N"},
                                {},
                                "",
                                {},
                                slurm::k_slurm_query_limit},
                               -1);
    if (output) {
        if (auto info = slurm::parse_squeue(*output)) {
            return info;
        }
    }
    // squeue does not list it (or cannot be asked now): scontrol keeps ended jobs a while.
    if (auto shown = m_seams.runner.capture(
            {{"scontrol", "show", "job", "-o", m_job_id}, {}, "", {}, slurm::k_slurm_query_limit},
            -1)) {
        return slurm::parse_scontrol_job(*shown);
    }
    return std::nullopt;
}

void SlurmLauncher::record(const slurm::JobInfo& info) {
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
    if (m_events != nullptr) {
        m_events->scheduler(m_scheduler);
    }
    m_seams.log.note("slurm job {}: {}{}{}", m_job_id, info.state,
                     m_scheduler["reason"].is_null() ? "" : fmt::format(" ({})", info.reason),
                     info.nodes.empty() ? "" : " on " + info.nodes);
}

JobPoll SlurmLauncher::heard(const slurm::JobInfo& info) {
    m_unanswered_since = Clock::Instant::max();
    m_last = info;
    record(info);
    const std::string where = fmt::format("slurm job {} on {}", m_job_id, info.nodes);
    if (!m_running && (info.state == "RUNNING" || info.state == "COMPLETING")) {
        m_running = true;  // the tasks run: the run's timeout counts from now
        m_events->entered(JobPhase::running, where);
    } else if (info.state == "CONFIGURING") {
        // Nodes are booting for it: Starting, and the timeout does not count yet.
        m_events->entered(JobPhase::starting, where);
    }
    return {.state = slurm::is_ended(info.state) ? JobPoll::State::ended : JobPoll::State::going};
}

void SlurmLauncher::notice_started_tasks() {
    if (!m_running && present(m_target->run_directory / k_slurm_tasks_file)) {
        m_running = true;
        m_events->entered(JobPhase::running,
                          fmt::format("slurm job {}: its tasks started", m_job_id));
    }
}

JobPoll SlurmLauncher::poll() {
    // Slurm's controller is asked often at first, then less: a long job costs it a request
    // every 2 s. The batch step's exit file, cheap to look for, brings the next question
    // forward.
    const auto now = m_seams.clock.now();
    const auto age = now - m_submitted;
    const auto interval = age < seconds(10)   ? milliseconds(250)
                          : age < seconds(60) ? milliseconds(1000)
                                              : milliseconds(2000);
    notice_started_tasks();  // a stat each tick: Running before squeue would say it
    const bool batch_ended = present(m_target->run_directory / k_slurm_exit_file);
    const bool early = batch_ended && m_last && !slurm::is_ended(m_last->state) &&
                       now - m_last_poll >= milliseconds(100);
    if (now - m_last_poll < interval && !early) {
        return {};
    }
    m_last_poll = now;
    if (auto info = ask()) {
        return heard(*info);
    }
    // Slurm's controller may be restarting: asked again, for a while.
    if (m_unanswered_since == Clock::Instant::max()) {
        m_unanswered_since = now;
        m_seams.log.note("Slurm does not say how job {} is; asking again", m_job_id);
    }
    if (now - m_unanswered_since < k_slurm_silence) {
        return {};
    }
    // The batch step's exit file still tells how the job ended; without it the job is lost
    // to ferry, and Slurm is asked to end it.
    if (batch_ended) {
        return {.state = JobPoll::State::ended};
    }
    m_lost = true;
    return {.state = JobPoll::State::failing,
            .why = fmt::format("Slurm has not answered about the job for {} s",
                               k_slurm_silence.count())};
}

void SlurmLauncher::scancel(std::vector<std::string> words) {
    words.insert(words.begin(), "scancel");
    words.push_back(m_job_id);
    if (auto done = m_seams.runner.run({words, {}, "", {}}, STDOUT_FILENO, {});
        !done || *done != 0) {
        m_seams.log.note("{} did not succeed", shell_join(words));
    }
}

// Ended: Slurm said so. A job Slurm says nothing of (its controller away) is not ended.
bool SlurmLauncher::wait_for_end(seconds bound) {
    const auto until = m_seams.clock.now() + bound;
    for (;;) {
        const auto info = ask();
        if (info) {
            record(*info);
        }
        if (info && slurm::is_ended(info->state)) {
            return true;
        }
        if (m_seams.clock.now() >= until) {
            return false;
        }
        m_events->alive();
        std::ignore = m_seams.clock.wait(milliseconds(250));
    }
}

void SlurmLauncher::stop(std::int64_t grace_seconds, const std::string& why) {
    m_seams.log.note("{}: scancel of slurm job {} (SIGTERM to every step, SIGKILL after {} s)", why,
                     m_job_id, grace_seconds);
    const auto info = ask();
    if (info && slurm::is_pending(info->state)) {
        scancel({});
    } else {
        scancel({"--full", "--signal=TERM"});
    }
    if (wait_for_end(seconds(grace_seconds))) {
        return;
    }
    m_seams.log.note("SIGKILL: slurm job {} has not ended {} s after SIGTERM", m_job_id,
                     grace_seconds);
    scancel({"--full", "--signal=KILL"});
    scancel({});
    // Slurm takes a moment (its KillWait at most) to see every step gone; an unreachable
    // controller is asked again.
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (wait_for_end(seconds(30))) {
            return;
        }
        scancel({});
    }
    m_seams.log.note("slurm job {} may still run: Slurm did not say it ended", m_job_id);
}

void SlurmLauncher::note_tasks() const {
    const std::string tasks =
        util::read_file(m_target->run_directory / k_slurm_tasks_file).value_or("");
    for (const auto line : util::lines(tasks)) {
        long long rank = 0;
        std::array<char, 128> node{};
        if (std::sscanf(std::string(line).c_str(), "%lld %127s", &rank, node.data()) == 2) {
            m_seams.log.note("{} ran on node {}",
                             m_target->plan.distribution ? fmt::format("rank {}", rank)
                                                         : std::string("the command"),
                             node.data());
        }
    }
}

std::optional<int> SlurmLauncher::exit_code(const std::optional<slurm::JobInfo>& final) const {
    if (auto text = util::read_file(m_target->run_directory / k_slurm_exit_file)) {
        int value = 0;
        if (std::sscanf(text->c_str(), "%d", &value) == 1) {
            return value;
        }
    }
    if (final && final->exit_code) {
        return final->signal && *final->signal != 0 ? 128 + *final->signal : *final->exit_code;
    }
    return std::nullopt;
}

Ending SlurmLauncher::ending(EndReason stopped, const std::optional<slurm::JobInfo>& final,
                             std::optional<int> code) const {
    if (stopped == EndReason::canceled || stopped == EndReason::timeout) {
        return Ending::infrastructure("", code);  // the run says why it stopped the job
    }
    if (final) {
        if (const auto outcome = slurm::outcome_of(*final, m_job_id); !outcome.error.empty()) {
            return {.status = outcome.status,
                    .reason = outcome.reason,
                    .exit_code = code,
                    .error = outcome.error};
        }
    }
    if (code == 125) {
        if (auto why = util::read_file(m_target->run_directory / k_slurm_error_file)) {
            return Ending::infrastructure(std::string(util::trim(*why)), code);
        }
    }
    if (code) {
        // Completed or failed: the batch step's code (the first failing rank's) decides.
        const auto failed = first_failed_rank(m_target->run_directory);
        return job_ending(failed && *code != 0 ? failed->second : *code, failed ? failed->first : 0,
                          failed.has_value() && *code != 0);
    }
    return Ending::infrastructure(
        m_lost ? fmt::format("Slurm has not answered about job {} for {} s; ferry asked it to "
                             "cancel the job",
                             m_job_id, k_slurm_silence.count())
        : final
            ? fmt::format("slurm job {} ended ({}) without an exit code", m_job_id, final->state)
            : fmt::format("slurm job {} ended without an exit code", m_job_id));
}

Ending SlurmLauncher::finish(EndReason stopped) {
    notice_started_tasks();  // it may have run between two polls
    // The last word on the job: scontrol keeps ended jobs for MinJobAge. Only an end counts.
    std::optional<slurm::JobInfo> final;
    if (auto shown = m_seams.runner.capture(
            {{"scontrol", "show", "job", "-o", m_job_id}, {}, "", {}, slurm::k_slurm_query_limit},
            -1)) {
        final = slurm::parse_scontrol_job(*shown);
    }
    if (!final) {
        final = m_last;
    }
    if (final) {
        record(*final);
        if (!slurm::is_ended(final->state)) {
            final.reset();
        }
    }
    note_tasks();
    const Ending ended = ending(stopped, final, exit_code(final));
    if (stopped == EndReason::canceled || stopped == EndReason::timeout ||
        (ended.status != Status::completed && !ended.error.empty())) {
        m_seams.log.note("slurm job {} ended {}", m_job_id, final ? final->state : "unknown");
    }
    return ended;
}

void SlurmLauncher::abandon(const RunRecord& run) {
    if (!run.scheduler.is_object() || run.scheduler.value("type", "") != "slurm") {
        return;  // never submitted
    }
    // Its Slurm job would run on unwatched: Slurm ends it (SIGKILL to every step). A
    // supervisor that died inside sbatch never learnt the id: the job has the run's name.
    auto& runner = m_seams.runner;
    if (run.scheduler.contains("job_id") && run.scheduler["job_id"].is_string()) {
        const std::string job = run.scheduler["job_id"].get<std::string>();
        std::ignore = runner.run({{"scancel", "--full", "--signal=KILL", job}, {}, "", {}}, -1, {});
        std::ignore = runner.run({{"scancel", job}, {}, "", {}}, -1, {});
    } else {
        std::ignore = runner.run(
            {{"scancel", "--name=" + run.name, "--user=" + std::to_string(m_seams.host.euid)},
             {},
             "",
             {}},
            -1, {});
    }
}

}  // namespace ferry::run
