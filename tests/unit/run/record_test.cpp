#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/run/record.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/snapshot/walk.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/track/store.hpp"

namespace ferry::run {
namespace {

using test::TempDir;
using ::testing::HasSubstr;

constexpr std::string_view k_created = "2026-01-01T00:00:00.000Z";

Stamp at(std::int64_t seconds) {
    return {fmt::format("2026-01-01T00:00:{:02}.000Z", seconds),
            1'767'225'600'000 + seconds * 1000};
}

RunFilter filter(std::string experiment, std::optional<Status> status = std::nullopt,
                 std::optional<std::int64_t> limit = std::nullopt) {
    RunFilter filter;
    filter.experiment = std::move(experiment);
    filter.status = status;
    filter.limit = limit;
    return filter;
}

std::vector<std::string> names_of(const std::vector<RunRecord>& runs) {
    std::vector<std::string> names;
    for (const auto& run : runs) {
        names.push_back(run.name);
    }
    return names;
}

class RunRecordTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_dir.path(), "", k_created));
        auto opened = store::Workspace::open("t", m_dir.path());
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    store::Database& db() { return m_workspace->db(); }

    NewRun new_run(const std::string& name, const std::string& experiment = "exp",
                   const std::string& compute = "local") {
        NewRun run;
        run.name = name;
        run.display_name = "display " + name;
        run.experiment = experiment;
        run.compute = compute;
        run.runtime = "host";
        run.command = "echo " + name;
        run.spec = {{"command", "echo"}, {"inputs", {{"a", 1}}}};
        run.plan = {{"command", "echo " + name}};
        run.directory = m_dir / "runs" / name;
        run.submitted_by = "tester";
        return run;
    }

    RunRecord insert(const std::string& name, std::int64_t second = 0,
                     const std::string& experiment = "exp", const std::string& compute = "local") {
        auto inserted = insert_run(db(), new_run(name, experiment, compute), at(second));
        EXPECT_TRUE(inserted) << inserted.error().message;
        return inserted ? *inserted : RunRecord{};
    }

    RunRecord get(std::string_view name) {
        auto run = get_run(db(), name, "t");
        EXPECT_TRUE(run) << run.error().message;
        return run ? *run : RunRecord{};
    }

    std::vector<Event> events_of(std::string_view name) {
        auto events = run_events(db(), get(name).seq);
        EXPECT_TRUE(events) << events.error().message;
        return events ? *events : std::vector<Event>{};
    }

    void queue(std::string_view name, std::int64_t second = 1) {
        auto moved = transition(db(), name, {Status::not_started}, Status::queued, at(second));
        ASSERT_TRUE(moved) << moved.error().message;
        ASSERT_TRUE(*moved);
    }

    bool claim(std::string_view name, std::int64_t slots) {
        auto claimed = claim_slot(db(), name, slots, at(2));
        EXPECT_TRUE(claimed) << claimed.error().message;
        return claimed && *claimed;
    }

    TempDir m_dir;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(RunRecordTest, InsertThenFindAndGet) {
    const RunRecord inserted = insert("a", 3);
    EXPECT_EQ(inserted.name, "a");
    EXPECT_EQ(inserted.status, Status::not_started);

    auto found = find_run(db(), "a");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(*found);
    const RunRecord& run = **found;
    EXPECT_EQ(run.seq, inserted.seq);
    EXPECT_GT(run.seq, 0);
    EXPECT_EQ(run.display_name, "display a");
    EXPECT_EQ(run.experiment, "exp");
    EXPECT_EQ(run.compute, "local");
    EXPECT_EQ(run.runtime, "host");
    EXPECT_EQ(run.status, Status::not_started);
    EXPECT_FALSE(run.holds_slot);
    EXPECT_EQ(run.created.text, "2026-01-01T00:00:03.000Z");
    EXPECT_EQ(run.created.ms, 1'767'225'603'000);
    EXPECT_FALSE(run.started);
    EXPECT_FALSE(run.ended);
    EXPECT_EQ(run.snapshot, "");
    EXPECT_EQ(run.command, "echo a");
    EXPECT_EQ(run.spec.dump(), R"({"command":"echo","inputs":{"a":1}})");
    EXPECT_EQ(run.plan.dump(), R"({"command":"echo a"})");
    EXPECT_EQ(run.directory, m_dir / "runs" / "a");
    EXPECT_EQ(run.submitted_by, "tester");
    EXPECT_FALSE(run.supervisor_pid);
    EXPECT_EQ(run.boot_id, "");
    EXPECT_FALSE(run.heartbeat_ms);
    EXPECT_FALSE(run.cancel_grace);
    EXPECT_FALSE(run.exit_code);
    EXPECT_EQ(run.reason, EndReason::none);
    EXPECT_EQ(run.error, "");
    EXPECT_EQ(run.artifacts, "");

    const RunRecord got = get("a");
    EXPECT_EQ(got.seq, inserted.seq);

    const auto events = events_of("a");
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].status, Status::not_started);
    EXPECT_EQ(events[0].at, "2026-01-01T00:00:03.000Z");
    EXPECT_EQ(events[0].detail, "submitted");
}

TEST_F(RunRecordTest, SnapshotIsKept) {
    TempDir code;
    test::write_text(code / "train.py", "print(1)\n");
    auto listing = snapshot::list_tree(code.path());
    ASSERT_TRUE(listing) << listing.error().message;
    auto taken =
        snapshot::store_snapshot(*m_workspace, *listing, snapshot::k_default_limit, k_created);
    ASSERT_TRUE(taken) << taken.error().message;
    NewRun run = new_run("a");
    run.snapshot = taken->id;
    run.snapshot_added = {.new_files = 1, .new_bytes = 9};
    auto inserted = insert_run(db(), run, at(0));
    ASSERT_TRUE(inserted) << inserted.error().message;
    EXPECT_EQ(inserted->snapshot, taken->id);
    // Its files and bytes come from the stored snapshot, what was added from the submit.
    EXPECT_EQ(inserted->snapshot_figures.files, 1);
    EXPECT_EQ(inserted->snapshot_figures.bytes, 9);
    EXPECT_EQ(inserted->snapshot_figures.new_files, 1);
    EXPECT_EQ(inserted->snapshot_figures.new_bytes, 9);
}

TEST_F(RunRecordTest, ARunWithoutCodeHasNoSnapshotFigures) {
    const RunRecord run = insert("a");
    EXPECT_FALSE(run.snapshot_figures.files);
    EXPECT_FALSE(run.snapshot_figures.new_files);
}

TEST_F(RunRecordTest, AnUnknownSnapshotIsRefusedWithoutARow) {
    NewRun run = new_run("a");
    run.snapshot = std::string(64, 'a');
    EXPECT_FALSE(insert_run(db(), run, at(0)));
    auto found = find_run(db(), "a");
    ASSERT_TRUE(found);
    EXPECT_FALSE(*found);
}

TEST_F(RunRecordTest, DuplicateNameIsRefused) {
    insert("a");
    auto again = insert_run(db(), new_run("a", "other"), at(5));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ExitCode::usage);
    EXPECT_THAT(again.error().message, HasSubstr("run a already exists"));
    EXPECT_EQ(get("a").experiment, "exp");  // the first one is untouched
    EXPECT_EQ(events_of("a").size(), 1U);
}

TEST_F(RunRecordTest, MissingRunNamesTheWorkspace) {
    auto found = find_run(db(), "nope");
    ASSERT_TRUE(found);
    EXPECT_FALSE(*found);
    auto got = get_run(db(), "nope", "t");
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, ExitCode::usage);
    EXPECT_EQ(got.error().message, "no run named 'nope' in workspace 't' (see 'ferry run list')");
}

TEST_F(RunRecordTest, NewestRunAndNames) {
    auto none = newest_run(db());
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);
    insert("a", 1);
    insert("b", 2);
    auto newest = newest_run(db());
    ASSERT_TRUE(newest);
    ASSERT_TRUE(*newest);
    EXPECT_EQ((*newest)->name, "b");
    auto names = run_names(db());
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, (std::vector<std::string>{"b", "a"}));
}

TEST_F(RunRecordTest, ListNewestFirstWithFiltersLimitAndTotal) {
    insert("a", 1, "one");
    insert("b", 2, "two");
    insert("c", 3, "one");
    insert("d", 4, "one");
    queue("b");
    queue("d");

    auto all = list_runs(db(), {});
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(names_of(all->first), (std::vector<std::string>{"d", "c", "b", "a"}));
    EXPECT_EQ(all->second, 4);

    auto one = list_runs(db(), filter("one"));
    ASSERT_TRUE(one);
    EXPECT_EQ(names_of(one->first), (std::vector<std::string>{"d", "c", "a"}));
    EXPECT_EQ(one->second, 3);

    auto queued = list_runs(db(), filter("", Status::queued));
    ASSERT_TRUE(queued);
    EXPECT_EQ(names_of(queued->first), (std::vector<std::string>{"d", "b"}));
    EXPECT_EQ(queued->second, 2);

    auto both = list_runs(db(), filter("one", Status::queued));
    ASSERT_TRUE(both);
    EXPECT_EQ(names_of(both->first), (std::vector<std::string>{"d"}));
    EXPECT_EQ(both->second, 1);

    auto limited = list_runs(db(), filter("", std::nullopt, 2));
    ASSERT_TRUE(limited);
    EXPECT_EQ(names_of(limited->first), (std::vector<std::string>{"d", "c"}));
    EXPECT_EQ(limited->second, 4);

    auto none = list_runs(db(), filter("three"));
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->first.empty());
    EXPECT_EQ(none->second, 0);
}

TEST_F(RunRecordTest, SummariesAreTheRunsOwnFieldsInTheListsOrder) {
    NewRun tagged = new_run("a", "one");
    tagged.spec["tags"] = {{"team", "vision"}};
    ASSERT_TRUE(insert_run(db(), tagged, at(1)));
    insert("b", 2, "two", "other");
    insert("c", 3, "one");
    ASSERT_TRUE(transition(db(), "b", {Status::not_started}, Status::running, at(4)));
    ASSERT_TRUE(set_supervisor(db(), "b", 4242, "boot@host", at(5)));
    ASSERT_TRUE(finish(db(), "b", Ending::of_job(3, "exit code 3"), at(9)));
    const std::vector<std::string> archived{"c"};
    ASSERT_TRUE(set_runs_archived(db(), archived, true, "t"));

    for (const RunFilter& asked : {RunFilter{}, filter("one", std::nullopt, 1)}) {
        auto runs = list_runs(db(), asked);
        auto summaries = list_summaries(db(), asked);
        ASSERT_TRUE(runs && summaries);
        EXPECT_EQ(summaries->second, runs->second);
        ASSERT_EQ(summaries->first.size(), runs->first.size());
        for (std::size_t i = 0; i < runs->first.size(); ++i) {
            const RunSummary& run = runs->first[i];
            const RunSummary& summary = summaries->first[i];
            EXPECT_EQ(summary.seq, run.seq);
            EXPECT_EQ(summary.name, run.name);
            EXPECT_EQ(summary.experiment, run.experiment);
            EXPECT_EQ(summary.compute, run.compute);
            EXPECT_EQ(summary.status, run.status);
            EXPECT_EQ(summary.created.text, run.created.text);
            EXPECT_EQ(summary.created.ms, run.created.ms);
            EXPECT_EQ(summary.started.has_value(), run.started.has_value());
            EXPECT_EQ(summary.ended.has_value(), run.ended.has_value());
            if (summary.ended && run.ended) {
                EXPECT_EQ(summary.ended->ms, run.ended->ms);
            }
            EXPECT_EQ(summary.heartbeat_ms, run.heartbeat_ms);
            EXPECT_EQ(summary.exit_code, run.exit_code);
            EXPECT_EQ(summary.tags, run.tags);
            EXPECT_EQ(summary.archived, run.archived);
        }
    }
    auto all = list_summaries(db(), {});
    ASSERT_TRUE(all);
    ASSERT_EQ(all->first.size(), 3U);
    const RunSummary& b = all->first[1];
    EXPECT_EQ(b.name, "b");
    EXPECT_EQ(b.compute, "other");
    EXPECT_EQ(b.status, Status::failed);
    ASSERT_TRUE(b.started && b.ended);
    EXPECT_EQ(b.started->text, "2026-01-01T00:00:04.000Z");
    EXPECT_EQ(b.ended->ms, 1'767'225'609'000);
    EXPECT_EQ(b.heartbeat_ms, 1'767'225'605'000);
    EXPECT_EQ(b.exit_code, 3);
    EXPECT_EQ(all->first[2].tags, (Json{{"team", "vision"}}));
    EXPECT_TRUE(all->first[0].archived);
}

TEST_F(RunRecordTest, ChildRunsAreListedUnlessLeftOutOrAsTheirParentsOnly) {
    insert("a", 1, "one");
    insert("b", 2, "one");
    insert("a_1", 3, "one");
    insert("b_1", 4, "one");
    ASSERT_TRUE(db().execute("UPDATE runs SET parent = ?1 WHERE name = ?1 || '_1'", "a"));
    ASSERT_TRUE(db().execute("UPDATE runs SET parent = ?1 WHERE name = ?1 || '_1'", "b"));
    auto all = list_runs(db(), {});
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_EQ(names_of(all->first), (std::vector<std::string>{"b_1", "a_1", "b", "a"}));
    auto top = list_runs(db(), {.limit = 1, .top_level_only = true});
    ASSERT_TRUE(top) << top.error().message;
    EXPECT_EQ(names_of(top->first), (std::vector<std::string>{"b"}));
    EXPECT_EQ(top->second, 2);  // the total counts top-level runs only
    auto children = list_runs(db(), {.parent = "a"});
    ASSERT_TRUE(children) << children.error().message;
    EXPECT_EQ(names_of(children->first), (std::vector<std::string>{"a_1"}));
}

TEST_F(RunRecordTest, ArchivedRunsAreLeftOutOnlyWhenAskedAndAllNamesAreCheckedFirst) {
    insert("a", 1);
    insert("b", 2);
    const std::vector<std::string> with_unknown = {"a", "nope"};
    auto refused = set_runs_archived(db(), with_unknown, true, "ws");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_FALSE(find_run(db(), "a")->value().archived);  // nothing changed
    const std::vector<std::string> names = {"a", "a"};
    auto archived = set_runs_archived(db(), names, true, "ws");
    ASSERT_TRUE(archived) << archived.error().message;
    EXPECT_EQ(*archived, 1U);  // the second time, it already was
    EXPECT_TRUE(find_run(db(), "a")->value().archived);
    auto shown = list_runs(db(), {.hide_archived = true});
    ASSERT_TRUE(shown) << shown.error().message;
    EXPECT_EQ(names_of(shown->first), (std::vector<std::string>{"b"}));
    EXPECT_EQ(shown->second, 1);
    auto all = list_runs(db(), {});
    ASSERT_TRUE(all);
    EXPECT_EQ(names_of(all->first), (std::vector<std::string>{"b", "a"}));
    auto restored = set_runs_archived(db(), std::vector<std::string>{"a"}, false, "ws");
    ASSERT_TRUE(restored);
    EXPECT_EQ(*restored, 1U);
    EXPECT_FALSE(find_run(db(), "a")->value().archived);
}

TEST_F(RunRecordTest, ListByTagsNeedsEveryTagGiven) {
    for (const auto& [name, tags] :
         std::vector<std::pair<std::string, Json>>{{"plain", nullptr},
                                                   {"vision", {{"team", "vision"}, {"lr", "0.1"}}},
                                                   {"speech", {{"team", "speech"}, {"lr", "0.1"}}},
                                                   {"odd", {{"a'b", "it's"}}}}) {
        NewRun run = new_run(name);
        if (!tags.is_null()) {
            run.spec["tags"] = tags;
        }
        ASSERT_TRUE(insert_run(db(), run, at(0)));
    }
    auto listed = [&](std::vector<std::pair<std::string, std::optional<std::string>>> tags) {
        RunFilter filter;
        filter.tags = std::move(tags);
        auto runs = list_runs(db(), filter);
        EXPECT_TRUE(runs) << runs.error().message;
        return runs ? names_of(runs->first) : std::vector<std::string>{};
    };
    using Names = std::vector<std::string>;
    EXPECT_EQ(listed({{"team", "vision"}}), Names{"vision"});
    EXPECT_EQ(listed({{"lr", "0.1"}}), (Names{"speech", "vision"}));
    EXPECT_EQ(listed({{"team", std::nullopt}}), (Names{"speech", "vision"}));
    EXPECT_EQ(listed({{"team", "speech"}, {"lr", "0.1"}}), Names{"speech"});
    EXPECT_EQ(listed({{"team", "speech"}, {"lr", "0.2"}}), Names{});
    EXPECT_EQ(listed({{"Team", "vision"}}), Names{});  // keys and values are matched exactly
    EXPECT_EQ(listed({{"a'b", "it's"}}), Names{"odd"});
    EXPECT_EQ(listed({}).size(), 4U);
}

// The job's tags and literal inputs are the run's first tags and params; a tag set later
// (by the job, or `ferry run tag`) is one the list filters on, and one the record has.
TEST_F(RunRecordTest, JobTagsAndLiteralInputsAreTheFirstTagsAndParams) {
    NewRun run = new_run("a");
    run.spec["tags"] = {{"team", "vision"}};
    run.spec["inputs"] = {{"lr", 0.5}, {"deep", true}, {"data", {{"type", "uri_file"}}}};
    ASSERT_TRUE(insert_run(db(), run, at(0)));
    auto data = track::run_data(db(), "a");
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_EQ(data->params, (std::map<std::string, std::string>{{"deep", "True"}, {"lr", "0.5"}}));
    EXPECT_EQ(data->tags, (std::map<std::string, std::string>{{"team", "vision"}}));
    ASSERT_TRUE(db().exec("INSERT INTO run_tags SELECT seq, 'best', 'yes' FROM runs"));
    RunFilter filter;
    filter.tags = {{"best", "yes"}};
    auto runs = list_runs(db(), filter);
    ASSERT_TRUE(runs) << runs.error().message;
    ASSERT_EQ(names_of(runs->first), std::vector<std::string>{"a"});
    EXPECT_EQ(runs->first[0].tags, (Json{{"best", "yes"}, {"team", "vision"}}));
}

TEST_F(RunRecordTest, TransitionOnlyFromAllowedStatuses) {
    insert("a");
    auto wrong = transition(db(), "a", {Status::queued}, Status::preparing, at(1), "no");
    ASSERT_TRUE(wrong);
    EXPECT_FALSE(*wrong);
    EXPECT_EQ(get("a").status, Status::not_started);
    EXPECT_EQ(events_of("a").size(), 1U);

    auto right =
        transition(db(), "a", {Status::queued, Status::not_started}, Status::queued, at(2), "why");
    ASSERT_TRUE(right) << right.error().message;
    EXPECT_TRUE(*right);
    EXPECT_EQ(get("a").status, Status::queued);
    EXPECT_FALSE(get("a").started);

    const auto events = events_of("a");
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].status, Status::queued);
    EXPECT_EQ(events[1].at, "2026-01-01T00:00:02.000Z");
    EXPECT_EQ(events[1].detail, "why");

    auto missing = transition(db(), "nope", {Status::not_started}, Status::queued, at(3));
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
}

TEST_F(RunRecordTest, EmptyDetailIsStoredAsEmptyText) {
    insert("a");
    auto moved = transition(db(), "a", {Status::not_started}, Status::queued, at(1));
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_TRUE(*moved);
    auto moved_again =
        transition(db(), "a", {Status::queued}, Status::preparing, at(2), std::string_view());
    ASSERT_TRUE(moved_again) << moved_again.error().message;
    EXPECT_TRUE(*moved_again);
    const auto events = events_of("a");
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[1].detail, "");
    EXPECT_EQ(events[2].detail, "");
    EXPECT_EQ(events[2].status, Status::preparing);
}

TEST_F(RunRecordTest, RunningSetsStartedAt) {
    insert("a");
    auto moved = transition(db(), "a", {Status::not_started}, Status::running, at(7));
    ASSERT_TRUE(moved);
    ASSERT_TRUE(*moved);
    const RunRecord run = get("a");
    ASSERT_TRUE(run.started);
    EXPECT_EQ(run.started->text, "2026-01-01T00:00:07.000Z");
    EXPECT_EQ(run.started->ms, 1'767'225'607'000);
    EXPECT_FALSE(run.ended);
}

TEST_F(RunRecordTest, FinishOnlyOnceAndFreesTheSlot) {
    insert("a");
    queue("a");
    ASSERT_TRUE(claim("a", 1));
    EXPECT_TRUE(get("a").holds_slot);

    Ending ending;
    ending.status = Status::failed;
    ending.reason = EndReason::job;
    ending.exit_code = 3;
    ending.error = "exit code 3";
    auto ended = finish(db(), "a", ending, at(9));
    ASSERT_TRUE(ended) << ended.error().message;
    EXPECT_TRUE(*ended);

    RunRecord run = get("a");
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_FALSE(run.holds_slot);
    ASSERT_TRUE(run.ended);
    EXPECT_EQ(run.ended->text, "2026-01-01T00:00:09.000Z");
    EXPECT_EQ(run.ended->ms, 1'767'225'609'000);
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.reason, EndReason::job);
    EXPECT_EQ(run.error, "exit code 3");
    EXPECT_EQ(run.waited_exit_code(), 3);
    auto events = events_of("a");
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().status, Status::failed);
    EXPECT_EQ(events.back().detail, "exit code 3");

    Ending again;
    again.status = Status::completed;
    again.exit_code = 0;
    auto second = finish(db(), "a", again, at(10));
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_FALSE(*second);
    run = get("a");
    EXPECT_EQ(run.status, Status::failed);
    EXPECT_EQ(run.exit_code, 3);
    EXPECT_EQ(run.ended->ms, 1'767'225'609'000);
    EXPECT_EQ(events_of("a").size(), events.size());

    auto missing = finish(db(), "nope", ending, at(11));
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
}

TEST_F(RunRecordTest, FinishWithoutExitCodeOrErrorStoresNullAndEmpty) {
    insert("a");
    Ending ending;
    ending.status = Status::completed;
    ending.reason = EndReason::job;
    auto ended = finish(db(), "a", ending, at(1));
    ASSERT_TRUE(ended) << ended.error().message;
    EXPECT_TRUE(*ended);
    const RunRecord run = get("a");
    EXPECT_FALSE(run.exit_code);
    EXPECT_EQ(run.error, "");
    EXPECT_EQ(events_of("a").back().detail, "");
}

TEST_F(RunRecordTest, FinishKeepsArtifactsUnlessGiven) {
    insert("a");
    insert("b");
    auto first = m_workspace->put_blob_bytes("first", k_created);
    auto second = m_workspace->put_blob_bytes("second", k_created);
    ASSERT_TRUE(first && second);
    ASSERT_TRUE(set_artifacts(db(), "a", first->sha256));
    ASSERT_TRUE(set_artifacts(db(), "b", first->sha256));
    EXPECT_EQ(get("a").artifacts, first->sha256);
    Ending keep;
    keep.status = Status::completed;
    keep.exit_code = 0;
    auto kept = finish(db(), "a", keep, at(1));
    ASSERT_TRUE(kept) << kept.error().message;
    EXPECT_TRUE(*kept);
    EXPECT_EQ(get("a").artifacts, first->sha256);

    Ending replace = keep;
    replace.artifacts = second->sha256;
    auto replaced = finish(db(), "b", replace, at(1));
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_TRUE(*replaced);
    EXPECT_EQ(get("b").artifacts, second->sha256);
}

TEST_F(RunRecordTest, SupervisorAndHeartbeat) {
    insert("a");
    ASSERT_TRUE(set_supervisor(db(), "a", 4242, "boot@host", at(4)));
    RunRecord run = get("a");
    EXPECT_EQ(run.supervisor_pid, 4242);
    EXPECT_EQ(run.boot_id, "boot@host");
    EXPECT_EQ(run.heartbeat_ms, 1'767'225'604'000);
    ASSERT_TRUE(heartbeat(db(), "a", at(8)));
    EXPECT_EQ(get("a").heartbeat_ms, 1'767'225'608'000);
}

TEST_F(RunRecordTest, RequestCancelReturnsThePreviousStatus) {
    insert("a");
    auto moved = transition(db(), "a", {Status::not_started}, Status::running, at(1));
    ASSERT_TRUE(moved && *moved);

    auto before = request_cancel(db(), "a", 7, at(2));
    ASSERT_TRUE(before) << before.error().message;
    EXPECT_EQ(*before, Status::running);
    RunRecord run = get("a");
    EXPECT_EQ(run.status, Status::cancel_requested);
    EXPECT_EQ(run.cancel_grace, 7);
    auto events = events_of("a");
    EXPECT_EQ(events.back().status, Status::cancel_requested);
    EXPECT_EQ(events.back().detail, "grace 7 s");
    EXPECT_EQ(events.back().at, "2026-01-01T00:00:02.000Z");

    // Asked again: the grace changes, no second event.
    auto again = request_cancel(db(), "a", 3, at(3));
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, Status::cancel_requested);
    EXPECT_EQ(get("a").cancel_grace, 3);
    EXPECT_EQ(events_of("a").size(), events.size());
}

TEST_F(RunRecordTest, RequestCancelOfARunNotStartedYet) {
    insert("a");
    auto before = request_cancel(db(), "a", 10, at(1));
    ASSERT_TRUE(before) << before.error().message;
    EXPECT_EQ(*before, Status::not_started);
    EXPECT_EQ(get("a").status, Status::cancel_requested);
    EXPECT_EQ(get("a").cancel_grace, 10);
    // The supervisor, starting late, cannot queue it any more.
    auto queued = transition(db(), "a", {Status::not_started}, Status::queued, at(2));
    ASSERT_TRUE(queued);
    EXPECT_FALSE(*queued);
}

TEST_F(RunRecordTest, RequestCancelIsANoOpOnAnEndedRun) {
    insert("a");
    Ending ending;
    ending.status = Status::completed;
    ending.exit_code = 0;
    ASSERT_TRUE(finish(db(), "a", ending, at(1)));
    const auto events = events_of("a");

    auto before = request_cancel(db(), "a", 10, at(2));
    ASSERT_TRUE(before) << before.error().message;
    EXPECT_EQ(*before, Status::completed);
    const RunRecord run = get("a");
    EXPECT_EQ(run.status, Status::completed);
    EXPECT_FALSE(run.cancel_grace);
    EXPECT_EQ(events_of("a").size(), events.size());
}

TEST_F(RunRecordTest, RequestCancelOfAMissingRunFails) {
    auto before = request_cancel(db(), "nope", 10, at(2));
    ASSERT_FALSE(before);
    EXPECT_THAT(before.error().message, HasSubstr("no run named 'nope'"));
}

TEST_F(RunRecordTest, ClaimSlotInSubmissionOrder) {
    insert("a", 1);
    insert("b", 2);
    insert("c", 3);
    queue("a");
    queue("b");
    queue("c");

    EXPECT_FALSE(claim("b", 1));  // a was queued before it
    EXPECT_FALSE(claim("b", 5));  // whatever the slots
    EXPECT_EQ(get("b").status, Status::queued);

    EXPECT_TRUE(claim("a", 1));
    RunRecord a = get("a");
    EXPECT_EQ(a.status, Status::preparing);
    EXPECT_TRUE(a.holds_slot);
    EXPECT_EQ(events_of("a").back().status, Status::preparing);
    EXPECT_EQ(events_of("a").back().detail, "");

    EXPECT_FALSE(claim("a", 1));  // not queued any more
    EXPECT_FALSE(claim("b", 1));  // the only slot is taken
    EXPECT_TRUE(claim("b", 2));   // a second slot
    EXPECT_FALSE(claim("c", 2));  // not above the slots

    Ending ending;
    ending.status = Status::completed;
    ending.exit_code = 0;
    ASSERT_TRUE(finish(db(), "a", ending, at(4)));
    EXPECT_TRUE(claim("c", 2));
    EXPECT_EQ(get("c").status, Status::preparing);
}

TEST_F(RunRecordTest, ClaimSlotCountsOnlyTheSameCompute) {
    insert("a", 1, "exp", "local");
    insert("b", 2, "exp", "other");
    queue("a");
    queue("b");
    EXPECT_TRUE(claim("b", 1));  // a waits on another compute
    EXPECT_TRUE(claim("a", 1));  // b holds a slot of another compute
}

TEST_F(RunRecordTest, ClaimSlotOfANotStartedOrMissingRunIsRefused) {
    insert("a");
    EXPECT_FALSE(claim("a", 1));
    EXPECT_FALSE(claim("nope", 1));
}

TEST_F(RunRecordTest, ComputeLoadCounts) {
    insert("a", 1);
    insert("b", 2);
    insert("c", 3);
    insert("d", 4, "exp", "other");
    queue("a");
    queue("b");
    queue("c");
    queue("d");
    ASSERT_TRUE(claim("a", 1));

    auto load = compute_load(db(), "local");
    ASSERT_TRUE(load) << load.error().message;
    EXPECT_EQ(load->active, 1);
    EXPECT_EQ(load->queued, 2);

    auto other = compute_load(db(), "other");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->active, 0);
    EXPECT_EQ(other->queued, 1);

    Ending ending;
    ending.status = Status::completed;
    ASSERT_TRUE(finish(db(), "a", ending, at(5)));
    ASSERT_TRUE(finish(db(), "b", ending, at(5)));
    load = compute_load(db(), "local");
    ASSERT_TRUE(load);
    EXPECT_EQ(load->active, 0);
    EXPECT_EQ(load->queued, 1);

    auto none = compute_load(db(), "nothing");
    ASSERT_TRUE(none);
    EXPECT_EQ(none->active, 0);
    EXPECT_EQ(none->queued, 0);
}

TEST_F(RunRecordTest, NextQueuedSupervisorIsTheOldestQueuedWithAPid) {
    auto none = next_queued_supervisor(db(), "local");
    ASSERT_TRUE(none);
    EXPECT_FALSE(*none);

    insert("a", 1);
    insert("b", 2);
    insert("c", 3);
    insert("d", 4, "exp", "other");
    queue("a");  // no supervisor pid yet
    queue("b");
    queue("c");
    queue("d");
    ASSERT_TRUE(set_supervisor(db(), "b", 202, "x@y", at(5)));
    ASSERT_TRUE(set_supervisor(db(), "c", 303, "x@y", at(5)));
    ASSERT_TRUE(set_supervisor(db(), "d", 404, "x@y", at(5)));

    auto next = next_queued_supervisor(db(), "local");
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(*next, std::optional<std::int64_t>(202));

    ASSERT_TRUE(set_supervisor(db(), "a", 101, "x@y", at(5)));
    next = next_queued_supervisor(db(), "local");
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, std::optional<std::int64_t>(101));

    ASSERT_TRUE(claim("a", 1));  // no longer queued
    next = next_queued_supervisor(db(), "local");
    ASSERT_TRUE(next);
    EXPECT_EQ(*next, std::optional<std::int64_t>(202));

    auto other = next_queued_supervisor(db(), "other");
    ASSERT_TRUE(other);
    EXPECT_EQ(*other, std::optional<std::int64_t>(404));
}

TEST_F(RunRecordTest, UnfinishedRunsOldestFirst) {
    insert("a", 1);
    insert("b", 2);
    insert("c", 3);
    Ending ending;
    ending.status = Status::canceled;
    ending.reason = EndReason::canceled;
    ASSERT_TRUE(finish(db(), "b", ending, at(4)));
    auto runs = unfinished_runs(db());
    ASSERT_TRUE(runs) << runs.error().message;
    EXPECT_EQ(names_of(*runs), (std::vector<std::string>{"a", "c"}));
}

TEST_F(RunRecordTest, ARunOnAClusterPreparesAtOnceAndKeepsItsSchedulersWord) {
    insert("on_slurm", 0, "exp", "cluster");
    auto begun = begin_preparing(db(), "on_slurm", at(1));
    ASSERT_TRUE(begun);
    EXPECT_TRUE(*begun);
    EXPECT_EQ(get("on_slurm").status, Status::preparing);
    EXPECT_TRUE(get("on_slurm").holds_slot);
    auto again = begin_preparing(db(), "on_slurm", at(2));
    ASSERT_TRUE(again);
    EXPECT_FALSE(*again);  // only from NotStarted
    EXPECT_TRUE(get("on_slurm").scheduler.is_null());
    const Json scheduler = {{"type", "slurm"}, {"job_id", "12"}, {"reason", "Resources"}};
    ASSERT_TRUE(set_scheduler(db(), "on_slurm", scheduler));
    EXPECT_EQ(get("on_slurm").scheduler, scheduler);
    // Queued in Slurm: counted once, as queued, not as active too.
    ASSERT_TRUE(transition(db(), "on_slurm", {Status::preparing}, Status::queued, at(3)));
    auto load = compute_load(db(), "cluster");
    ASSERT_TRUE(load);
    EXPECT_EQ(load->active, 0);
    EXPECT_EQ(load->queued, 1);
    ASSERT_TRUE(transition(db(), "on_slurm", {Status::queued}, Status::running, at(4)));
    load = compute_load(db(), "cluster");
    EXPECT_EQ(load->active, 1);
    EXPECT_EQ(load->queued, 0);
}

TEST_F(RunRecordTest, ASweepsTrialKeepsItsParentAndValuesAndOutlivesNoParent) {
    insert("sweep");
    NewRun trial = new_run("sweep_0");
    trial.parent = "sweep";
    trial.trial = {{"number", 0}, {"values", {{"lr", 0.1}, {"layers", 3}}}};
    ASSERT_TRUE(insert_run(db(), trial, at(1)));
    insert("nested");
    ASSERT_TRUE(db().execute("UPDATE runs SET parent = 'sweep' WHERE name = 'nested'"));
    EXPECT_EQ(get("sweep_0").parent, "sweep");
    EXPECT_EQ(get("sweep_0").trial, trial.trial);
    EXPECT_TRUE(get("nested").trial.is_null());
    // A trial has a supervisor of its own: the reaper looks at it; a nested run it does not.
    auto unfinished = unfinished_runs(db());
    ASSERT_TRUE(unfinished);
    EXPECT_EQ(names_of(*unfinished), (std::vector<std::string>{"sweep", "sweep_0"}));
    // The sweep's end ends its nested runs, never its trials: their supervisors end them.
    ASSERT_TRUE(finish(db(), "sweep", Ending::of_job(0, ""), at(2)));
    EXPECT_EQ(get("nested").status, Status::completed);
    EXPECT_EQ(get("sweep_0").status, Status::not_started);
}

TEST_F(RunRecordTest, AnEndForALostSupervisorSparesARunANewOneTookOn) {
    insert("sweep");
    ASSERT_TRUE(set_supervisor(db(), "sweep", 41, "boot@host", at(1)));
    // The reaper judged pid 41 lost; meanwhile a resume gave the run pid 42.
    ASSERT_TRUE(set_supervisor(db(), "sweep", 42, "boot@host", at(2)));
    auto ended = finish(db(), "sweep", Ending::infrastructure("supervisor lost"), at(3), 41);
    ASSERT_TRUE(ended);
    EXPECT_FALSE(*ended);
    EXPECT_EQ(get("sweep").status, Status::not_started);
    ended = finish(db(), "sweep", Ending::infrastructure("supervisor lost"), at(3), 42);
    ASSERT_TRUE(ended);
    EXPECT_TRUE(*ended);
    insert("never");  // no supervisor recorded: none is what is expected
    ended = finish(db(), "never", Ending::infrastructure("it never started"), at(4),
                   std::optional<std::int64_t>());
    ASSERT_TRUE(ended);
    EXPECT_TRUE(*ended);
}

TEST_F(RunRecordTest, ACancelReasonIsKeptOnceAndAReopenedRunKeepsItsStart) {
    insert("trial");
    ASSERT_TRUE(transition(db(), "trial", {Status::not_started}, Status::running, at(1)));
    ASSERT_TRUE(request_cancel(db(), "trial", 5, at(2), "early termination: bandit"));
    ASSERT_TRUE(request_cancel(db(), "trial", 5, at(3), "canceled with its sweep"));
    EXPECT_EQ(get("trial").cancel_reason, "early termination: bandit");
    ASSERT_TRUE(finish(db(), "trial",
                       Ending::infrastructure("supervisor lost (pid 1 is gone or the machine "
                                              "restarted)"),
                       at(4)));
    ASSERT_TRUE(reopen(db(), "trial", at(5), "resumed: a new supervisor continues"));
    const RunRecord reopened = get("trial");
    EXPECT_EQ(reopened.status, Status::preparing);
    EXPECT_FALSE(reopened.ended.has_value());
    EXPECT_EQ(reopened.error, "");
    EXPECT_FALSE(reopened.cancel_grace.has_value());
    EXPECT_EQ(reopened.cancel_reason, "");
    EXPECT_FALSE(reopened.supervisor_pid.has_value());
    EXPECT_EQ(events_of("trial").back().detail, "resumed: a new supervisor continues");
    // Running again keeps the first start: a sweep's timeout counts from it.
    ASSERT_TRUE(transition(db(), "trial", {Status::preparing}, Status::running, at(6)));
    EXPECT_EQ(get("trial").started->ms, at(1).ms);
}

}  // namespace
}  // namespace ferry::run
