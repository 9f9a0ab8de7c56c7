#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/snapshot/stat_cache.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::snapshot {
namespace {

using test::TempDir;
using test::write_text;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

// Sets a file's modification time an hour back, so the stat cache may trust it at once.
void age(const fs::path& path) {
    struct timespec times[2];
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec -= 3600;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

class SnapshotStore : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_home / "ws", "", k_now));
        auto opened = store::Workspace::open("ws", m_home / "ws");
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }
    SnapshotCost take() {
        auto listing = list_tree(m_code.path());
        EXPECT_TRUE(listing) << listing.error().message;
        auto cost = store_snapshot(*m_workspace, *listing, k_default_limit, k_now);
        EXPECT_TRUE(cost) << cost.error().message;
        return cost ? *cost : SnapshotCost{};
    }
    void write(const std::string& path, std::string_view text) {
        write_text(m_code / path, text);
        age(m_code / path);
    }

    TempDir m_home;
    TempDir m_code;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(SnapshotStore, SameTreeSameIdAndNothingNew) {
    write("a.py", "print(1)\n");
    write("pkg/b.py", "print(2)\n");
    write("pkg/copy.py", "print(2)\n");
    const SnapshotCost first = take();
    EXPECT_EQ(first.files, 3U);
    EXPECT_EQ(first.bytes, 27U);
    EXPECT_EQ(first.new_files, 2U);  // identical content is one blob
    EXPECT_EQ(first.new_bytes, 18U);
    EXPECT_EQ(first.hashed_files, 3U);
    EXPECT_EQ(describe(first),
              fmt::format("snapshot {}: 3 files, 27 B, 2 (18 B) new", first.id.substr(0, 7)));

    const SnapshotCost second = take();
    EXPECT_EQ(second.id, first.id);
    EXPECT_EQ(second.new_files, 0U);
    EXPECT_EQ(second.hashed_files, 0U);  // the stat cache vouched for every file
    EXPECT_EQ(describe(second),
              fmt::format("snapshot {}: 3 files, 27 B, 0 new", first.id.substr(0, 7)));
}

TEST_F(SnapshotStore, OneChangedFileIsOneNewBlob) {
    write("a.py", "one");
    write("b.py", "two");
    const SnapshotCost first = take();
    write("b.py", "TWO");
    const SnapshotCost second = take();
    EXPECT_NE(second.id, first.id);
    EXPECT_EQ(second.new_files, 1U);
    EXPECT_EQ(second.hashed_files, 1U);
    EXPECT_TRUE(m_workspace->blobs().has(util::Sha256::of("TWO")));
    // The manifest is a blob too, and the blob index knows every blob.
    auto count = m_workspace->db().prepare("SELECT count(*) FROM blobs");
    ASSERT_TRUE(count && *count->step());
    EXPECT_EQ(count->integer(0), 3 + 2);
    auto snapshots = m_workspace->db().prepare("SELECT count(*) FROM snapshots");
    ASSERT_TRUE(snapshots && *snapshots->step());
    EXPECT_EQ(snapshots->integer(0), 2);
}

TEST_F(SnapshotStore, RacyEntriesAreHashedAgain) {
    write("a.py", "one");
    // A modification time at or after the cache's own cannot be trusted: the file could
    // change again within the same timestamp tick.
    struct timespec times[2];
    ::clock_gettime(CLOCK_REALTIME, &times[0]);
    times[0].tv_sec += 3600;
    times[1] = times[0];
    ASSERT_EQ(::utimensat(AT_FDCWD, (m_code / "a.py").c_str(), times, 0), 0);
    std::ignore = take();
    EXPECT_EQ(take().hashed_files, 1U);
}

TEST_F(SnapshotStore, ManifestRecordsModesSizesDigestsAndLinks) {
    write("run.sh", "#!/bin/sh\n");
    ::chmod((m_code / "run.sh").c_str(), 0755);
    fs::create_symlink("run.sh", m_code / "start");
    const SnapshotCost cost = take();
    auto text = util::read_file(m_workspace->blobs().path_of(cost.id));
    ASSERT_TRUE(text);
    EXPECT_EQ(*text, "ferry-manifest 1\n100755 10 " + util::Sha256::of("#!/bin/sh\n") +
                         " run.sh\n120000 6 " + util::Sha256::of("run.sh") + " start\trun.sh\n");
    EXPECT_EQ(cost.id, util::Sha256::of(*text));
}

TEST_F(SnapshotStore, LargeFilesAreCopiedAndNamedByTheirContent) {
    std::string big(9 << 20, 'x');
    big[12345] = 'y';
    write("weights.bin", big);
    const SnapshotCost cost = take();
    EXPECT_EQ(cost.new_bytes, big.size());
    const fs::path blob = m_workspace->blobs().path_of(util::Sha256::of(big));
    EXPECT_EQ(test::mode_of(blob), 0444U);
    auto stored = util::read_file(blob);
    ASSERT_TRUE(stored);
    EXPECT_TRUE(*stored == big);
}

TEST_F(SnapshotStore, MaterializeRestoresFilesModesAndLinksAsCopies) {
    write("run.sh", "#!/bin/sh\necho hi\n");
    ::chmod((m_code / "run.sh").c_str(), 0755);
    write("pkg/data.txt", "data");
    fs::create_symlink("../run.sh", m_code / "pkg/run");
    const SnapshotCost cost = take();
    const fs::path out = m_home / "wd";
    auto made = materialize(m_workspace->blobs(), cost.id, out);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(*util::read_file(out / "run.sh"), "#!/bin/sh\necho hi\n");
    EXPECT_EQ(test::mode_of(out / "run.sh"), 0755U);
    EXPECT_EQ(test::mode_of(out / "pkg/data.txt"), 0644U);
    EXPECT_EQ(fs::read_symlink(out / "pkg/run"), "../run.sh");
    struct stat st {};
    ASSERT_EQ(::stat((out / "pkg/data.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_nlink, 1U);  // a copy, never a hard link into the store
    // Writing to the working directory leaves the store alone.
    write_text(out / "pkg/data.txt", "changed");
    EXPECT_EQ(*util::read_file(m_workspace->blobs().path_of(util::Sha256::of("data"))), "data");

    auto again = materialize(m_workspace->blobs(), cost.id, out);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message,
              "cannot materialize snapshot into " + out.string() + ": not empty");
    EXPECT_FALSE(materialize(m_workspace->blobs(), std::string(64, 'e'), m_home / "x"));
}

TEST_F(SnapshotStore, MaterializeRefusesEntriesBelowALink) {
    const std::string digest = util::Sha256::of("x");
    auto blob = m_workspace->blobs().put_bytes("x");
    ASSERT_TRUE(blob);
    const std::string manifest = "ferry-manifest 1\n120000 4 " + digest + " a\t/etc\n";
    auto stored = m_workspace->blobs().put_bytes(manifest);
    ASSERT_TRUE(stored);
    auto made = materialize(m_workspace->blobs(), stored->sha256, m_home / "wd1");
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().message, "snapshot manifest: link a leads outside the snapshot");
    const std::string below =
        "ferry-manifest 1\n120000 1 " + digest + " a\tb\n100644 1 " + digest + " a/x\n";
    stored = m_workspace->blobs().put_bytes(below);
    ASSERT_TRUE(stored);
    made = materialize(m_workspace->blobs(), stored->sha256, m_home / "wd2");
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().message, "snapshot manifest: a/x lies below a symbolic link");
    // Each link looks harmless alone; through "s" the ".." of "e" would leave the tree.
    const std::string chain =
        "ferry-manifest 1\n120000 6 " + digest + " e\ts/../x\n120000 1 " + digest + " s\t.\n";
    stored = m_workspace->blobs().put_bytes(chain);
    ASSERT_TRUE(stored);
    made = materialize(m_workspace->blobs(), stored->sha256, m_home / "wd3");
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().message, "snapshot manifest: link e leads outside the snapshot");
    const std::string climb = "ferry-manifest 1\n120000 5 " + digest + " a/l\t../..\n";
    stored = m_workspace->blobs().put_bytes(climb);
    ASSERT_TRUE(stored);
    EXPECT_FALSE(materialize(m_workspace->blobs(), stored->sha256, m_home / "wd4"));
}

TEST_F(SnapshotStore, ADamagedBlobFailsTheMaterializeAndTheNextSnapshotRepairsIt) {
    write("train.py", "print('right')\n");
    const SnapshotCost first = take();
    const fs::path blob = m_workspace->blobs().path_of(util::Sha256::of("print('right')\n"));
    ::chmod(blob.c_str(), 0644);
    write_text(blob, "print('wrong')\n");
    auto made = materialize(m_workspace->blobs(), first.id, m_home / "wd1");
    ASSERT_FALSE(made);
    EXPECT_THAT(made.error().message, ::testing::HasSubstr("train.py in snapshot " +
                                                           first.id.substr(0, 12) + " is damaged"));
    // The stat cache vouched for train.py; the loss makes the next snapshot read it again.
    const SnapshotCost second = take();
    EXPECT_EQ(second.id, first.id);
    EXPECT_EQ(second.hashed_files, 1U);
    EXPECT_EQ(second.new_files, 1U);
    made = materialize(m_workspace->blobs(), second.id, m_home / "wd2");
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(*util::read_file(m_home / "wd2" / "train.py"), "print('right')\n");
}

TEST_F(SnapshotStore, ADamagedManifestIsSetAside) {
    write("a.py", "1");
    const SnapshotCost cost = take();
    const fs::path manifest = m_workspace->blobs().path_of(cost.id);
    ::chmod(manifest.c_str(), 0644);
    auto text = util::read_file(manifest);
    ASSERT_TRUE(text);
    write_text(manifest, *text + "100644 1 " + std::string(64, 'a') + " extra.py\n");
    auto made = materialize(m_workspace->blobs(), cost.id, m_home / "wd");
    ASSERT_FALSE(made);
    EXPECT_THAT(made.error().message, ::testing::HasSubstr("its manifest no longer matches"));
    EXPECT_FALSE(m_workspace->blobs().has(cost.id));
    EXPECT_EQ(take().id, cost.id);  // stored again
    EXPECT_TRUE(materialize(m_workspace->blobs(), cost.id, m_home / "wd2"));
}

TEST(SnapshotLimits, RefusalNamesTheLargestFilesAndDirectories) {
    Listing listing;
    listing.root = "/code";
    for (int i = 0; i < 12; ++i) {
        Entry entry;
        entry.path = fmt::format("data/part{:02}.bin", i);
        entry.size = 1000 + static_cast<std::uint64_t>(i);
        listing.bytes += entry.size;
        listing.entries.push_back(entry);
    }
    EXPECT_TRUE(check_limit(listing, listing.bytes));
    auto refused = check_limit(listing, 2048);
    ASSERT_FALSE(refused);
    const std::string& message = refused.error().message;
    EXPECT_TRUE(message.starts_with(
        "/code is 11.8 KiB in 12 files, over the snapshot limit of 2.0 KiB (--snapshot-limit or "
        "FERRY_SNAPSHOT_LIMIT); list what the job does not need in a .ferryignore\n"
        "largest files:\n      1011 B  data/part11.bin\n"))
        << message;
    EXPECT_NE(message.find("largest directories:\n    11.8 KiB  data/"), std::string::npos);
    EXPECT_EQ(message.find("part01"), std::string::npos);  // ten of twelve
}

TEST(SnapshotLimits, ResolvesFlagThenVariableThenDefault) {
    EXPECT_EQ(resolve_limit("", std::nullopt), k_default_limit);
    EXPECT_EQ(resolve_limit("", std::string("1m")), 1U << 20);
    EXPECT_EQ(resolve_limit("2k", std::string("1m")), 2048U);
    auto bad = resolve_limit("lots", std::nullopt);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ExitCode::usage);
    EXPECT_EQ(bad.error().message, "--snapshot-limit: 'lots' is not a size (like 500m or 2g)");
}

TEST(SnapshotLimits, WarnsOverAzuresLimitsAndAboutWhatWasLeftOut) {
    Listing listing;
    listing.root = "/code";
    listing.entries.resize(2001);
    listing.left_out = {{".env", LeftOutReason::credential, ".env"},
                        {"pw", LeftOutReason::outside_link, "/etc/passwd"}};
    const auto warnings = listing_warnings(listing);
    ASSERT_EQ(warnings.size(), 3U);
    EXPECT_EQ(warnings[0],
              "left out what looks like credentials: .env (a '!' line for one in an ignore file "
              "brings it back)");
    EXPECT_EQ(warnings[1], "left out symbolic links that lead outside /code: pw -> /etc/passwd");
    EXPECT_EQ(warnings[2],
              "the snapshot holds 2,001 files (Azure ML's limit: 2,000); a .ferryignore keeps "
              "data and build output out");
    listing.entries.resize(1);
    listing.left_out.clear();
    listing.bytes = 312'400'000;
    EXPECT_EQ(listing_warnings(listing),
              std::vector<std::string>{"the snapshot holds 312.4 MB (Azure ML's limit: 300 MB); a "
                                       ".ferryignore keeps data and build output out"});
}

TEST(StatCache, IgnoresForeignAndDamagedFiles) {
    TempDir dir;
    const fs::path file = dir / "cache";
    const std::string text = util::Sha256::of("x");
    HexDigest digest{};
    std::ranges::copy(text, digest.begin());
    const StatKey key{1, 10, 10, 7};
    ASSERT_TRUE(StatCache::save(file, "/root", {{"a", key, digest}}));
    EXPECT_EQ(StatCache::load(file, "/root").lookup("a", key), digest);
    EXPECT_EQ(StatCache::load(file, "/root").lookup("b", key), std::nullopt);
    EXPECT_EQ(StatCache::load(file, "/root").lookup("a", StatKey{1, 10, 11, 7}), std::nullopt);
    EXPECT_EQ(StatCache::load(file, "/other").size(), 0U);
    auto bytes = util::read_file(file);
    write_text(file, bytes->substr(0, bytes->size() - 5));
    EXPECT_EQ(StatCache::load(file, "/root").size(), 0U);
}

}  // namespace
}  // namespace ferry::snapshot
