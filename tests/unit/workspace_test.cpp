#include "ferry/store/workspace.hpp"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/store/migrations.hpp"
#include "test_support.hpp"

namespace ferry::store {
namespace {

using ferry::test::mode_of;
using ferry::test::ScopedUmask;
using ferry::test::TempDir;
using ferry::test::write_text;

constexpr std::string_view k_now = "2026-01-02T03:04:05.678Z";

TEST(Workspace, InitializeMakesAPrivateWorkspace) {
    TempDir tmp;
    ScopedUmask mask(0022);
    const fs::path root = tmp / "nested" / "ws";
    EXPECT_FALSE(Workspace::is_workspace(root));
    auto initialized = Workspace::initialize(root, "experiments", k_now);
    ASSERT_TRUE(initialized) << initialized.error().message;
    EXPECT_TRUE(Workspace::is_workspace(root));
    EXPECT_EQ(mode_of(root), 0700u);
    EXPECT_EQ(mode_of(root / "workspace.db"), 0600u);
    EXPECT_EQ(mode_of(root / "objects"), 0700u);
    EXPECT_TRUE(fs::is_directory(root / "objects" / "tmp"));
}

TEST(Workspace, OpenReadsWhatInitializeWrote) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "experiments", k_now));
    auto workspace = Workspace::open("team", root);
    ASSERT_TRUE(workspace) << workspace.error().message;
    EXPECT_EQ(workspace->name(), "team");
    EXPECT_EQ(workspace->root(), root);
    EXPECT_EQ(workspace->blobs().directory(), root / "objects");
    EXPECT_EQ(workspace->db().path(), root / "workspace.db");
    auto stats = workspace->stats();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->description, "experiments");
    EXPECT_EQ(stats->created_at, k_now);
    EXPECT_EQ(stats->schema_version, workspace_migrations().back().version);
    EXPECT_EQ(stats->blob_count, 0u);
    EXPECT_EQ(stats->blob_bytes, 0u);
}

TEST(Workspace, InitializeAgainKeepsDescriptionAndAge) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "first", k_now));
    ASSERT_TRUE(Workspace::initialize(root, "second", "2030-01-01T00:00:00.000Z"));
    auto workspace = Workspace::open("ws", root);
    ASSERT_TRUE(workspace);
    auto stats = workspace->stats();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->description, "first");
    EXPECT_EQ(stats->created_at, k_now);
}

TEST(Workspace, OpenOfANonWorkspaceNamesIt) {
    TempDir tmp;
    auto workspace = Workspace::open("ghost", tmp.path());
    ASSERT_FALSE(workspace);
    EXPECT_EQ(workspace.error().message, "workspace 'ghost': " + tmp.path().string() +
                                             " is not a ferry workspace (missing workspace.db)");
    auto missing = Workspace::open("ghost", tmp / "missing");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "workspace 'ghost': " + (tmp / "missing").string() +
                                           " is not a ferry workspace (missing workspace.db)");
}

TEST(Workspace, OpenRecreatesAMissingObjectsDirectory) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "", k_now));
    fs::remove_all(root / "objects");
    auto workspace = Workspace::open("ws", root);
    ASSERT_TRUE(workspace) << workspace.error().message;
    EXPECT_TRUE(fs::is_directory(root / "objects" / "tmp"));
    EXPECT_TRUE(workspace->put_blob_bytes("x", k_now));
}

TEST(Workspace, AnEmptyDatabaseIsRefusedOverBlobsButNotOverTheGcLockAlone) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "", k_now));
    {
        auto lease = BlobStore(root / "objects").lease(LeaseKind::shared);  // makes gc.lock
        ASSERT_TRUE(lease) << lease.error().message;
    }
    fs::remove(root / "workspace.db-wal");
    fs::remove(root / "workspace.db-shm");
    write_text(root / "workspace.db", "");
    EXPECT_TRUE(Workspace::open("ws", root));  // nothing stored yet: a fresh schema is harmless

    write_text(root / "workspace.db", "");
    write_text(root / "objects/ab/cdef", "x");
    auto refused = Workspace::open("ws", root);
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("is empty, but"));
}

TEST(Workspace, StatsCountBlobsAndBytes) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "", k_now));
    auto workspace = Workspace::open("ws", root);
    ASSERT_TRUE(workspace);
    auto abc = workspace->put_blob_bytes("abc", k_now);
    ASSERT_TRUE(abc) << abc.error().message;
    EXPECT_TRUE(abc->added);
    ASSERT_TRUE(workspace->put_blob_bytes("hello", k_now));
    auto again = workspace->put_blob_bytes("abc", "2027-01-01T00:00:00.000Z");
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->added);
    auto stats = workspace->stats();
    ASSERT_TRUE(stats) << stats.error().message;
    EXPECT_EQ(stats->blob_count, 2u);
    EXPECT_EQ(stats->blob_bytes, 8u);
    EXPECT_TRUE(workspace->blobs().has(abc->sha256));
}

TEST(Workspace, PutBlobFileIsIndexed) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "", k_now));
    auto workspace = Workspace::open("ws", root);
    ASSERT_TRUE(workspace);
    write_text(tmp / "weights.bin", std::string(4096, 'w'));
    auto blob = workspace->put_blob_file(tmp / "weights.bin", k_now);
    ASSERT_TRUE(blob) << blob.error().message;
    EXPECT_EQ(blob->size, 4096u);
    auto stats = workspace->stats();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->blob_count, 1u);
    EXPECT_EQ(stats->blob_bytes, 4096u);

    auto missing = workspace->put_blob_file(tmp / "missing.bin", k_now);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "cannot read " + (tmp / "missing.bin").string() + ": No such file or directory");
    EXPECT_EQ(workspace->stats()->blob_count, 1u);
}

TEST(Workspace, StatsSurviveReopening) {
    TempDir tmp;
    const fs::path root = tmp / "ws";
    ASSERT_TRUE(Workspace::initialize(root, "", k_now));
    {
        auto workspace = Workspace::open("ws", root);
        ASSERT_TRUE(workspace);
        ASSERT_TRUE(workspace->put_blob_bytes(std::string(1000, 'z'), k_now));
    }
    auto workspace = Workspace::open("ws", root);
    ASSERT_TRUE(workspace);
    auto stats = workspace->stats();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->blob_count, 1u);
    EXPECT_EQ(stats->blob_bytes, 1000u);
}

TEST(Workspace, InitializeOverAFileIsAnError) {
    TempDir tmp;
    write_text(tmp / "file", "x");
    auto initialized = Workspace::initialize(tmp / "file", "", k_now);
    ASSERT_FALSE(initialized);
    EXPECT_EQ(initialized.error().message, "cannot create directory " + (tmp / "file").string() +
                                               ": a file of that name exists");
}

}  // namespace
}  // namespace ferry::store

namespace ferry::store {
namespace {

// A workspace with a blob whose database was then rewritten with `bytes`.
fs::path damaged_workspace(const ferry::test::TempDir& tmp, const std::string& bytes) {
    const fs::path root = tmp / "ws";
    EXPECT_TRUE(Workspace::initialize(root, "", "2026-01-01T00:00:00.000Z"));
    {
        auto workspace = Workspace::open("ws", root);
        EXPECT_TRUE(workspace);
        EXPECT_TRUE(workspace->put_blob_bytes("kept", "2026-01-01T00:00:00.000Z"));
    }
    ferry::test::write_text(root / "workspace.db", bytes);
    return root;
}

TEST(WorkspaceDamage, AnEmptyDatabaseOverContentIsRefusedUntouched) {
    ferry::test::TempDir tmp;
    const fs::path root = damaged_workspace(tmp, "");
    const std::string expected =
        (root / "workspace.db").string() + " is empty, but " + root.string() +
        " holds a workspace's runs or objects: ferry will not start a new database over them "
        "(restore workspace.db from a backup, or move the directory away to start afresh)";
    auto opened = Workspace::open("ws", root);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().message, expected);
    auto initialized = Workspace::initialize(root, "", "2026-01-01T00:00:00.000Z");
    ASSERT_FALSE(initialized);
    EXPECT_EQ(initialized.error().message, expected);
    EXPECT_EQ(fs::file_size(root / "workspace.db"), 0U);
}

TEST(WorkspaceDamage, ADatabaseThatIsNotSqliteIsRefusedUntouched) {
    ferry::test::TempDir tmp;
    const fs::path root = damaged_workspace(tmp, "garbage, not SQLite\n");
    auto opened = Workspace::open("ws", root);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().message,
              (root / "workspace.db").string() +
                  " is not a SQLite database: ferry will not open or replace it (restore "
                  "workspace.db from a backup, or move the directory away to start afresh)");
    EXPECT_EQ(fs::file_size(root / "workspace.db"), 20U);
}

TEST(WorkspaceDamage, AnEmptyDatabaseInANewDirectoryIsInitialized) {
    ferry::test::TempDir tmp;
    const fs::path root = tmp / "ws";
    fs::create_directories(root / "objects" / "tmp");
    ferry::test::write_text(root / "workspace.db", "");
    ASSERT_TRUE(Workspace::initialize(root, "new", "2026-01-01T00:00:00.000Z"));
    auto workspace = Workspace::open("ws", root);
    ASSERT_TRUE(workspace) << workspace.error().message;
    EXPECT_EQ(workspace->stats()->description, "new");
}

}  // namespace
}  // namespace ferry::store
