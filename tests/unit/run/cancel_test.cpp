#include <sys/wait.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "../workspace_fixture.hpp"
#include "fake_launcher.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::run {
namespace {

using test::TempDir;

Stamp at(std::int64_t seconds) {
    return {fmt::format("2026-01-01T00:00:{:02}.000Z", seconds),
            1'767'225'600'000 + seconds * 1000};
}

class RunCancel : public test::WorkspaceTest {
protected:
    void insert(const std::string& name, std::string compute = "local") {
        NewRun run;
        run.name = name;
        run.experiment = "exp";
        run.compute = std::move(compute);
        run.runtime = "host";
        run.command = "true";
        run.spec = Json::object();
        run.plan = Json::object();
        run.directory = m_dir.path() / "runs" / name;
        auto inserted = insert_run(db(), run, at(0));
        ASSERT_TRUE(inserted) << inserted.error().message;
    }
    void move(const std::string& name, Status from, Status to) {
        auto moved = transition(db(), name, {from}, to, at(1));
        ASSERT_TRUE(moved && *moved);
    }
    UnfinishedCount count() {
        auto counted = count_unfinished(db());
        EXPECT_TRUE(counted) << counted.error().message;
        return counted ? *counted : UnfinishedCount{.active = -1, .queued = -1};
    }
};

TEST_F(RunCancel, AnEmptyWorkspaceHasNone) {
    const auto none = count();
    EXPECT_EQ(none.active, 0);
    EXPECT_EQ(none.queued, 0);
}

TEST_F(RunCancel, CountsWaitingAndActiveRunsOfEveryComputeButNotEndedOnes) {
    insert("new");
    insert("queued", "cluster");
    move("queued", Status::not_started, Status::queued);
    insert("running", "cluster");
    move("running", Status::not_started, Status::running);
    insert("stopping");
    move("stopping", Status::not_started, Status::cancel_requested);
    insert("done");
    ASSERT_TRUE(finish(db(), "done", Ending::of_job(0, ""), at(2)));
    const auto counted = count();
    EXPECT_EQ(counted.queued, 2);
    EXPECT_EQ(counted.active, 2);
}

// The pid of a process that has exited and been reaped.
pid_t dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::_exit(0);
    }
    ::waitpid(pid, nullptr, 0);
    return pid;
}

TEST_F(RunCancel, StoppingRunsWhoseSupervisorsAreGoneEndsThemWithoutWaiting) {
    test::FakeClock clock;
    test::FakeRunner runner;
    const Host host{.machine = machine_id()};
    SystemLog log(nullptr, clock);
    const Seams seams{runner, host, clock, log};
    for (const std::string name : {"a", "b", "c"}) {
        insert(name);
        move(name, Status::not_started, Status::running);
        ASSERT_TRUE(set_supervisor(db(), name, dead_pid(), machine_id(), at(1)));
    }
    const auto started = clock.now();
    std::vector<std::string> stopping;
    auto outcomes = stop_runs(
        *m_workspace, [](const RunRecord&) { return true; }, seams,
        [&](const std::string& name) { stopping.push_back(name); });
    ASSERT_TRUE(outcomes) << outcomes.error().message;
    EXPECT_EQ(stopping, (std::vector<std::string>{"a", "b", "c"}));
    ASSERT_EQ(outcomes->size(), 3U);
    for (const auto& outcome : *outcomes) {
        // Found lost while waiting: ended as the reaper ends a lost run, at once.
        EXPECT_EQ(outcome.run.status, Status::failed) << outcome.run.name;
        EXPECT_FALSE(outcome.forced) << outcome.run.name;
        EXPECT_EQ(outcome.run.error,
                  fmt::format("supervisor lost (pid {} is gone or the machine restarted); logs "
                              "and outputs so far are kept",
                              outcome.run.supervisor_pid.value_or(0)));
    }
    EXPECT_LT(clock.now() - started, std::chrono::seconds(CancelWait{}.grace_seconds));
    EXPECT_EQ(count().active, 0);
}

}  // namespace
}  // namespace ferry::run
