// The run's state machine against a fake launcher, a fake preparation and a clock that moves
// only when waited on: no processes, no sleeps.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "fake_launcher.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/supervisor.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {
namespace {

using namespace std::chrono_literals;
using test::FakeClock;
using test::FakeLauncher;
using test::FakePreparation;
using test::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

JobPoll ends() {
    return {.state = JobPoll::State::ended};
}

class RunSupervisor : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_tmp / "ws", "", "2026-01-01T00:00:00Z"));
        auto opened = store::Workspace::open("ws", m_tmp / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
        m_log_file = std::fopen((m_tmp / "supervisor.log").c_str(), "w");
        ASSERT_NE(m_log_file, nullptr);
        m_log.emplace(m_log_file, m_clock);
        m_host.pid = 4242;
        m_host.machine = "boot@host";
        m_plan.command = "train";
    }
    void TearDown() override { std::fclose(m_log_file); }

    // Records a run named `name` (NotStarted), as submit does.
    RunRecord submit(const std::string& name = "r1") {
        const NewRun run{.name = name,
                         .display_name = name,
                         .experiment = "e",
                         .compute = "local",
                         .runtime = "host",
                         .command = m_plan.command,
                         .spec = Json::object(),
                         .plan = m_plan.to_json(),
                         .directory = run_directory(m_workspace->root(), name),
                         .submitted_by = "me@host"};
        auto recorded = insert_run(m_workspace->db(), run, m_clock.stamp());
        EXPECT_TRUE(recorded) << recorded.error().message;
        return *recorded;
    }

    // Carries the run to its end, as `ferry __supervise` does.
    bool supervise(const RunRecord& run) {
        const Seams seams{m_runner, m_host, m_clock, *m_log};
        Supervisor supervisor({*m_workspace, seams}, run, m_plan, m_launcher, m_preparation);
        return supervisor.run();
    }

    RunRecord record(const std::string& name = "r1") {
        auto found = get_run(m_workspace->db(), name, "ws");
        EXPECT_TRUE(found) << found.error().message;
        return *found;
    }

    std::vector<std::string> history(const std::string& name = "r1") {
        auto events = run_events(m_workspace->db(), record(name).seq);
        std::vector<std::string> statuses;
        for (const auto& event : *events) {
            statuses.emplace_back(status_name(event.status));
        }
        return statuses;
    }

    std::string system_log() {
        std::fflush(m_log_file);
        return util::read_file(m_tmp / "supervisor.log").value_or("");
    }

    TempDir m_tmp;
    std::optional<store::Workspace> m_workspace;
    std::FILE* m_log_file = nullptr;
    FakeClock m_clock;
    std::optional<SystemLog> m_log;
    test::FakeRunner m_runner;
    Host m_host;
    Plan m_plan;
    FakeLauncher m_launcher;
    FakePreparation m_preparation;
};

TEST_F(RunSupervisor, AJobThatEndsCompletesThroughEveryStatus) {
    m_launcher.on_poll = [](int poll, JobEvents&) { return poll == 3 ? ends() : JobPoll{}; };
    ASSERT_TRUE(supervise(submit()));
    const auto run = record();
    EXPECT_EQ(run.status, Status::completed);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(run.reason, EndReason::job);
    EXPECT_EQ(run.supervisor_pid, 4242);
    EXPECT_EQ(run.boot_id, "boot@host");
    EXPECT_THAT(history(), ElementsAre("NotStarted", "Queued", "Preparing", "Starting", "Running",
                                       "Finalizing", "Completed"));
    EXPECT_EQ(m_preparation.prepared, 1);
    ASSERT_EQ(m_launcher.started.size(), 1U);
    EXPECT_EQ(m_launcher.started[0].run, "r1");
    EXPECT_TRUE(m_launcher.stops.empty());
    EXPECT_THAT(m_launcher.finished, ElementsAre(EndReason::none));
    EXPECT_EQ(m_launcher.clean_ups, 1);
    EXPECT_LE(m_clock.longest_wait, 250ms);
}

TEST_F(RunSupervisor, CancelWhilePreparingNeverStartsTheJob) {
    const auto run = submit();
    m_preparation.hook = [&](const KeepGoing& keep_going) -> Result<void> {
        std::ignore = request_cancel(m_workspace->db(), "r1", 5, m_clock.stamp());
        if (!keep_going()) {
            return std::unexpected(Error{ExitCode::canceled, "canceled while preparing"});
        }
        return {};
    };
    ASSERT_TRUE(supervise(run));
    const auto ended = record();
    EXPECT_EQ(ended.status, Status::canceled);
    EXPECT_EQ(ended.error, "canceled before it started");
    EXPECT_EQ(ended.waited_exit_code(), to_int(ExitCode::canceled));
    EXPECT_TRUE(m_launcher.started.empty());
    EXPECT_THAT(system_log(), HasSubstr("canceled while preparing"));
}

TEST_F(RunSupervisor, ACancelAfterPreparingStillComesBeforeTheStart) {
    const auto run = submit();
    m_preparation.hook = [&](const KeepGoing&) -> Result<void> {
        TRY(request_cancel(m_workspace->db(), "r1", 5, m_clock.stamp()));
        return {};
    };
    ASSERT_TRUE(supervise(run));
    EXPECT_EQ(record().status, Status::canceled);
    EXPECT_TRUE(m_launcher.started.empty());
}

TEST_F(RunSupervisor, AFailedPreparationFailsTheRunAsInfrastructure) {
    m_preparation.hook = [](const KeepGoing&) -> Result<void> {
        return fail("preparing failed: input 'x': cannot copy a to b: No space left");
    };
    ASSERT_TRUE(supervise(submit()));
    const auto run = record();
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::infrastructure);
    EXPECT_EQ(run.error, "preparing failed: input 'x': cannot copy a to b: No space left");
    EXPECT_EQ(run.waited_exit_code(), 125);
    EXPECT_TRUE(m_launcher.started.empty());
    EXPECT_EQ(m_launcher.clean_ups, 1);
}

TEST_F(RunSupervisor, ALauncherThatFailsToStartFailsTheRun) {
    m_launcher.start_error = "mpirun is not on PATH: an mpi distribution needs Open MPI";
    ASSERT_TRUE(supervise(submit()));
    const auto run = record();
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::infrastructure);
    EXPECT_EQ(run.error, "mpirun is not on PATH: an mpi distribution needs Open MPI");
    EXPECT_EQ(run.waited_exit_code(), 125);
    EXPECT_EQ(m_launcher.polls, 0);
    EXPECT_TRUE(m_launcher.finished.empty());
    EXPECT_EQ(m_launcher.clean_ups, 1);
    EXPECT_THAT(history(),
                ElementsAre("NotStarted", "Queued", "Preparing", "Finalizing", "Failed"));
}

TEST_F(RunSupervisor, TimeoutWhileRunningStopsTheJob) {
    m_plan.timeout = 5;
    m_launcher.exit_code = 143;
    ASSERT_TRUE(supervise(submit()));
    const auto run = record();
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::timeout);
    EXPECT_EQ(run.error, "timeout: limits.timeout of 5 s reached");
    EXPECT_EQ(run.exit_code, 143);
    EXPECT_EQ(run.waited_exit_code(), to_int(ExitCode::timeout));
    EXPECT_THAT(m_launcher.stops, ElementsAre(Pair(10, "limits.timeout of 5 s reached")));
    EXPECT_THAT(m_launcher.finished, ElementsAre(EndReason::timeout));
    // About 5 s of 100 ms ticks, not more.
    EXPECT_GE(m_launcher.polls, 45);
    EXPECT_LE(m_launcher.polls, 55);
}

TEST_F(RunSupervisor, TheTimeoutCountsFromRunningNotFromQueued) {
    m_plan.timeout = 2;
    m_launcher.traits_value.queues_jobs = true;
    // The scheduler keeps the job queued for 10 s, then runs it.
    m_launcher.on_poll = [](int poll, JobEvents& events) {
        if (poll == 100) {
            events.entered(JobPhase::running, "fake job 1 on n1");
        }
        return JobPoll{};
    };
    ASSERT_TRUE(supervise(submit()));
    EXPECT_EQ(record().reason, EndReason::timeout);
    EXPECT_GE(m_launcher.polls, 115);
    EXPECT_THAT(history(), ElementsAre("NotStarted", "Preparing", "Queued", "Starting", "Running",
                                       "Finalizing", "Failed"));
}

TEST_F(RunSupervisor, AFailingRankStopsTheOthersWithTheDefaultGrace) {
    m_launcher.on_poll = [](int poll, JobEvents&) {
        return poll == 4 ? JobPoll{.state = JobPoll::State::failing,
                                   .why = "rank 1 exited with exit code 3"}
                         : JobPoll{};
    };
    m_launcher.exit_code = 3;
    ASSERT_TRUE(supervise(submit()));
    const auto run = record();
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.reason, EndReason::job);
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.waited_exit_code(), 3);
    EXPECT_THAT(m_launcher.stops, ElementsAre(Pair(10, "rank 1 exited with exit code 3")));
    EXPECT_THAT(m_launcher.finished, ElementsAre(EndReason::job));
}

TEST_F(RunSupervisor, ACancelWhileRunningUsesItsGrace) {
    const auto run = submit();
    // `ferry run cancel --grace 7`: the request, then SIGUSR1.
    m_clock.on_wait = [&](int wait) {
        if (wait == 6) {
            std::ignore = request_cancel(m_workspace->db(), "r1", 7, m_clock.stamp());
            return SIGUSR1;
        }
        return 0;
    };
    m_launcher.exit_code = 143;
    ASSERT_TRUE(supervise(run));
    const auto ended = record();
    EXPECT_EQ(ended.status, Status::canceled);
    EXPECT_EQ(ended.error, "canceled on request");
    EXPECT_EQ(ended.exit_code, 143);
    EXPECT_THAT(m_launcher.stops, ElementsAre(Pair(7, "cancel requested")));
    EXPECT_THAT(m_launcher.finished, ElementsAre(EndReason::canceled));
    EXPECT_THAT(history(), ElementsAre("NotStarted", "Queued", "Preparing", "Starting", "Running",
                                       "CancelRequested", "Canceled"));
}

TEST_F(RunSupervisor, SigtermToTheSupervisorCancelsTheRun) {
    m_clock.on_wait = [](int wait) { return wait == 3 ? SIGTERM : 0; };
    ASSERT_TRUE(supervise(submit()));
    EXPECT_EQ(record().status, Status::canceled);
    EXPECT_EQ(record().cancel_grace, k_default_grace_seconds);
    EXPECT_THAT(m_launcher.stops, ElementsAre(Pair(10, "cancel requested")));
    EXPECT_THAT(system_log(), HasSubstr("signal 15 received: canceling the run"));
}

// A stop that waits long (a cluster's grace, a silent controller) keeps the heartbeat going:
// the run never looks NotResponding, and followers do not take its supervisor for lost.
TEST_F(RunSupervisor, TheHeartbeatGoesOnWhileALauncherWaits) {
    m_plan.timeout = 1;
    m_launcher.on_stop = [&](JobEvents& events) {
        for (int i = 0; i < 240; ++i) {  // 60 s
            m_clock.advance(250ms);
            events.alive();
        }
    };
    ASSERT_TRUE(supervise(submit()));
    const auto run = record();
    ASSERT_TRUE(run.heartbeat_ms);
    EXPECT_GE(*run.heartbeat_ms, m_clock.stamp().ms - 2'000);
    // Had the beat stopped with the stop, the run would have shown NotResponding meanwhile.
    RunRecord during = run;
    during.status = Status::running;
    EXPECT_EQ(shown_status(during, m_clock.stamp().ms), Status::running);
}

TEST_F(RunSupervisor, QueuedUntilTheRunHoldingTheSlotEnds) {
    ASSERT_TRUE(transition(m_workspace->db(), submit("first").name, {Status::not_started},
                           Status::queued, m_clock.stamp()));
    ASSERT_TRUE(*claim_slot(m_workspace->db(), "first", 1, m_clock.stamp()));
    const auto second = submit("second");
    m_clock.on_wait = [&](int wait) {
        if (wait == 8) {
            std::ignore =
                finish(m_workspace->db(), "first", Ending::of_job(0, ""), m_clock.stamp());
            return SIGUSR2;
        }
        return 0;
    };
    m_launcher.on_poll = [](int, JobEvents&) { return ends(); };
    ASSERT_TRUE(supervise(second));
    EXPECT_EQ(record("second").status, Status::completed);
    EXPECT_EQ(m_preparation.prepared, 1);
    EXPECT_THAT(system_log(), HasSubstr("queued: compute 'local' runs 1 at once"));
}

TEST_F(RunSupervisor, CancelWhileQueued) {
    ASSERT_TRUE(transition(m_workspace->db(), submit("first").name, {Status::not_started},
                           Status::queued, m_clock.stamp()));
    ASSERT_TRUE(*claim_slot(m_workspace->db(), "first", 1, m_clock.stamp()));
    const auto second = submit("second");
    m_clock.on_wait = [](int wait) { return wait == 4 ? SIGINT : 0; };
    ASSERT_TRUE(supervise(second));
    EXPECT_EQ(record("second").status, Status::canceled);
    EXPECT_EQ(record("second").error, "canceled before it started");
    EXPECT_EQ(m_preparation.prepared, 0);
    EXPECT_THAT(system_log(), HasSubstr("canceled while queued"));
}

TEST_F(RunSupervisor, ARunEndedElsewhereWhileQueuedStopsWaiting) {
    ASSERT_TRUE(transition(m_workspace->db(), submit("first").name, {Status::not_started},
                           Status::queued, m_clock.stamp()));
    ASSERT_TRUE(*claim_slot(m_workspace->db(), "first", 1, m_clock.stamp()));
    const auto second = submit("second");
    m_clock.on_wait = [&](int wait) {
        if (wait == 3) {
            std::ignore = finish(m_workspace->db(), "second",
                                 Ending::infrastructure("ended by someone else"), m_clock.stamp());
        }
        return 0;
    };
    ASSERT_TRUE(supervise(second));
    EXPECT_EQ(record("second").error, "ended by someone else");
    EXPECT_EQ(m_preparation.prepared, 0);
    EXPECT_LE(m_clock.waits, 4);
}

TEST_F(RunSupervisor, NothingEscapesTheSupervisor) {
    const auto run = submit();
    const Seams seams{m_runner, m_host, m_clock, *m_log};
    const int status = run_guarded(*m_workspace, run.name, seams, []() -> Result<int> {
        throw std::runtime_error("the disk caught fire");
    });
    EXPECT_EQ(status, 1);
    const auto ended = record();
    EXPECT_EQ(ended.status, Status::failed);
    EXPECT_EQ(ended.reason, EndReason::infrastructure);
    EXPECT_EQ(ended.error, "supervisor error: the disk caught fire");
    EXPECT_EQ(ended.waited_exit_code(), 125);

    const auto other = submit("r2");
    EXPECT_EQ(
        run_guarded(*m_workspace, other.name, seams,
                    []() -> Result<int> { return fail("the run's recorded plan is damaged"); }),
        1);
    EXPECT_EQ(record("r2").error, "the run's recorded plan is damaged");
}

}  // namespace
}  // namespace ferry::run
