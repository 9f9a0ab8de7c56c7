#include "../../../src/ui/live.hpp"

#include <gtest/gtest.h>

#include "../workspace_fixture.hpp"
#include "ferry/run/query.hpp"
#include "ferry/run/record.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::ui {
namespace {

run::Stamp at(std::int64_t seconds) {
    return {fmt::format("2026-01-01T00:00:{:02}.000Z", seconds),
            1'767'225'600'000 + seconds * 1000};
}

// The events of a stream's text: (name, data) in order.
std::vector<std::pair<std::string, Json>> events_of(const std::string& text) {
    std::vector<std::pair<std::string, Json>> events;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = text.find("\n\n", at);
        const std::string event = text.substr(at, end - at);
        const auto newline = event.find('\n');
        EXPECT_TRUE(event.starts_with("event: ")) << event;
        EXPECT_EQ(event.substr(newline + 1, 6), "data: ") << event;
        events.emplace_back(event.substr(7, newline - 7), Json::parse(event.substr(newline + 7)));
        at = end + 2;
    }
    return events;
}

class LiveTest : public test::WorkspaceTest {
protected:
    void SetUp() override {
        WorkspaceTest::SetUp();
        run::NewRun run;
        run.name = "r";
        run.display_name = "r";
        run.experiment = "x";
        run.compute = "local";
        run.runtime = "host";
        run.command = "true";
        run.spec = Json::object();
        run.plan = Json::object();
        run.directory = m_dir.path() / "runs" / "r";
        run.submitted_by = "tester";
        ASSERT_TRUE(run::insert_run(db(), run, at(1)));
        ASSERT_TRUE(util::create_directories(run.directory / "user_logs", 0755));
    }

    void write_log(std::string_view text) {
        ASSERT_TRUE(util::write_file_atomic(m_dir.path() / "runs/r/user_logs/std_log.txt", text,
                                            0644, util::Durable::no));
    }

    std::string tick(RunFeed& feed) {
        auto looked = feed.look(*m_workspace);
        EXPECT_TRUE(looked) << looked.error().message;
        return (looked ? *looked : "") + feed.read_logs();
    }

    NowMs m_now = [] { return at(20).ms; };
};

TEST_F(LiveTest, ARunsStreamSendsItsStatusPointsWholeLinesThenItsEnd) {
    RunFeed feed("r", m_now);
    write_log("one\ntw");
    auto events = events_of(tick(feed));
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[0].first, "status");
    EXPECT_EQ(events[0].second["status"], "NotStarted");
    EXPECT_EQ(events[1].first, "log");
    EXPECT_EQ(events[1].second["log"], "user_logs/std_log.txt");
    EXPECT_EQ(events[1].second["lines"], Json::array({"one"}));
    EXPECT_EQ(tick(feed), "");  // nothing new: the piece of a line waits

    ASSERT_TRUE(
        run::transition(db(), "r", {run::Status::not_started}, run::Status::running, at(2)));
    track::Batch batch;
    batch.metrics = {{"loss", 0.5, at(3).ms, 1}, {"loss", 0.25, at(4).ms, 2}};
    ASSERT_TRUE(track::log_batch(db(), "r", batch));
    write_log("one\ntwo\nthree");
    events = events_of(tick(feed));
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].second["status"], "Running");
    EXPECT_EQ(events[1].first, "metric");
    EXPECT_EQ(events[1].second.size(), 2U);
    EXPECT_EQ(events[1].second[1]["value"], 0.25);
    EXPECT_EQ(events[1].second[1]["step"], 2);
    EXPECT_EQ(events[2].second["lines"], Json::array({"two"}));
    EXPECT_FALSE(feed.ended());

    // Once the run has ended its last piece goes too, then the end.
    ASSERT_TRUE(run::finish(db(), "r", run::Ending::of_job(0, ""), at(5)));
    events = events_of(tick(feed));
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].second["status"], "Completed");
    EXPECT_EQ(events[1].second["lines"], Json::array({"three"}));
    EXPECT_EQ(events[2].first, "end");
    EXPECT_TRUE(feed.ended());
}

TEST_F(LiveTest, ALongLogIsSentFromTheFirstWholeLineOfItsLastMiB) {
    std::string text;
    for (int i = 0; text.size() < (3U << 20) / 2; ++i) {
        text += fmt::format("line {:07}\n", i);
    }
    write_log(text);
    RunFeed feed("r", m_now);
    std::vector<std::string> lines;
    std::uint64_t skipped = 0;
    for (int i = 0; i < 10; ++i) {
        for (const auto& [name, data] : events_of(tick(feed))) {
            if (name == "log") {
                skipped = std::max<std::uint64_t>(skipped, data["skipped"].get<std::uint64_t>());
                for (const auto& line : data["lines"]) {
                    lines.push_back(line);
                }
            }
        }
    }
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.back(), text.substr(text.size() - 13, 12));
    EXPECT_EQ(skipped + lines.size() * 13, text.size());
    EXPECT_EQ(lines.front().substr(0, 5), "line ");
}

TEST_F(LiveTest, TheRunsFeedNamesEachChangedRunOnceWithItsRecord) {
    auto changes = run::runs_changed_after(db(), 0);
    ASSERT_TRUE(changes);
    RunsFeed feed(changes->last, m_now);
    auto looked = feed.look(*m_workspace);
    ASSERT_TRUE(looked);
    EXPECT_EQ(*looked, "");
    ASSERT_TRUE(run::transition(db(), "r", {run::Status::not_started}, run::Status::queued, at(2)));
    ASSERT_TRUE(run::transition(db(), "r", {run::Status::queued}, run::Status::running, at(3)));
    looked = feed.look(*m_workspace);
    ASSERT_TRUE(looked);
    const auto events = events_of(*looked);
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].first, "runs");
    ASSERT_EQ(events[0].second["runs"].size(), 1U);
    EXPECT_EQ(events[0].second["runs"][0]["name"], "r");
    EXPECT_EQ(events[0].second["runs"][0]["status"], "Running");
    looked = feed.look(*m_workspace);
    ASSERT_TRUE(looked);
    EXPECT_EQ(*looked, "");
}

}  // namespace
}  // namespace ferry::ui
