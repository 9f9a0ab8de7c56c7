#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "../workspace_fixture.hpp"
#include "fake_launcher.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/pending_end.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/supervisor.hpp"
#include "ferry/run/tracking.hpp"
#include "ferry/util/cgroup.hpp"

namespace ferry::run {
namespace {

using namespace std::chrono_literals;
using test::TempDir;
using test::write_text;
using ::testing::HasSubstr;

constexpr std::int64_t k_t0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

Stamp at_ms(std::int64_t ms) {
    return {fmt::format("2026-01-01T00:{:02}:{:02}.{:03}Z", ms / 60'000, ms / 1000 % 60, ms % 1000),
            k_t0 + ms};
}

template <typename Ready>
bool eventually(Ready ready) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (ready()) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return ready();
}

int reap(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(0);
    }
    reap(pid);
    return pid;
}

// A process whose command line reads "ferry __supervise ws /root NAME", as a supervisor's:
// sh running the script `__supervise` of `dir`.
pid_t fake_supervisor(const fs::path& dir, const std::string& run_name) {
    write_text(dir / "__supervise", "sleep 5\n:\n");
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);  // its own group, so that stop() ends its sleep too
        if (::chdir(dir.c_str()) == 0) {
            ::execl("/bin/sh", "ferry", "__supervise", "ws", "/root", run_name.c_str(),
                    static_cast<char*>(nullptr));
        }
        ::_exit(127);
    }
    EXPECT_TRUE(eventually([&] {
        const auto words = command_line(pid);
        return words.size() == 5 && words[1] == k_supervise_command;
    })) << "the fake supervisor did not start";
    return pid;
}

void stop(pid_t pid) {
    ::kill(-pid, SIGKILL);
    reap(pid);
}

// Stops the fake supervisor at the end of a test, whatever happened.
class Stopper {
public:
    explicit Stopper(pid_t pid) : m_pid(pid) {}
    ~Stopper() { stop_now(); }
    Stopper(const Stopper&) = delete;
    Stopper& operator=(const Stopper&) = delete;
    void stop_now() {
        if (m_pid > 0) {
            stop(m_pid);
            m_pid = -1;
        }
    }
    void release() { m_pid = -1; }

private:
    pid_t m_pid;
};

// A child that leaves the test's session and clears its environment, as a daemon of a job
// does; -1 when fork fails.
pid_t start_daemon() {
    const pid_t daemon = ::fork();
    if (daemon == 0) {
        ::setsid();
        char* const none[] = {nullptr};
        ::execle("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr), none);
        ::_exit(127);
    }
    return daemon;
}

// A process of run `name`'s job, as the run's variables say: a group of its own, sleeping.
pid_t start_job_process(const std::string& name, const fs::path& directory) {
    const std::string id = "FERRY_RUN_ID=" + name;
    const std::string outputs = "FERRY_OUTPUTS_DIR=" + (directory / "wd" / "outputs").string();
    const pid_t job = ::fork();
    if (job == 0) {
        ::setpgid(0, 0);
        char* const env[] = {const_cast<char*>(id.c_str()), const_cast<char*>(outputs.c_str()),
                             nullptr};
        ::execle("/bin/sleep", "sleep", "5", static_cast<char*>(nullptr), env);
        ::_exit(127);
    }
    return job;
}

RunRecord record(const std::string& name) {
    RunRecord run;
    run.name = name;
    run.status = Status::running;
    run.created = at_ms(0);
    return run;
}

TEST(RunLostLiveness, MachineIdIsBootIdAtHost) {
    char host[256] = {};
    ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
    EXPECT_EQ(machine_id(), boot_id() + "@" + host);
}

TEST(RunLostLiveness, NoPidIsAliveUntilTheStartGraceIsOver) {
    const RunRecord run = record("r");
    const std::string machine = machine_id();
    EXPECT_EQ(supervisor_liveness(run, machine, k_t0 + 1000), Liveness::alive);
    EXPECT_EQ(supervisor_liveness(run, machine, k_t0 + k_start_grace_ms), Liveness::alive);
    EXPECT_EQ(supervisor_liveness(run, machine, k_t0 + k_start_grace_ms + 1), Liveness::lost);
    EXPECT_EQ(supervisor_liveness(run, machine, k_t0 + 3'600'000), Liveness::lost);
}

TEST(RunLostLiveness, AnotherHostIsElsewhere) {
    RunRecord run = record("r");
    run.supervisor_pid = dead_pid();
    run.boot_id = "11111111-2222-3333-4444-555555555555@another-host";
    EXPECT_EQ(supervisor_liveness(run, "66666666-7777-8888-9999-000000000000@this-host", k_t0),
              Liveness::elsewhere);
    EXPECT_EQ(supervisor_liveness(run, machine_id(), k_t0), Liveness::elsewhere);
}

TEST(RunLostLiveness, SameHostAnotherBootIsLost) {
    RunRecord run = record("r");
    run.supervisor_pid = ::getpid();
    run.boot_id = "11111111-2222-3333-4444-555555555555@this-host";
    EXPECT_EQ(supervisor_liveness(run, "66666666-7777-8888-9999-000000000000@this-host", k_t0),
              Liveness::lost);
}

TEST(RunLostLiveness, ADeadPidIsLost) {
    RunRecord run = record("r");
    run.supervisor_pid = dead_pid();
    run.boot_id = machine_id();
    EXPECT_EQ(supervisor_liveness(run, machine_id(), k_t0), Liveness::lost);
}

TEST(RunLostLiveness, APidThatIsNoSupervisorIsLost) {
    RunRecord run = record("r");
    run.supervisor_pid = ::getpid();  // the test binary: alive, but not "__supervise ... r"
    run.boot_id = machine_id();
    EXPECT_EQ(supervisor_liveness(run, machine_id(), k_t0), Liveness::lost);
}

TEST(RunLostLiveness, TheSupervisorOfTheRunIsAlive) {
    TempDir dir;
    const pid_t pid = fake_supervisor(dir.path(), "r");
    Stopper stopper(pid);
    RunRecord run = record("r");
    run.supervisor_pid = pid;
    run.boot_id = machine_id();
    EXPECT_EQ(supervisor_liveness(run, machine_id(), k_t0 + 3'600'000), Liveness::alive);
    // The same pid for another run: a supervisor, but not this run's.
    RunRecord other = record("other");
    other.supervisor_pid = pid;
    other.boot_id = machine_id();
    EXPECT_EQ(supervisor_liveness(other, machine_id(), k_t0), Liveness::lost);
    stopper.stop_now();
    EXPECT_EQ(supervisor_liveness(run, machine_id(), k_t0), Liveness::lost);
}

TEST(RunLostLiveness, ArtifactSources) {
    RunRecord run = record("r");
    run.directory = "/ws/runs/r";
    run.plan = {
        {"outputs", {{{"name", "model"}, {"directory", "/ws/runs/r/named-outputs/model"}}}}};
    const auto sources = artifact_sources(run);
    ASSERT_EQ(sources.size(), 5U);
    // The logs first: the artifact limits take the sources in this order.
    EXPECT_EQ(sources[0].prefix, "system_logs");
    EXPECT_EQ(sources[0].directory, fs::path("/ws/runs/r/system_logs"));
    EXPECT_EQ(sources[1].prefix, "user_logs");
    EXPECT_EQ(sources[1].directory, fs::path("/ws/runs/r/user_logs"));
    EXPECT_EQ(sources[2].prefix, "logs");
    EXPECT_EQ(sources[2].directory, fs::path("/ws/runs/r/wd/logs"));
    EXPECT_EQ(sources[3].prefix, "outputs");
    EXPECT_EQ(sources[3].directory, fs::path("/ws/runs/r/wd/outputs"));
    EXPECT_EQ(sources[4].prefix, "named-outputs/model");
    EXPECT_EQ(sources[4].directory, fs::path("/ws/runs/r/named-outputs/model"));
}

class RunLost : public test::WorkspaceTest {
protected:
    fs::path add_run(const std::string& name, std::int64_t created_ms = 0) {
        NewRun run;
        run.name = name;
        run.experiment = "exp";
        run.compute = "local";
        run.directory = run_directory(m_dir.path(), name);
        run.plan = {{"outputs",
                     {{{"name", "model"},
                       {"directory", (run.directory / "named-outputs/model").string()}}}}};
        auto inserted = insert_run(db(), run, at_ms(created_ms));
        EXPECT_TRUE(inserted) << inserted.error().message;
        return run.directory;
    }

    void start(const std::string& name, std::optional<pid_t> pid, const std::string& machine) {
        auto moved = transition(db(), name, {Status::not_started}, Status::running, at_ms(500));
        ASSERT_TRUE(moved && *moved);
        if (pid) {
            ASSERT_TRUE(set_supervisor(db(), name, *pid, machine, at_ms(500)));
        }
    }

    Result<int> reap_at(std::int64_t ms, std::string_view name = {}) {
        test::FakeClock clock;
        clock.stamp_from = [ms] { return at_ms(ms); };
        test::FakeRunner runner;
        const Host host{.machine = machine_id(), .cgroups = m_cgroups};
        SystemLog log(nullptr, clock);
        return reap_lost_runs(*m_workspace, Seams{runner, host, clock, log}, name);
    }

    // The one lost run is reaped and `job` (a child of the test) dies of SIGKILL: nothing
    // supervises it any more, so it gets no grace.
    void expect_reaped_and_killed(pid_t job, Stopper& stopper) {
        auto reaped = reap_at(2000);
        ASSERT_TRUE(reaped) << reaped.error().message;
        EXPECT_EQ(*reaped, 1);
        const int status = reap(job);
        stopper.release();
        EXPECT_TRUE(WIFSIGNALED(status));
        EXPECT_EQ(WTERMSIG(status), SIGKILL);
    }

    RunRecord get(const std::string& name) {
        auto run = get_run(db(), name, "t");
        EXPECT_TRUE(run) << run.error().message;
        return run ? *run : RunRecord{};
    }

    std::optional<fs::path> m_cgroups;  // the host's, where a test makes runs' cgroups
};

TEST_F(RunLost, AnEndItsSupervisorCouldNotRecordIsTheRunsEnd) {
    const fs::path directory = add_run("r");
    fs::create_directories(directory);
    ASSERT_TRUE(reserve_pending_end(directory));
    EXPECT_FALSE(read_pending_end(directory));  // reserved, nothing kept
    EXPECT_EQ(fs::file_size(pending_end_path(directory)), 4096U);
    Ending kept = Ending::of_job(3, "exit code 3; the end was recorded late: disk full");
    ASSERT_TRUE(keep_pending_end(directory, kept));
    EXPECT_EQ(fs::file_size(pending_end_path(directory)), 4096U);  // in the reserved space
    start("r", dead_pid(), machine_id());

    auto reaped = reap_at(2000);
    ASSERT_TRUE(reaped) << reaped.error().message;
    EXPECT_EQ(*reaped, 0);  // not lost: ended as its supervisor meant
    const RunRecord run = get("r");
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::job);
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.error, "exit code 3; the end was recorded late: disk full");
}

TEST(RunPendingEnd, WhatDoesNotParseOrIsNotAnEndIsNone) {
    TempDir dir;
    EXPECT_FALSE(read_pending_end(dir.path()));  // no file
    for (const std::string text : {"{", R"({"status":"Running"})", R"({"status":7})", "[]"}) {
        write_text(pending_end_path(dir.path()), text);
        EXPECT_FALSE(read_pending_end(dir.path())) << text;
    }
    EXPECT_FALSE(keep_pending_end(dir.path() / "missing", Ending::of_job(0, "")));
}

TEST_F(RunLost, ALostRunIsFailedWithItsArtifacts) {
    const fs::path directory = add_run("r");
    write_text(directory / "wd/outputs/x.txt", "x");
    write_text(directory / "user_logs/std_log.txt", "line\n");
    write_text(directory / "named-outputs/model/w.bin", "w");
    const pid_t pid = dead_pid();
    start("r", pid, machine_id());

    auto reaped = reap_at(2000);
    ASSERT_TRUE(reaped) << reaped.error().message;
    EXPECT_EQ(*reaped, 1);

    const RunRecord run = get("r");
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::infrastructure);
    EXPECT_FALSE(run.exit_code);
    EXPECT_THAT(run.error, HasSubstr("supervisor lost"));
    EXPECT_EQ(run.error, fmt::format("supervisor lost (pid {} is gone or the machine restarted); "
                                     "logs and outputs so far are kept",
                                     pid));
    EXPECT_EQ(run.waited_exit_code(), 125);
    ASSERT_TRUE(run.ended);
    EXPECT_EQ(run.ended->ms, k_t0 + 2000);
    ASSERT_FALSE(run.artifacts.empty());
    auto entries = read_artifacts(m_workspace->blobs(), run.artifacts);
    ASSERT_TRUE(entries) << entries.error().message;
    std::vector<std::string> paths;
    for (const auto& entry : *entries) {
        paths.push_back(entry.path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"named-outputs/model/w.bin", "outputs/x.txt",
                                               "user_logs/std_log.txt"}));

    auto again = reap_at(3000);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, 0);
}

TEST_F(RunLost, ARunWhoseSupervisorNeverStarted) {
    add_run("r");
    auto early = reap_at(k_start_grace_ms);
    ASSERT_TRUE(early);
    EXPECT_EQ(*early, 0);
    EXPECT_EQ(get("r").status, Status::not_started);

    auto late = reap_at(k_start_grace_ms + 1);
    ASSERT_TRUE(late) << late.error().message;
    EXPECT_EQ(*late, 1);
    const RunRecord run = get("r");
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::infrastructure);
    EXPECT_EQ(run.error, "supervisor lost: it never started");
}

TEST_F(RunLost, LiveElsewhereAndEndedRunsAreLeftAlone) {
    TempDir scripts;
    add_run("alive");
    const pid_t supervisor = fake_supervisor(scripts.path(), "alive");
    Stopper stopper(supervisor);
    start("alive", supervisor, machine_id());
    add_run("elsewhere");
    start("elsewhere", dead_pid(), "11111111-2222-3333-4444-555555555555@another-host");
    add_run("young", 50'000);
    add_run("done");
    Ending ending;
    ending.status = Status::completed;
    ending.exit_code = 0;
    ASSERT_TRUE(finish(db(), "done", ending, at_ms(100)));

    auto reaped = reap_at(60'000);
    ASSERT_TRUE(reaped) << reaped.error().message;
    EXPECT_EQ(*reaped, 0);
    EXPECT_EQ(get("alive").status, Status::running);
    EXPECT_EQ(get("elsewhere").status, Status::running);
    EXPECT_EQ(get("young").status, Status::not_started);
    EXPECT_EQ(get("done").status, Status::completed);
    EXPECT_EQ(get("done").error, "");
}

TEST_F(RunLost, OnlyTheNamedRunIsChecked) {
    add_run("a");
    add_run("b");
    auto reaped = reap_at(60'000, "b");
    ASSERT_TRUE(reaped) << reaped.error().message;
    EXPECT_EQ(*reaped, 1);
    EXPECT_EQ(get("a").status, Status::not_started);
    EXPECT_EQ(get("b").status, Status::failed);
}

TEST_F(RunLost, LeftoverJobProcessesAreStopped) {
    const fs::path directory = add_run("r");
    start("r", dead_pid(), machine_id());
    const pid_t job = start_job_process("r", directory);
    ASSERT_GT(job, 0);
    Stopper stopper(job);
    ASSERT_TRUE(
        eventually([&] { return run_processes(get("r"), Host{}) == std::vector<pid_t>{job}; }));

    expect_reaped_and_killed(job, stopper);
}

TEST_F(RunLost, AnEndDecidedBeforeAResumeLeavesTheResumedRunAndItsProcessesAlone) {
    TempDir scripts;
    const fs::path directory = add_run("r");
    fs::create_directories(directory);
    start("r", dead_pid(), machine_id());
    const RunRecord seen = get("r");  // lost, as a reaper reads it
    // Meanwhile a resume gives it a new supervisor, whose work carries the run's identity.
    ASSERT_TRUE(reopen(db(), "r", at_ms(1000), "resumed"));
    const pid_t supervisor = fake_supervisor(scripts.path(), "r");
    Stopper supervisor_stopper(supervisor);
    ASSERT_TRUE(set_supervisor(db(), "r", supervisor, machine_id(), at_ms(1000)));
    const pid_t job = start_job_process("r", directory);
    ASSERT_GT(job, 0);
    Stopper job_stopper(job);
    ASSERT_TRUE(eventually([&] { return run_processes(get("r"), Host{}).size() == 1; }));

    test::FakeClock clock;
    clock.stamp_from = [] { return at_ms(2000); };
    test::FakeRunner runner;
    const Host host{.machine = machine_id()};
    SystemLog log(nullptr, clock);
    auto outcome = end_unsupervised(*m_workspace, seen, Ending::infrastructure("supervisor lost"),
                                    0ms, Seams{runner, host, clock, log});
    ASSERT_TRUE(outcome) << outcome.error().message;
    EXPECT_FALSE(outcome->ended);
    EXPECT_EQ(outcome->signalled, 0U);
    EXPECT_EQ(get("r").status, Status::preparing);
    EXPECT_EQ(get("r").supervisor_pid, supervisor);
    EXPECT_EQ(::kill(job, 0), 0) << "the resumed run's process was stopped";
}

TEST_F(RunLost, WhatIsInTheRunsCgroupIsStoppedWhateverItsEnvironment) {
    test::TempCgroup cgroups;
    if (cgroups.path().empty()) {
        GTEST_SKIP() << "cgroup v2 is not writable here: " << cgroups.why_not();
    }
    m_cgroups = cgroups.path();
    const fs::path directory = add_run("r");
    start("r", dead_pid(), machine_id());
    const Host host{.machine = machine_id(), .cgroups = m_cgroups};
    const auto cgroup = create_run_cgroup(host, directory, "r");
    ASSERT_TRUE(cgroup) << cgroup.error().message;
    EXPECT_EQ(*cgroup, run_cgroup(host, directory, "r"));
    // A daemon of the job: no FERRY_RUN_ID, a session of its own.
    const pid_t daemon = start_daemon();
    ASSERT_GT(daemon, 0);
    Stopper stopper(daemon);
    ASSERT_TRUE(util::add_to_cgroup(*cgroup, daemon));
    EXPECT_EQ(run_processes(get("r"), host), std::vector<pid_t>{daemon});

    expect_reaped_and_killed(daemon, stopper);
    EXPECT_FALSE(fs::exists(*cgroup));  // removed once empty
}

TEST_F(RunLost, WithoutACgroupTheRecordedTreeIsStopped) {
    const fs::path directory = add_run("r");
    start("r", dead_pid(), machine_id());
    const pid_t daemon = start_daemon();
    ASSERT_GT(daemon, 0);
    Stopper stopper(daemon);
    fs::create_directories(directory);
    ASSERT_TRUE(record_processes(directory, {daemon, dead_pid()}));
    EXPECT_EQ(recorded_processes(directory), std::vector<pid_t>{daemon});
    EXPECT_EQ(run_processes(get("r"), Host{}), std::vector<pid_t>{daemon});

    expect_reaped_and_killed(daemon, stopper);
    EXPECT_FALSE(fs::exists(processes_record(directory)));
}

TEST(RunTracking, ARecordedPidOfAnotherProcessIsNotTheRunsOne) {
    TempDir dir;
    const pid_t self = ::getpid();
    const auto started = start_time(self);
    ASSERT_TRUE(started);
    // The pid was reused: the start time differs.
    test::write_text(dir / "job_processes", fmt::format("{} {}\n", self, *started + 1));
    EXPECT_TRUE(recorded_processes(dir.path()).empty());
    test::write_text(dir / "job_processes", fmt::format("{} {}\nnot a line\n", self, *started));
    EXPECT_EQ(recorded_processes(dir.path()), std::vector<pid_t>{self});
    EXPECT_TRUE(recorded_processes(dir / "missing").empty());
}

TEST(RunTracking, CgroupsOfRunsDifferAcrossWorkspaces) {
    const Host host{.cgroups = fs::path("/sys/fs/cgroup/ferry")};
    const auto one = run_cgroup(host, "/home/a/ws1/runs/train", "train");
    const auto two = run_cgroup(host, "/home/a/ws2/runs/train", "train");
    ASSERT_TRUE(one && two);
    EXPECT_NE(*one, *two);
    EXPECT_EQ(one->parent_path(), fs::path("/sys/fs/cgroup/ferry"));
    EXPECT_TRUE(one->filename().string().ends_with("-train"));
    EXPECT_EQ(run_cgroup(Host{}, "/home/a/ws1/runs/train", "train"), std::nullopt);
}

}  // namespace
}  // namespace ferry::run
