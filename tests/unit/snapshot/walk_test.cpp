#include "ferry/snapshot/walk.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../test_support.hpp"

namespace ferry::snapshot {
namespace {

using test::TempDir;
using test::write_text;

std::vector<std::string> paths_of(const Listing& listing) {
    std::vector<std::string> paths;
    for (const auto& entry : listing.entries) {
        paths.push_back(entry.path);
    }
    return paths;
}

Listing must_list(const fs::path& root) {
    auto listing = list_tree(root);
    EXPECT_TRUE(listing) << listing.error().message;
    return listing ? *listing : Listing{};
}

TEST(ListTree, HonoursNestedIgnoreFilesAndSortsPaths) {
    TempDir dir;
    write_text(dir / ".gitignore", "*.log\nbuild/\n");
    write_text(dir / "a.py", "1");
    write_text(dir / "b.log", "2");
    write_text(dir / "build/out.o", "3");
    write_text(dir / "sub/.gitignore", "!keep.log\n*.tmp\n");
    write_text(dir / "sub/keep.log", "4");
    write_text(dir / "sub/x.tmp", "5");
    write_text(dir / "x.tmp", "6");
    write_text(dir / "a-b/c", "7");
    const Listing listing = must_list(dir.path());
    EXPECT_EQ(paths_of(listing),
              (std::vector<std::string>{".gitignore", "a-b/c", "a.py", "sub/.gitignore",
                                        "sub/keep.log", "x.tmp"}));
    EXPECT_EQ(listing.bytes, 13U + 1 + 1 + 16 + 1 + 1);
    EXPECT_EQ(listing.root, dir.path());
}

TEST(ListTree, CannotReincludeBelowAnExcludedDirectory) {
    TempDir dir;
    write_text(dir / ".gitignore", "out/\n!out/keep\n");
    write_text(dir / "out/keep", "1");
    write_text(dir / "out/.gitignore", "!keep\n");
    write_text(dir / "main.py", "2");
    EXPECT_EQ(paths_of(must_list(dir.path())), (std::vector<std::string>{".gitignore", "main.py"}));
}

TEST(ListTree, FerryignoreThenAmlignoreReplaceGitignoreInTheirDirectoryOnly) {
    TempDir dir;
    write_text(dir / ".gitignore", "*.txt\n");
    write_text(dir / ".amlignore", "*.log\n");
    write_text(dir / "a.txt", "");
    write_text(dir / "a.log", "");
    write_text(dir / "sub/.gitignore", "*.md\n");
    write_text(dir / "sub/b.txt", "");
    write_text(dir / "sub/b.md", "");
    write_text(dir / "f/.ferryignore", "*.csv\n");
    write_text(dir / "f/.amlignore", "*.py\n");
    write_text(dir / "f/c.csv", "");
    write_text(dir / "f/c.py", "");
    EXPECT_EQ(
        paths_of(must_list(dir.path())),
        (std::vector<std::string>{".amlignore", ".gitignore", "a.txt", "f/.amlignore",
                                  "f/.ferryignore", "f/c.py", "sub/.gitignore", "sub/b.txt"}));
}

// In a directory, .ignore beats .gitignore and yields to .amlignore or .ferryignore, which
// replace only the .gitignore; deeper directories still win, as in git.
TEST(ListTree, DotIgnoreSitsBetweenGitignoreAndAmlignore) {
    TempDir dir;
    write_text(dir / ".gitignore", "*.log\n!x.md\n");
    write_text(dir / ".ignore", "!keep.log\n*.md\n*.csv\n");
    write_text(dir / "a.log", "");
    write_text(dir / "keep.log", "");
    write_text(dir / "x.md", "");
    write_text(dir / "aml/.amlignore", "!keep.csv\n");
    write_text(dir / "aml/.ignore", "*.txt\n");
    write_text(dir / "aml/.gitignore", "*.py\n");
    write_text(dir / "aml/keep.csv", "");
    write_text(dir / "aml/drop.csv", "");
    write_text(dir / "aml/a.txt", "");
    write_text(dir / "aml/a.py", "");
    write_text(dir / "f/.ferryignore", "!a.txt\n");
    write_text(dir / "f/.amlignore", "*\n");
    write_text(dir / "f/.ignore", "*.txt\nb.py\n");
    write_text(dir / "f/a.txt", "");
    write_text(dir / "f/b.txt", "");
    write_text(dir / "f/b.py", "");
    write_text(dir / "deep/.gitignore", "!kept.md\n");
    write_text(dir / "deep/kept.md", "");
    EXPECT_EQ(paths_of(must_list(dir.path())),
              (std::vector<std::string>{".gitignore", ".ignore", "aml/.amlignore", "aml/.gitignore",
                                        "aml/.ignore", "aml/a.py", "aml/keep.csv",
                                        "deep/.gitignore", "deep/kept.md", "f/.amlignore",
                                        "f/.ferryignore", "f/.ignore", "f/a.txt", "keep.log"}));
}

TEST(ListTree, LeavesOutFerrysOwnDirectoriesUnlessIgnoredAnyway) {
    TempDir dir;
    write_text(dir / "train.py", "");
    write_text(dir / "home/ferry/registry.db", "");
    write_text(dir / "home/ferry/workspaces/default/workspace.db", "");
    write_text(dir / "elsewhere/ws/workspace.db", "");
    write_text(dir / "ignored/ws/workspace.db", "");
    write_text(dir / ".gitignore", "ignored/\n");
    fs::create_symlink("elsewhere", dir / "alias");
    TempDir outside;
    const std::vector<FerryDirectory> ours = {
        {dir / "home/ferry", "FERRY_HOME"},
        {dir / "home/ferry/workspaces/default", "workspace 'default'"},
        {dir / "alias/ws", "workspace 'linked'"},  // found where it really is
        {dir / "ignored/ws", "workspace 'ignored'"},
        {dir / "missing", "workspace 'missing'"},
        {outside.path(), "workspace 'outside'"},
        {dir.path(), "workspace 'the root itself'"}};
    auto listing = list_tree(dir.path(), IgnoreFiles::honoured, ours);
    ASSERT_TRUE(listing) << listing.error().message;
    EXPECT_EQ(paths_of(*listing), (std::vector<std::string>{".gitignore", "alias", "train.py"}));
    ASSERT_EQ(listing->left_out.size(), 2U);
    EXPECT_EQ(listing->left_out[0].path, "elsewhere/ws/");
    EXPECT_EQ(listing->left_out[0].reason, LeftOutReason::ferry_data);
    EXPECT_EQ(listing->left_out[0].detail, "workspace 'linked'");
    EXPECT_EQ(listing->left_out[1].path, "home/ferry/");
    EXPECT_EQ(listing->left_out[1].detail, "FERRY_HOME");

    auto why = explain(dir.path(), "home/ferry/workspaces/default/workspace.db", ours);
    ASSERT_TRUE(why) << why.error().message;
    EXPECT_FALSE(why->included);
    EXPECT_EQ(why->left_out, LeftOutReason::ferry_data);
    EXPECT_EQ(why->decided_by_directory, "home/ferry");
    EXPECT_EQ(why->detail, "FERRY_HOME");
    why = explain(dir.path(), "elsewhere/ws", ours);
    ASSERT_TRUE(why);
    EXPECT_EQ(why->left_out, LeftOutReason::ferry_data);
    EXPECT_EQ(why->decided_by_directory, "");
    why = explain(dir.path(), "ignored/ws/workspace.db", ours);
    ASSERT_TRUE(why);
    EXPECT_FALSE(why->left_out);
    EXPECT_EQ(why->decided_by_directory, "ignored");
}

TEST(ListTree, NeverIncludesGitDirectoriesOrEmptyDirectories) {
    TempDir dir;
    write_text(dir / ".git/config", "x");
    write_text(dir / "vendor/lib/.git", "gitdir: elsewhere");
    write_text(dir / "vendor/lib/x.c", "y");
    fs::create_directories(dir / "empty/deeper");
    EXPECT_EQ(paths_of(must_list(dir.path())), (std::vector<std::string>{"vendor/lib/x.c"}));
}

TEST(ListTree, LeavesOutCredentialsUnlessReincluded) {
    TempDir dir;
    write_text(dir / ".env", "SECRET=1");
    write_text(dir / "deploy/server.pem", "k");
    write_text(dir / ".ssh/id_rsa", "k");
    write_text(dir / "train.py", "");
    Listing listing = must_list(dir.path());
    EXPECT_EQ(paths_of(listing), (std::vector<std::string>{"train.py"}));
    ASSERT_EQ(listing.left_out.size(), 3U);
    EXPECT_EQ(listing.left_out[0].path, ".env");
    EXPECT_EQ(listing.left_out[1].path, ".ssh/");
    EXPECT_EQ(listing.left_out[2].path, "deploy/server.pem");
    EXPECT_EQ(listing.left_out[2].reason, LeftOutReason::credential);

    write_text(dir / ".ferryignore", "!.env\n");
    listing = must_list(dir.path());
    EXPECT_EQ(paths_of(listing), (std::vector<std::string>{".env", ".ferryignore", "train.py"}));
    EXPECT_EQ(listing.left_out.size(), 2U);
}

TEST(ListTree, KeepsLinksInsideAndLeavesOutLinksOutside) {
    TempDir dir;
    write_text(dir / "data/x.csv", "1,2");
    write_text(dir / "src/main.py", "");
    fs::create_symlink("../data/x.csv", dir / "src/data.csv");
    fs::create_symlink(dir / "data", dir / "abs-inside");
    fs::create_symlink("/etc/passwd", dir / "passwd");
    fs::create_symlink("../../../../../../../../etc", dir / "src/climb");
    fs::create_symlink("passwd", dir / "via-link");  // inside by name, outside in fact
    fs::create_symlink("missing", dir / "dangling");
    // Out by name and back in: stored in normal form, which works wherever it is materialized.
    fs::create_symlink("../" + dir.path().filename().string() + "/data/x.csv", dir / "roundabout");
    const Listing listing = must_list(dir.path());
    EXPECT_EQ(paths_of(listing),
              (std::vector<std::string>{"abs-inside", "dangling", "data/x.csv", "roundabout",
                                        "src/data.csv", "src/main.py"}));
    EXPECT_EQ(listing.entries[3].target, "data/x.csv");
    EXPECT_EQ(listing.entries[0].target, "data");
    EXPECT_EQ(listing.entries[0].kind, EntryKind::symlink);
    EXPECT_EQ(listing.entries[4].target, "../data/x.csv");
    EXPECT_EQ(listing.entries[4].size, 13U);
    std::vector<std::string> outside;
    for (const auto& left : listing.left_out) {
        EXPECT_EQ(left.reason, LeftOutReason::outside_link);
        outside.push_back(left.path);
    }
    EXPECT_EQ(outside, (std::vector<std::string>{"passwd", "src/climb", "via-link"}));
}

TEST(ListTree, RecordsTheExecutableBitAndLeavesOutSpecialFiles) {
    TempDir dir;
    write_text(dir / "run.sh", "#!/bin/sh\n");
    ::chmod((dir / "run.sh").c_str(), 0755);
    ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
    const Listing listing = must_list(dir.path());
    ASSERT_EQ(listing.entries.size(), 1U);
    EXPECT_EQ(listing.entries[0].mode(), "100755");
    ASSERT_EQ(listing.left_out.size(), 1U);
    EXPECT_EQ(listing.left_out[0].reason, LeftOutReason::special_file);
    EXPECT_EQ(listing.left_out[0].detail, "a named pipe");
}

TEST(ListTree, FailsOnAMissingRoot) {
    TempDir dir;
    auto listing = list_tree(dir / "nope");
    ASSERT_FALSE(listing);
    EXPECT_EQ(listing.error().message,
              "cannot read " + (dir / "nope").string() + ": No such file or directory");
}

TEST(Explain, NamesTheDecidingRule) {
    TempDir dir;
    write_text(dir / ".gitignore", "# logs\n*.log\nbuild/\n");
    write_text(dir / "sub/.gitignore", "!keep.log\n");
    write_text(dir / "sub/keep.log", "");
    write_text(dir / "build/x.o", "");
    write_text(dir / "a.log", "");

    auto why = explain(dir.path(), "a.log");
    ASSERT_TRUE(why) << why.error().message;
    EXPECT_FALSE(why->included);
    ASSERT_TRUE(why->rule);
    EXPECT_EQ(why->rule->source, ".gitignore");
    EXPECT_EQ(why->rule->line_number, 2);
    EXPECT_EQ(why->rule->line, "*.log");

    why = explain(dir.path(), "sub/keep.log");
    ASSERT_TRUE(why);
    EXPECT_TRUE(why->included);
    EXPECT_EQ(why->rule->source, "sub/.gitignore");

    why = explain(dir.path(), "build/x.o");
    ASSERT_TRUE(why);
    EXPECT_FALSE(why->included);
    EXPECT_EQ(why->decided_by_directory, "build");
    EXPECT_EQ(why->rule->line, "build/");

    why = explain(dir.path(), "new/file.py");
    ASSERT_TRUE(why);
    EXPECT_TRUE(why->included);
    EXPECT_FALSE(why->exists);
    EXPECT_FALSE(why->rule);

    why = explain(dir.path(), ".git/HEAD");
    ASSERT_TRUE(why);
    EXPECT_TRUE(why->git_directory);
    EXPECT_FALSE(why->included);

    EXPECT_FALSE(explain(dir.path(), "../outside"));

    fs::create_symlink("sub", dir / "alias");
    why = explain(dir.path(), "alias/keep.log");
    ASSERT_TRUE(why);
    EXPECT_FALSE(why->included);
    EXPECT_EQ(why->below_link, "alias");
    EXPECT_EQ(why->path, "alias/keep.log");
}

}  // namespace
}  // namespace ferry::snapshot
