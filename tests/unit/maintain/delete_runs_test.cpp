#include "ferry/maintain/delete_runs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/maintain/gc.hpp"
#include "maintain_fixture.hpp"

namespace ferry::maintain {
namespace {

class DeleteRuns : public MaintainTest {
protected:
    void end(const std::string& name, run::Ending ending, std::int64_t at_ms) {
        auto ended =
            run::finish(workspace().db(), name, ending, {"2026-01-01T00:00:00.000Z", at_ms});
        ASSERT_TRUE(ended && *ended);
    }

    std::vector<std::string> selected(const RunSelection& selection) {
        auto runs = select_runs(workspace().db(), selection, "t");
        EXPECT_TRUE(runs) << runs.error().message;
        std::vector<std::string> names;
        for (const auto& one : runs ? *runs : std::vector<run::RunRecord>{}) {
            names.push_back(one.name);
        }
        return names;
    }
};

TEST_F(DeleteRuns, AnEndedRunGoesAndGcThenCollectsItsBlobs) {
    add_run("r");
    test::write_text(m_dir / "ws/runs/r/user_logs/std_log.txt", "log\n");
    end("r", run::Ending::of_job(0, ""), 1000);
    auto runs = select_runs(workspace().db(), {.names = {"r"}}, "t");
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(runs->size(), 1U);
    ASSERT_TRUE(delete_run(workspace(), runs->front()));

    auto gone = run::find_run(workspace().db(), "r");
    ASSERT_TRUE(gone);
    EXPECT_FALSE(*gone);
    auto events =
        workspace().db().query_one("SELECT count(*) FROM run_events", store::first_integer);
    ASSERT_TRUE(events && *events);
    EXPECT_EQ(**events, 0);
    EXPECT_FALSE(fs::exists(m_dir / "ws/runs/r"));
    auto collected = collect_garbage(workspace(), {}, std::chrono::system_clock::now());
    ASSERT_TRUE(collected) << collected.error().message;
    EXPECT_EQ(collected->orphans.files, 3U);  // the snapshot's manifest and two files
}

TEST_F(DeleteRuns, AnActiveRunIsRefusedBeforeAnythingIsDeleted) {
    add_run("done");
    end("done", run::Ending::of_job(0, ""), 1000);
    add_run("live");
    auto runs = select_runs(workspace().db(), {.names = {"done", "live"}}, "t");
    ASSERT_FALSE(runs);
    EXPECT_EQ(runs.error().message,
              "run live is NotStarted: only ended runs are deleted (cancel it first: ferry run "
              "cancel live)");
    auto missing = select_runs(workspace().db(), {.names = {"nope"}}, "t");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "no run named 'nope' in workspace 't' (see 'ferry run list')");
}

TEST_F(DeleteRuns, FiltersChooseEndedRunsByAgeAndStatus) {
    add_run("old_ok");
    end("old_ok", run::Ending::of_job(0, ""), 1000);
    add_run("old_failed");
    end("old_failed", run::Ending::of_job(3, "exit 3"), 2000);
    add_run("new_failed");
    end("new_failed", run::Ending::of_job(3, "exit 3"), 9000);
    add_run("live");

    using ::testing::UnorderedElementsAre;
    EXPECT_THAT(selected({.ended_before_ms = 5000}), UnorderedElementsAre("old_ok", "old_failed"));
    EXPECT_THAT(selected({.status = run::Status::failed}),
                UnorderedElementsAre("old_failed", "new_failed"));
    EXPECT_THAT(selected({.ended_before_ms = 5000, .status = run::Status::failed}),
                UnorderedElementsAre("old_failed"));
    auto live = select_runs(workspace().db(), {.status = run::Status::running}, "t");
    ASSERT_FALSE(live);
    EXPECT_EQ(live.error().code, ExitCode::usage);
}

}  // namespace
}  // namespace ferry::maintain
