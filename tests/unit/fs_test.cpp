#include "ferry/util/fs.hpp"
#include "ferry/util/lock.hpp"
#include "ferry/util/program.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ferry::util {
namespace {

using ferry::test::entries_of;
using ferry::test::mode_of;
using ferry::test::ScopedUmask;
using ferry::test::TempDir;
using ::testing::HasSubstr;

TEST(WriteFileAtomic, WritesContent) {
    TempDir tmp;
    const auto path = tmp / "config.yaml";
    ASSERT_TRUE(write_file_atomic(path, "workspace: a\n", 0644));
    auto text = read_file(path);
    ASSERT_TRUE(text) << text.error().message;
    EXPECT_EQ(*text, "workspace: a\n");
    // Nothing but the file is left in the directory.
    EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"config.yaml"});
}

TEST(WriteFileAtomic, ReplacesExistingContent) {
    TempDir tmp;
    const auto path = tmp / "file";
    ASSERT_TRUE(write_file_atomic(path, "a much longer first content", 0644));
    ASSERT_TRUE(write_file_atomic(path, "short", 0644, Durable::no));
    EXPECT_EQ(read_file(path).value(), "short");
    EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"file"});
}

TEST(WriteFileAtomic, EmptyContent) {
    TempDir tmp;
    const auto path = tmp / "empty";
    ASSERT_TRUE(write_file_atomic(path, "", 0600));
    EXPECT_EQ(read_file(path).value(), "");
}

TEST(WriteFileAtomic, ModeIsHonouredRegardlessOfUmask) {
    TempDir tmp;
    {
        // A umask that would widen nothing but narrow everything.
        ScopedUmask mask(0077);
        ASSERT_TRUE(write_file_atomic(tmp / "a", "x", 0644));
    }
    {
        // A permissive umask must not leave group/other bits on a private file.
        ScopedUmask mask(0000);
        ASSERT_TRUE(write_file_atomic(tmp / "b", "x", 0600));
    }
    {
        ScopedUmask mask(0777);
        ASSERT_TRUE(write_file_atomic(tmp / "c", "x", 0600));
    }
    EXPECT_EQ(mode_of(tmp / "a"), 0644u);
    EXPECT_EQ(mode_of(tmp / "b"), 0600u);
    EXPECT_EQ(mode_of(tmp / "c"), 0600u);
}

TEST(WriteFileAtomic, MissingDirectoryNamesIt) {
    TempDir tmp;
    const auto dir = tmp / "missing";
    auto written = write_file_atomic(dir / "file", "x", 0644);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().message,
              "cannot create a file in " + dir.string() + ": No such file or directory");
    EXPECT_EQ(written.error().code, ExitCode::failure);
}

// Whether this filesystem gives temporary files no name until they are committed.
bool makes_unnamed_files(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
    return static_cast<bool>(fd) && ::access("/proc/self/fd", X_OK) == 0;
}

TEST(TempFile, HasNoNameWhileWrittenAndLeavesNothingUncommitted) {
    TempDir tmp;
    if (!makes_unnamed_files(tmp.path())) {
        GTEST_SKIP() << "no O_TMPFILE on " << tmp.path();
    }
    {
        auto temp = TempFile::create_in(tmp.path(), 0600);
        ASSERT_TRUE(temp) << temp.error().message;
        EXPECT_EQ(temp->path().parent_path(), tmp.path());
        EXPECT_TRUE(temp->path().filename().string().starts_with(".tmp-"));
        ASSERT_TRUE(temp->write_all("half a file"));
        // A process killed now leaves nothing in the directory.
        EXPECT_TRUE(entries_of(tmp.path()).empty());
        EXPECT_FALSE(fs::exists(temp->path()));
    }
    EXPECT_TRUE(entries_of(tmp.path()).empty());
}

TEST(TempFile, MovedFromLeavesTheFileToTheNewOwner) {
    TempDir tmp;
    auto temp = TempFile::create_in(tmp.path(), 0600);
    ASSERT_TRUE(temp);
    ASSERT_TRUE(temp->write_all("moved"));
    const fs::path path = temp->path();
    {
        TempFile moved(std::move(*temp));
        EXPECT_EQ(moved.path(), path);
        ASSERT_TRUE(moved.commit_rename(tmp / "final"));
    }
    EXPECT_EQ(read_file(tmp / "final").value(), "moved");
    EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"final"});
}

TEST(TempFile, CommitRenameMovesIntoPlace) {
    TempDir tmp;
    auto temp = TempFile::create_in(tmp.path(), 0640);
    ASSERT_TRUE(temp);
    ASSERT_TRUE(temp->write_all("content"));
    const fs::path temp_path = temp->path();
    ASSERT_TRUE(temp->commit_rename(tmp / "final"));
    EXPECT_FALSE(fs::exists(temp_path));
    EXPECT_EQ(read_file(tmp / "final").value(), "content");
    EXPECT_EQ(mode_of(tmp / "final"), 0640u);
}

TEST(TempFile, CommitRenameReplacesAFileOrALinkWithoutFollowingIt) {
    TempDir tmp;
    ASSERT_TRUE(write_file_atomic(tmp / "final", "old", 0644));
    ASSERT_TRUE(write_file_atomic(tmp / "elsewhere", "not mine", 0644));
    fs::create_symlink("elsewhere", tmp / "link");
    for (const char* name : {"final", "link"}) {
        auto temp = TempFile::create_in(tmp.path(), 0600);
        ASSERT_TRUE(temp);
        ASSERT_TRUE(temp->write_all("new"));
        ASSERT_TRUE(temp->commit_rename(tmp / name, Durable::no));
        EXPECT_EQ(read_file(tmp / name).value(), "new");
        EXPECT_FALSE(fs::is_symlink(tmp / name));
        EXPECT_EQ(mode_of(tmp / name), 0600u);
    }
    EXPECT_EQ(read_file(tmp / "elsewhere").value(), "not mine");
    EXPECT_EQ(entries_of(tmp.path()), (std::vector<std::string>{"elsewhere", "final", "link"}));
}

TEST(TempFile, CommitLinkCreatesTheDestination) {
    TempDir tmp;
    auto temp = TempFile::create_in(tmp.path(), 0444);
    ASSERT_TRUE(temp);
    ASSERT_TRUE(temp->write_all("first"));
    auto linked = temp->commit_link(tmp / "blob");
    ASSERT_TRUE(linked) << linked.error().message;
    EXPECT_TRUE(*linked);
    EXPECT_EQ(read_file(tmp / "blob").value(), "first");
    // The temporary name is gone.
    EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"blob"});
}

TEST(TempFile, CommitLinkKeepsTheFirstContentWhenTheDestinationExists) {
    TempDir tmp;
    ASSERT_TRUE(write_file_atomic(tmp / "blob", "first", 0444));
    auto temp = TempFile::create_in(tmp.path(), 0444);
    ASSERT_TRUE(temp);
    ASSERT_TRUE(temp->write_all("second"));
    auto linked = temp->commit_link(tmp / "blob");
    ASSERT_TRUE(linked) << linked.error().message;
    EXPECT_FALSE(*linked);
    EXPECT_EQ(read_file(tmp / "blob").value(), "first");
    EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"blob"});
}

TEST(TempFile, CreateInMissingDirectoryNamesIt) {
    TempDir tmp;
    auto temp = TempFile::create_in(tmp / "nope", 0600);
    ASSERT_FALSE(temp);
    EXPECT_EQ(temp.error().message,
              "cannot create a file in " + (tmp / "nope").string() + ": No such file or directory");
}

TEST(CreateDirectories, LeafGetsTheMode) {
    TempDir tmp;
    ScopedUmask mask(0022);
    const auto leaf = tmp / "a" / "b" / "c";
    ASSERT_TRUE(create_directories(leaf, 0700));
    EXPECT_TRUE(fs::is_directory(leaf));
    EXPECT_EQ(mode_of(leaf), 0700u);
    // Missing parents get 0755 (less the umask).
    EXPECT_EQ(mode_of(tmp / "a"), 0755u);
    EXPECT_EQ(mode_of(tmp / "a" / "b"), 0755u);
}

TEST(CreateDirectories, ExistingDirectoryIsFineAndUnchanged) {
    TempDir tmp;
    const auto dir = tmp / "d";
    ASSERT_TRUE(create_directories(dir, 0700));
    ASSERT_TRUE(create_directories(dir, 0755));
    EXPECT_EQ(mode_of(dir), 0700u);
}

TEST(CreateDirectories, AFileInTheWayIsAnError) {
    TempDir tmp;
    ASSERT_TRUE(write_file_atomic(tmp / "f", "x", 0644));
    auto made = create_directories(tmp / "f", 0700);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().message,
              "cannot create directory " + (tmp / "f").string() + ": a file of that name exists");
    auto below = create_directories(tmp / "f" / "g", 0700);
    ASSERT_FALSE(below);
    EXPECT_THAT(below.error().message, HasSubstr((tmp / "f").string()));
}

TEST(ReadFile, MissingFileMessageNamesThePath) {
    TempDir tmp;
    const auto path = tmp / "missing.yaml";
    auto text = read_file(path);
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().message, "cannot read " + path.string() + ": No such file or directory");
    EXPECT_EQ(text.error().code, ExitCode::failure);
}

TEST(ReadFile, DirectoryMessageNamesThePath) {
    TempDir tmp;
    auto text = read_file(tmp.path());
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().message, "cannot read " + tmp.path().string() + ": Is a directory");
}

TEST(ReadFile, ReadsMoreThanOneBuffer) {
    TempDir tmp;
    std::string big(200000, 'x');
    big[123456] = 'y';
    ASSERT_TRUE(write_file_atomic(tmp / "big", big, 0600));
    EXPECT_EQ(read_file(tmp / "big").value(), big);
}

TEST(Exists, FilesLinksAndMissing) {
    TempDir tmp;
    ASSERT_TRUE(write_file_atomic(tmp / "f", "x", 0644));
    fs::create_symlink(tmp / "nowhere", tmp / "dangling");
    EXPECT_EQ(util::exists(tmp / "f"), true);
    EXPECT_EQ(util::exists(tmp / "dangling"), true);  // lstat: the link itself exists
    EXPECT_EQ(util::exists(tmp / "missing"), false);
    EXPECT_EQ(util::exists(tmp / "f" / "below"), false);  // ENOTDIR reads as missing
}

TEST(RemoveAll, RemovesATreeAndToleratesMissing) {
    TempDir tmp;
    ASSERT_TRUE(create_directories(tmp / "t" / "u", 0700));
    ASSERT_TRUE(write_file_atomic(tmp / "t" / "u" / "f", "x", 0644));
    ASSERT_TRUE(util::remove_all(tmp / "t"));
    EXPECT_FALSE(fs::exists(tmp / "t"));
    EXPECT_TRUE(util::remove_all(tmp / "t"));
}

TEST(FsyncDirectory, MissingDirectoryNamesIt) {
    TempDir tmp;
    auto synced = fsync_directory(tmp / "gone");
    ASSERT_FALSE(synced);
    EXPECT_EQ(synced.error().message,
              "cannot open directory " + (tmp / "gone").string() + ": No such file or directory");
}

}  // namespace
}  // namespace ferry::util

namespace ferry::util {
namespace {

TEST(LockFile, ExcludesOthersUntilClosedAndSharedHoldersShare) {
    TempDir tmp;
    const auto path = tmp / "x.lock";
    // Another open of the file stands for another process: flock is per open file.
    const auto try_lock = [&](int operation) {
        Fd other(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        return ::flock(other.get(), operation | LOCK_NB) == 0;
    };
    {
        auto held = lock_file(path, LockKind::exclusive);  // made, as it was missing
        ASSERT_TRUE(held) << held.error().message;
        EXPECT_FALSE(try_lock(LOCK_SH));
    }
    EXPECT_TRUE(try_lock(LOCK_EX));  // released by the close
    auto shared = lock_file(path, LockKind::shared);
    ASSERT_TRUE(shared);
    EXPECT_TRUE(try_lock(LOCK_SH));
    EXPECT_FALSE(try_lock(LOCK_EX));
}

TEST(LockFile, ADirectoryIsLockedAsItselfAndAMissingPlaceIsNamed) {
    TempDir tmp;
    auto held = lock_file(tmp.path(), LockKind::exclusive);
    ASSERT_TRUE(held) << held.error().message;
    Fd other(::open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    EXPECT_NE(::flock(other.get(), LOCK_EX | LOCK_NB), 0);
    auto missing = lock_file(tmp / "no" / "x.lock", LockKind::shared);
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message, HasSubstr("no/x.lock"));
}

TEST(FindProgramOn, FirstExecutableOnThePathAndNamesWithASlashAsGiven) {
    EXPECT_EQ(find_program_on("sh", "/nonexistent::/bin:/usr/bin"),
              std::filesystem::path("/bin/sh"));
    EXPECT_FALSE(find_program_on("sh", "/nonexistent"));
    EXPECT_FALSE(find_program_on("sh", ""));
    EXPECT_EQ(find_program_on("/bin/sh", ""), std::filesystem::path("/bin/sh"));
    EXPECT_FALSE(find_program_on("/nonexistent/sh", "/bin"));
}

}  // namespace
}  // namespace ferry::util
