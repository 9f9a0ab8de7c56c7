#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "../workspace_fixture.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::run {
namespace {

using test::TempDir;

Stamp at(std::int64_t seconds) {
    return {fmt::format("2026-01-01T00:00:{:02}.000Z", seconds),
            1'767'225'600'000 + seconds * 1000};
}

class CountUnfinishedTest : public test::WorkspaceTest {
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

TEST_F(CountUnfinishedTest, AnEmptyWorkspaceHasNone) {
    const auto none = count();
    EXPECT_EQ(none.active, 0);
    EXPECT_EQ(none.queued, 0);
}

TEST_F(CountUnfinishedTest, CountsWaitingAndActiveRunsOfEveryComputeButNotEndedOnes) {
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

}  // namespace
}  // namespace ferry::run
