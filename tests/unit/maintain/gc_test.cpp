#include "ferry/maintain/gc.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "maintain_fixture.hpp"

namespace ferry::maintain {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// Sets a path's modification time this far before now.
void age(const fs::path& path, std::chrono::seconds ago) {
    const auto when = std::chrono::system_clock::now() - ago;
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(when.time_since_epoch());
    const timespec times[2] = {{seconds.count(), 0}, {seconds.count(), 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class Gc : public MaintainTest {
protected:
    GcReport gc_now(GcOptions options = {}) {
        auto report = collect_garbage(workspace(), options, std::chrono::system_clock::now());
        EXPECT_TRUE(report) << report.error().message;
        return report ? *report : GcReport{};
    }
};

TEST_F(Gc, BlobsNoRecordNamesGoAndNamedOnesStay) {
    add_run("r");
    auto orphan = workspace().put_blob_bytes("left by a crashed snapshot", "2026");
    ASSERT_TRUE(orphan);

    auto dry = gc_now({.dry_run = true});
    EXPECT_EQ(dry.orphans.files, 1U);
    EXPECT_EQ(dry.orphans.bytes, 26U);
    EXPECT_EQ(dry.kept, 3U);
    EXPECT_TRUE(blobs().has(orphan->sha256));  // a dry run removes nothing

    auto done = gc_now();
    EXPECT_EQ(done.orphans.files, 1U);
    EXPECT_EQ(done.total().bytes, 26U);
    EXPECT_FALSE(blobs().has(orphan->sha256));
    EXPECT_TRUE(blobs().has(sha_of("x = 1\n")));
    auto indexed = workspace().db().query_one("SELECT count(*) FROM blobs WHERE sha256 = ?1",
                                              store::first_integer, orphan->sha256);
    ASSERT_TRUE(indexed && *indexed);
    EXPECT_EQ(**indexed, 0);
    EXPECT_EQ(gc_now().total().files, 0U);
}

TEST_F(Gc, ASnapshotNoRunUsesGoesAndIsStoredAgainNextTime) {
    const std::string id = store_code();  // `run snapshot --store`, or a deleted run's
    const auto done = gc_now();
    EXPECT_EQ(done.orphans.files, 3U);
    EXPECT_FALSE(blobs().has(id));
    EXPECT_FALSE(blobs().has(sha_of("x = 1\n")));
    // The stat cache remembers the digests; the blobs are read and stored again.
    EXPECT_EQ(store_code(), id);
    EXPECT_TRUE(blobs().has(sha_of("x = 1\n"), 6));
    EXPECT_TRUE(blobs().has(id));
}

TEST_F(Gc, AComponentsSnapshotStays) {
    const std::string id = store_code();
    ASSERT_TRUE(workspace().db().execute(
        "INSERT INTO assets(kind, name, version, body, created_at) VALUES ('component', 'c', "
        "'1', ?1, '2026')",
        run::Json{{"spec", {{"name", "c"}}}, {"snapshot", id}}.dump()));
    EXPECT_EQ(gc_now().total().files, 0U);
    EXPECT_TRUE(blobs().has(id));
    EXPECT_TRUE(blobs().has(sha_of("x = 1\n")));
}

// A pipeline's step that has not run yet is named by the pipeline's plan alone.
TEST_F(Gc, APipelineStepsSnapshotStaysBeforeTheStepRuns) {
    const std::string id = store_code();
    run::NewRun pipeline;
    pipeline.name = "p";
    pipeline.experiment = "exp";
    pipeline.compute = "local";
    pipeline.runtime = "pipeline";
    pipeline.spec = run::Json::object();
    pipeline.plan = {
        {"pipeline",
         {{"steps", {{{"step", "train"}, {"snapshot", id}, {"job", {{"code", "/x"}}}}}}}}};
    pipeline.directory = workspace().root() / "runs" / "p";
    ASSERT_TRUE(run::insert_run(workspace().db(), pipeline, {"2026-01-01T00:00:00.000Z", 0}));
    EXPECT_EQ(gc_now().total().files, 0U);
    EXPECT_TRUE(blobs().has(id));
}

TEST_F(Gc, StaleTemporaryFilesAndDamagedBlobsGo) {
    const fs::path objects = blobs().directory();
    test::write_text(objects / "tmp/old", "12345");
    test::write_text(objects / "tmp/new", "being written");
    age(objects / "tmp/old", 2h);
    test::write_text(objects / "damaged/abc.1", "xyz");

    const auto done = gc_now();
    EXPECT_EQ(done.temporary.files, 1U);
    EXPECT_EQ(done.temporary.bytes, 5U);
    EXPECT_EQ(done.damaged.files, 1U);
    EXPECT_EQ(test::entries_of(objects / "tmp"), (std::vector<std::string>{"new"}));
    EXPECT_TRUE(test::entries_of(objects / "damaged").empty());
}

TEST_F(Gc, CachesUnusedForTheDaysGivenGoUnlessAnUnfinishedRunNamesThem) {
    const fs::path cache = workspace().root() / "cache";
    test::write_text(cache / "stat/old", "s");
    test::write_text(cache / "stat/recent", "s");
    test::write_text(cache / "content/aaaa/f.txt", "data");
    test::write_text(cache / "content/bbbb/f.txt", "data");
    ::chmod((cache / "content/aaaa").c_str(), 0555);  // as jobs find it: read-only
    for (const auto* path : {"stat/old", "content/aaaa", "content/bbbb"}) {
        age(cache / path, std::chrono::days(40));
    }
    age(cache / "stat/recent", std::chrono::days(2));
    add_run("r");  // not started: unfinished, and its plan names bbbb
    ASSERT_TRUE(workspace().db().execute("UPDATE runs SET plan = ?1",
                                         run::Json{{"inputs", {{{"content", "bbbb"}}}}}.dump()));

    auto done = gc_now();
    EXPECT_EQ(done.caches.files, 2U);                    // stat/old and content/aaaa/f.txt
    const auto stat = test::entries_of(cache / "stat");  // the code's own stat cache too
    EXPECT_THAT(stat, Contains("recent"));
    EXPECT_THAT(stat, Not(Contains("old")));
    EXPECT_EQ(test::entries_of(cache / "content"), (std::vector<std::string>{"bbbb"}));

    done = gc_now({.cache_days = 1});
    EXPECT_EQ(done.caches.files, 1U);  // stat/recent
}

TEST_F(Gc, AnUnreadableManifestStopsItBeforeAnythingIsRemoved) {
    add_run("r");
    auto run = run::find_run(workspace().db(), "r");
    ASSERT_TRUE(run && *run);
    ASSERT_EQ(::unlink(blobs().path_of((*run)->snapshot).c_str()), 0);
    auto orphan = workspace().put_blob_bytes("orphan", "2026");
    ASSERT_TRUE(orphan);

    auto report = collect_garbage(workspace(), {}, std::chrono::system_clock::now());
    ASSERT_FALSE(report);
    EXPECT_THAT(report.error().message, HasSubstr("run r (snapshot) names manifest"));
    EXPECT_THAT(report.error().message, HasSubstr("run 'ferry workspace verify'"));
    EXPECT_TRUE(blobs().has(orphan->sha256));
    EXPECT_TRUE(blobs().has(sha_of("x = 1\n")));
}

TEST_F(Gc, AWriterHoldingTheLeaseKeepsWhatItStoresUntilItsRecordIsCommitted) {
    // A submit that found the blobs of an earlier, unrecorded snapshot present: gc waits for
    // it, then sees the run name them.
    const std::string id = store_code();
    std::optional<store::BlobLease> lease;
    {
        auto taken = blobs().lease(store::LeaseKind::shared);
        ASSERT_TRUE(taken) << taken.error().message;
        lease.emplace(std::move(*taken));
    }
    std::atomic<bool> finished = false;
    Result<GcReport> report = std::unexpected(Error{});
    std::thread gc([&] {
        auto opened = store::Workspace::open("t", m_dir / "ws");  // its own connection
        ASSERT_TRUE(opened);
        report = collect_garbage(*opened, {}, std::chrono::system_clock::now());
        finished = true;
    });
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(finished);
    add_run("r");  // names the snapshot `id`
    lease.reset();
    gc.join();
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_EQ(report->orphans.files, 0U);
    EXPECT_TRUE(blobs().has(id));
    EXPECT_TRUE(blobs().has(sha_of("x = 1\n")));
}

}  // namespace
}  // namespace ferry::maintain
