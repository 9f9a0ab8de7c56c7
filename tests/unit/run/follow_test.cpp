#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "../workspace_fixture.hpp"
#include "fake_launcher.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {
namespace {

const std::vector<LogSource> k_one_log = {{"user_logs/std_log.txt", ""}};

using test::TempDir;
using test::write_text;
using ::testing::HasSubstr;

constexpr std::int64_t k_t0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

std::string tail(std::string_view text, std::size_t lines) {
    return std::string(text.substr(tail_offset(text, lines)));
}

TEST(RunFollowTail, ZeroLinesIsTheEnd) {
    EXPECT_EQ(tail_offset("a\nb\n", 0), 4U);
    EXPECT_EQ(tail_offset("a\nb", 0), 3U);
    EXPECT_EQ(tail_offset("", 0), 0U);
}

TEST(RunFollowTail, LastLinesWithATrailingNewline) {
    EXPECT_EQ(tail("a\nb\nc\n", 1), "c\n");
    EXPECT_EQ(tail("a\nb\nc\n", 2), "b\nc\n");
    EXPECT_EQ(tail("a\nb\nc\n", 3), "a\nb\nc\n");
}

TEST(RunFollowTail, LastLinesWithoutATrailingNewline) {
    EXPECT_EQ(tail("a\nb\nc", 1), "c");
    EXPECT_EQ(tail("a\nb\nc", 2), "b\nc");
    EXPECT_EQ(tail("a\nb\nc", 3), "a\nb\nc");
}

TEST(RunFollowTail, MoreLinesThanThereAreIsEverything) {
    EXPECT_EQ(tail_offset("a\nb\nc\n", 4), 0U);
    EXPECT_EQ(tail_offset("a\nb\nc", 100), 0U);
    EXPECT_EQ(tail_offset("one line\n", 2), 0U);
    EXPECT_EQ(tail_offset("one line", 1), 0U);
}

TEST(RunFollowTail, LinesAcrossBlocksAreFoundReadingBackwards) {
    const std::string long_line(k_log_block * 2 + 7, 'x');
    const std::string text = "first\n" + long_line + "\nlast\n";
    EXPECT_EQ(tail(text, 1), "last\n");
    EXPECT_EQ(tail(text, 2), long_line + "\nlast\n");
    EXPECT_EQ(tail_offset(text, 3), 0U);
    std::size_t read = 0;
    const auto offset = tail_offset(text.size(), 1, [&](std::uint64_t at, std::size_t length) {
        EXPECT_LE(length, k_log_block);
        read += length;
        return std::string_view(text).substr(at, length);
    });
    EXPECT_EQ(offset, text.size() - 5);
    EXPECT_EQ(read, std::min(text.size(), k_log_block));  // one block from the end
}

TEST(RunFollowTail, EmptyText) {
    EXPECT_EQ(tail_offset("", 1), 0U);
    EXPECT_EQ(tail_offset("", 10), 0U);
}

TEST(RunFollowTail, EmptyLinesCount) {
    EXPECT_EQ(tail("a\n\n\n", 1), "\n");
    EXPECT_EQ(tail("a\n\n\n", 2), "\n\n");
    EXPECT_EQ(tail("\n", 1), "\n");
}

class RunFollow : public test::WorkspaceTest {
protected:
    void SetUp() override {
        WorkspaceTest::SetUp();
        m_clock.stamp_from = [this] { return Stamp{"2026-01-01T00:00:05.000Z", m_now}; };
        m_options.seams = &m_seams;
        m_options.status_changed = [this](Status status) { m_seen.push_back(status); };
    }

    // A run recorded at k_t0, with its log.
    void add_run(const std::string& name, std::optional<std::string_view> log) {
        NewRun run;
        run.name = name;
        run.experiment = "exp";
        run.compute = "local";
        run.directory = run_directory(m_dir.path(), name);
        auto inserted = insert_run(m_workspace->db(), run, Stamp{"2026-01-01T00:00:00.000Z", k_t0});
        ASSERT_TRUE(inserted) << inserted.error().message;
        if (log) {
            write_text(std_log(run.directory), *log);
        }
    }

    void complete(const std::string& name) {
        Ending ending;
        ending.status = Status::completed;
        ending.exit_code = 0;
        auto ended = finish(m_workspace->db(), name, ending, {"2026-01-01T00:00:02.000Z", k_t0});
        ASSERT_TRUE(ended && *ended);
    }

    std::optional<RunRecord> stream(const std::string& name, std::optional<std::size_t> lines) {
        auto streamed = stream_log(*m_workspace, name, m_out, lines, m_options, k_one_log);
        EXPECT_TRUE(streamed) << streamed.error().message;
        return streamed ? *streamed : std::nullopt;
    }

    test::FakeClock m_clock;
    test::FakeRunner m_runner;
    Host m_host{.machine = machine_id()};
    SystemLog m_log{nullptr, m_clock};
    Seams m_seams{m_runner, m_host, m_clock, m_log};
    FollowOptions m_options;
    std::int64_t m_now = k_t0 + 1000;
    std::vector<Status> m_seen;
    std::ostringstream m_out;
};

TEST_F(RunFollow, StreamOfAnEndedRunIsItsWholeLog) {
    add_run("r", "one\ntwo\nthree\n");
    complete("r");
    const auto run = stream("r", std::nullopt);
    ASSERT_TRUE(run);
    EXPECT_EQ(run->status, Status::completed);
    EXPECT_EQ(m_out.str(), "one\ntwo\nthree\n");
    EXPECT_EQ(m_seen, (std::vector<Status>{Status::completed}));
}

TEST_F(RunFollow, StreamWithTailGivesTheLastLines) {
    add_run("r", "one\ntwo\nthree\n");
    complete("r");
    ASSERT_TRUE(stream("r", 2));
    EXPECT_EQ(m_out.str(), "two\nthree\n");
}

TEST_F(RunFollow, StreamWithTailZeroGivesNothing) {
    add_run("r", "one\ntwo\n");
    complete("r");
    ASSERT_TRUE(stream("r", 0));
    EXPECT_EQ(m_out.str(), "");
}

TEST_F(RunFollow, AnUnendedLastLineIsEndedAtTheEnd) {
    add_run("r", "one\ntwo");
    complete("r");
    ASSERT_TRUE(stream("r", std::nullopt));
    EXPECT_EQ(m_out.str(), "one\ntwo\n");
}

TEST_F(RunFollow, AnUnendedLastLineWithTail) {
    add_run("r", "one\ntwo\nthree");
    complete("r");
    ASSERT_TRUE(stream("r", 2));
    EXPECT_EQ(m_out.str(), "two\nthree\n");
}

TEST_F(RunFollow, StreamOfAnEndedRunWithoutLog) {
    add_run("r", std::nullopt);
    complete("r");
    ASSERT_TRUE(stream("r", std::nullopt));
    EXPECT_EQ(m_out.str(), "");
}

TEST_F(RunFollow, EveryRankPrefixedWholeLinesAtATime) {
    add_run("r", std::nullopt);
    const fs::path dir = run_directory(m_dir.path(), "r");
    write_text(dir / "user_logs/std_log_process_0.txt", "a\nb\n");
    write_text(dir / "user_logs/std_log_process_1.txt", "c\nunfinished");
    complete("r");
    auto streamed = stream_log(*m_workspace, "r", m_out, std::nullopt, m_options,
                               {{"user_logs/std_log_process_0.txt", "[rank 0] "},
                                {"user_logs/std_log_process_1.txt", "[rank 1] "}});
    ASSERT_TRUE(streamed && *streamed);
    EXPECT_EQ(m_out.str(), "[rank 0] a\n[rank 0] b\n[rank 1] c\n[rank 1] unfinished\n");
}

// JSON Lines: each line one object with its log, rank and text; a line longer than a block
// goes out in pieces marked partial, and bytes that are not UTF-8 become U+FFFD.
TEST_F(RunFollow, JsonLinesAreOneObjectALine) {
    add_run("r", std::nullopt);
    const fs::path dir = run_directory(m_dir.path(), "r");
    const std::string long_line(2 * k_log_block + 10, 'x');
    write_text(dir / "user_logs/std_log_process_1.txt", "ok\n\xff\n" + long_line + "\n");
    complete("r");
    m_options.json_lines = true;
    auto streamed = stream_log(*m_workspace, "r", m_out, std::nullopt, m_options,
                               {{.path = "user_logs/std_log_process_1.txt", .rank = 1}});
    ASSERT_TRUE(streamed && *streamed);
    std::vector<nlohmann::json> lines;
    const std::string out = m_out.str();
    for (const auto line : util::lines(out)) {
        lines.push_back(nlohmann::json::parse(line));
    }
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[0]["type"], "log");
    EXPECT_EQ(lines[0]["log"], "user_logs/std_log_process_1.txt");
    EXPECT_EQ(lines[0]["rank"], 1);
    EXPECT_EQ(lines[0]["text"], "ok");
    EXPECT_FALSE(lines[0].contains("partial"));
    EXPECT_EQ(lines[1]["text"], "\xef\xbf\xbd");
    EXPECT_EQ(lines[2]["partial"], true);
    EXPECT_EQ(lines[2]["text"].get<std::string>() + lines[3]["text"].get<std::string>(), long_line);
    EXPECT_FALSE(lines[3].contains("partial"));
}

// --logs: the files below the folder, by name, never through a link, at most
// k_max_folder_logs of them.
TEST_F(RunFollow, FolderLogsAreFollowedWithoutLinksAndWithinTheLimit) {
    add_run("r", "out\n");
    const fs::path dir = run_directory(m_dir.path(), "r");
    write_text(dir / "wd/logs/b.log", "b1\n");
    write_text(dir / "wd/logs/sub/a.log", "a1\na2");
    write_text(m_dir.path() / "secret.txt", "secret\n");
    fs::create_symlink(m_dir.path() / "secret.txt", dir / "wd/logs/link.log");
    fs::create_directories(m_dir.path() / "elsewhere");
    write_text(m_dir.path() / "elsewhere/c.log", "c1\n");
    fs::create_directory_symlink(m_dir.path() / "elsewhere", dir / "wd/logs/linked-dir");
    complete("r");
    m_options.log_folder = "wd/logs";
    ASSERT_TRUE(stream("r", std::nullopt));
    EXPECT_EQ(m_out.str(), "out\n[logs/b.log] b1\n[logs/sub/a.log] a1\n[logs/sub/a.log] a2\n");

    for (std::size_t i = 0; i < k_max_folder_logs + 5; ++i) {
        write_text(dir / fmt::format("wd/logs/many/{:03}.log", i), "x\n");
    }
    m_out.str("");
    ASSERT_TRUE(stream("r", std::nullopt));
    const std::string out = m_out.str();
    // out, then one line of each file within the limit, by name: b.log, many/000 to many/062.
    EXPECT_EQ(static_cast<std::size_t>(std::ranges::count(out, '\n')), 1 + k_max_folder_logs);
    EXPECT_NE(out.find("[logs/many/062.log] x\n"), std::string::npos);
    EXPECT_EQ(out.find("[logs/many/063.log]"), std::string::npos);
}

TEST_F(RunFollow, StreamOfAMissingRunFails) {
    auto streamed = stream_log(*m_workspace, "nope", m_out, std::nullopt, m_options, k_one_log);
    ASSERT_FALSE(streamed);
    EXPECT_THAT(streamed.error().message, HasSubstr("no run named 'nope' in workspace 't'"));
}

TEST_F(RunFollow, InterruptedStreamReturnsNothing) {
    add_run("r", "partial");
    int asked = 0;
    m_options.interrupted = [&asked] { return ++asked > 3; };
    auto streamed = stream_log(*m_workspace, "r", m_out, std::nullopt, m_options, k_one_log);
    ASSERT_TRUE(streamed) << streamed.error().message;
    EXPECT_FALSE(*streamed);
    EXPECT_EQ(m_out.str(), "partial");  // what was read is not lost
    // Its line says that it runs, though its record does not say so yet.
    EXPECT_EQ(m_seen, (std::vector<Status>{Status::not_started, Status::running}));
}

// A job that writes before its start is recorded (a Slurm job, before squeue says RUNNING):
// Running comes before its first line, and once.
TEST_F(RunFollow, AJobsFirstLineIsPrecededByRunning) {
    add_run("r", "first\n");
    std::vector<std::size_t> written_before;
    m_options.status_changed = [&](Status status) {
        m_seen.push_back(status);
        written_before.push_back(m_out.str().size());
    };
    int asked = 0;
    m_options.interrupted = [&] {
        if (++asked == 5) {
            auto started = transition(m_workspace->db(), "r", {Status::not_started},
                                      Status::running, {"2026-01-01T00:00:01.000Z", k_t0});
            EXPECT_TRUE(started && *started);
        }
        return asked > 30;
    };
    auto streamed = stream_log(*m_workspace, "r", m_out, std::nullopt, m_options, k_one_log);
    ASSERT_TRUE(streamed) << streamed.error().message;
    EXPECT_EQ(m_out.str(), "first\n");
    EXPECT_EQ(m_seen, (std::vector<Status>{Status::not_started, Status::running}));
    EXPECT_EQ(written_before, (std::vector<std::size_t>{0, 0}));
}

// An environment's build log is ferry's, not the job's: its lines say nothing of a start.
TEST_F(RunFollow, BuildLinesDoNotMeanTheJobRuns) {
    add_run("r", std::nullopt);
    write_text(run_directory(m_dir.path(), "r") / "system_logs/environment_build.txt", "step\n");
    int asked = 0;
    m_options.interrupted = [&asked] { return ++asked > 3; };
    auto streamed = stream_log(*m_workspace, "r", m_out, std::nullopt, m_options,
                               {{"system_logs/environment_build.txt", "[build] ", true}});
    ASSERT_TRUE(streamed) << streamed.error().message;
    EXPECT_EQ(m_out.str(), "[build] step\n");
    EXPECT_EQ(m_seen, (std::vector<Status>{Status::not_started}));
}

TEST_F(RunFollow, WaitForAnEndedRun) {
    add_run("r", std::nullopt);
    complete("r");
    auto waited = wait_for_end(*m_workspace, "r", m_options);
    ASSERT_TRUE(waited) << waited.error().message;
    ASSERT_TRUE(*waited);
    EXPECT_EQ((*waited)->status, Status::completed);
    EXPECT_EQ(m_seen, (std::vector<Status>{Status::completed}));
}

TEST_F(RunFollow, InterruptedWaitReturnsNothing) {
    add_run("r", std::nullopt);
    int asked = 0;
    m_options.interrupted = [&asked] { return ++asked > 2; };
    auto waited = wait_for_end(*m_workspace, "r", m_options);
    ASSERT_TRUE(waited) << waited.error().message;
    EXPECT_FALSE(*waited);
    EXPECT_EQ(m_seen, (std::vector<Status>{Status::not_started}));
}

TEST_F(RunFollow, WaitEndsARunWhoseSupervisorNeverStarted) {
    add_run("r", std::nullopt);
    m_now = k_t0 + 31'000;
    auto waited = wait_for_end(*m_workspace, "r", m_options);
    ASSERT_TRUE(waited) << waited.error().message;
    ASSERT_TRUE(*waited);
    EXPECT_EQ((*waited)->status, Status::failed);
    EXPECT_EQ((*waited)->reason, EndReason::infrastructure);
    EXPECT_EQ((*waited)->error, "supervisor lost: it never started");
    EXPECT_EQ((*waited)->waited_exit_code(), 125);
}

}  // namespace
}  // namespace ferry::run

namespace ferry::run {
namespace {

TEST(RunFollowSources, OneProcessHasOneLogAndDistributedRunsOnePerRank) {
    RunRecord single;
    single.plan = {{"command", "x"}, {"distribution", nullptr}};
    const auto one = log_sources(single, std::nullopt);
    ASSERT_EQ(one.size(), 1U);
    EXPECT_EQ(one[0].path, "user_logs/std_log.txt");
    EXPECT_EQ(one[0].prefix, "");

    RunRecord distributed;
    DistributionPlan plan;
    plan.type = spec::DistributionType::pytorch;
    plan.processes = 2;
    distributed.plan = {{"distribution", plan.to_json()}};
    const auto all = log_sources(distributed, std::nullopt);
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[1].path, "user_logs/std_log_process_1.txt");
    EXPECT_EQ(all[1].prefix, "[rank 1] ");
    const auto rank1 = log_sources(distributed, 1);
    ASSERT_EQ(rank1.size(), 1U);
    EXPECT_EQ(rank1[0].path, "user_logs/std_log_process_1.txt");
    EXPECT_EQ(rank1[0].prefix, "");
}

TEST(RunFollowSources, RanksAreCountedOverTheInstances) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::pytorch;
    plan.processes = 2;
    RunRecord nodes;
    nodes.plan = {{"distribution", plan.to_json()}, {"instances", 3}};
    const auto all = log_sources(nodes, std::nullopt);
    ASSERT_EQ(all.size(), 6U);
    EXPECT_EQ(all[5].path, "user_logs/std_log_process_5.txt");

    // TensorFlow's workers and parameter servers are the whole cluster already.
    DistributionPlan tensorflow;
    tensorflow.type = spec::DistributionType::tensorflow;
    tensorflow.workers = 2;
    tensorflow.parameter_servers = 1;
    RunRecord tf;
    tf.plan = {{"distribution", tensorflow.to_json()}, {"instances", 2}};
    EXPECT_EQ(log_sources(tf, std::nullopt).size(), 3U);
}

}  // namespace
}  // namespace ferry::run
