#include "ferry/run/query.hpp"

#include <gtest/gtest.h>

#include "../workspace_fixture.hpp"
#include "ferry/run/record.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {
namespace {

Stamp at(std::int64_t seconds) {
    return {fmt::format("2026-01-01T00:00:{:02}.000Z", seconds),
            1'767'225'600'000 + seconds * 1000};
}

class QueryTest : public test::WorkspaceTest {
protected:
    void insert(const std::string& name, std::int64_t second, const std::string& experiment) {
        NewRun run;
        run.name = name;
        run.display_name = name;
        run.experiment = experiment;
        run.compute = "local";
        run.runtime = "host";
        run.command = "true";
        run.spec = Json::object();
        run.plan = Json::object();
        run.directory = m_dir.path() / "runs" / name;
        run.submitted_by = "tester";
        ASSERT_TRUE(insert_run(db(), run, at(second)));
    }

    Result<ListedRuns> list(const ListQuery& query) {
        return list_records(*m_workspace, query, at(30).ms);
    }
};

TEST_F(QueryTest, ListsTheRunsWithTheCountBeforeTheLimit) {
    insert("a", 1, "x");
    insert("b", 2, "x");
    insert("c", 3, "y");
    auto listed = list({.experiment = "x", .max_results = 1});
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_EQ(listed->records.size(), 1U);
    EXPECT_EQ(listed->records[0]["name"], "b");  // newest first
    EXPECT_EQ(listed->total, 2);
    EXPECT_FALSE(listed->ordered);
    listed = list({.all = true, .order_by = "attributes.run_name ASC"});
    ASSERT_TRUE(listed) << listed.error().message;
    EXPECT_EQ(listed->records.size(), 3U);
    EXPECT_EQ(listed->records[0]["name"], "a");
    EXPECT_TRUE(listed->ordered);
}

TEST_F(QueryTest, ErrorsNameTheOptionAndAreUsageErrors) {
    const auto expect_usage = [&](const ListQuery& query, std::string_view message) {
        const auto listed = list(query);
        ASSERT_FALSE(listed);
        EXPECT_EQ(listed.error().code, ExitCode::usage);
        EXPECT_TRUE(listed.error().message.starts_with(message)) << listed.error().message;
    };
    expect_usage({.filter = "metrics.acc >"}, "--filter: ");
    expect_usage({.order_by = "sideways"}, "--order-by: ");
    expect_usage({.columns = "attributes.status"}, "--columns: 'status'");
    expect_usage({.max_results = 0}, "--max-results must be at least 1 (got 0)");
    expect_usage({.status = "Bogus"}, "unknown status 'Bogus'");
    expect_usage({.tags = {"=x"}}, "--tag '=x': give KEY=VALUE");
    const auto unknown_parent = list({.parent = "nope"});
    ASSERT_FALSE(unknown_parent);
    EXPECT_TRUE(unknown_parent.error().message.starts_with("no run named 'nope'"));
}

TEST_F(QueryTest, RunsChangedAfterAnEventAreNamedOnceWithTheNewestEvent) {
    auto none = runs_changed_after(db(), 0);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->last, 0);
    EXPECT_TRUE(none->runs.empty());
    insert("a", 1, "x");
    insert("b", 2, "x");
    auto changes = runs_changed_after(db(), 0);
    ASSERT_TRUE(changes);
    EXPECT_EQ(changes->runs, (std::vector<std::string>{"a", "b"}));
    const auto seen = changes->last;
    ASSERT_TRUE(transition(db(), "b", {Status::not_started}, Status::queued, at(3)));
    ASSERT_TRUE(transition(db(), "b", {Status::queued}, Status::preparing, at(4)));
    changes = runs_changed_after(db(), seen);
    ASSERT_TRUE(changes);
    EXPECT_EQ(changes->runs, (std::vector<std::string>{"b"}));
    EXPECT_GT(changes->last, seen);
    changes = runs_changed_after(db(), changes->last);
    ASSERT_TRUE(changes);
    EXPECT_TRUE(changes->runs.empty());
}

TEST_F(QueryTest, ARunAfterTheNewestWasDeletedIsSeenAsChanged) {
    insert("a", 1, "x");
    insert("b", 2, "x");
    auto changes = runs_changed_after(db(), 0);
    ASSERT_TRUE(changes);
    const auto seen = changes->last;
    // `run delete b`: its events go with it; c's must still come after what was seen.
    ASSERT_TRUE(
        db().exec("DELETE FROM run_events WHERE run = (SELECT seq FROM runs WHERE name = 'b');"
                  "DELETE FROM runs WHERE name = 'b'"));
    insert("c", 3, "x");
    changes = runs_changed_after(db(), seen);
    ASSERT_TRUE(changes);
    EXPECT_EQ(changes->runs, (std::vector<std::string>{"c"}));
    EXPECT_GT(changes->last, seen);
}

TEST_F(QueryTest, LogTailIsTheLastLinesOfAtMost16KiB) {
    const auto path = m_dir.path() / "log.txt";
    ASSERT_TRUE(util::write_file_atomic(path, "one\ntwo\nthree\n", 0644, util::Durable::no));
    EXPECT_EQ(log_tail(path, 2), "two\nthree\n");
    EXPECT_EQ(log_tail(m_dir.path() / "missing.txt", 2), "");
    ASSERT_TRUE(util::write_file_atomic(path, std::string(20000, 'x'), 0644, util::Durable::no));
    EXPECT_EQ(log_tail(path, 1).size(), 16384U);
}

}  // namespace
}  // namespace ferry::run
