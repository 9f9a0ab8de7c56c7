#include "ferry/store/registry.hpp"

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/store/database.hpp"
#include "ferry/store/workspace.hpp"
#include "test_support.hpp"

namespace ferry::store {
namespace {

using ferry::test::entries_of;
using ferry::test::mode_of;
using ferry::test::TempDir;
using ferry::test::write_text;
using ::testing::HasSubstr;

constexpr std::string_view k_now = "2026-01-02T03:04:05.678Z";

std::vector<std::string> names_of(Registry& registry) {
    std::vector<std::string> names;
    auto entries = registry.list();
    EXPECT_TRUE(entries) << entries.error().message;
    if (entries) {
        for (const auto& entry : *entries) {
            names.push_back(entry.name);
        }
    }
    return names;
}

class RegistryTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto registry = Registry::open(home(), k_now);
        ASSERT_TRUE(registry) << registry.error().message;
        m_registry.emplace(std::move(*registry));
    }
    [[nodiscard]] fs::path home() const { return m_tmp / "home"; }
    Registry& registry() { return *m_registry; }

    TempDir m_tmp;
    std::optional<Registry> m_registry;
};

TEST_F(RegistryTest, OpenCreatesTheDefaultWorkspace) {
    EXPECT_EQ(registry().home(), home());
    EXPECT_EQ(mode_of(home()), 0700u);
    EXPECT_EQ(mode_of(home() / "workspaces"), 0700u);
    EXPECT_EQ(mode_of(home() / "registry.db"), 0600u);
    auto entries = registry().list();
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ(entries->front().name, "default");
    EXPECT_EQ(entries->front().path, home() / "workspaces" / "default");
    EXPECT_EQ(entries->front().created_at, k_now);
    EXPECT_TRUE(Workspace::is_workspace(home() / "workspaces" / "default"));
}

TEST_F(RegistryTest, OpeningAgainKeepsOneDefault) {
    auto again = Registry::open(home(), "2030-01-01T00:00:00.000Z");
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(names_of(*again), std::vector<std::string>{"default"});
    auto entry = again->find("default");
    ASSERT_TRUE(entry && *entry);
    EXPECT_EQ((*entry)->created_at, k_now);
}

TEST_F(RegistryTest, OpenRecreatesAForgottenDefault) {
    ASSERT_EQ(registry().forget("default"), true);
    auto again = Registry::open(home(), k_now);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(names_of(*again), std::vector<std::string>{"default"});
}

TEST_F(RegistryTest, DefaultPath) {
    EXPECT_EQ(registry().default_path("team"), home() / "workspaces" / "team");
}

TEST_F(RegistryTest, CreateFindList) {
    auto created = registry().create("team", std::nullopt, "shared work", k_now);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->name, "team");
    EXPECT_EQ(created->path, home() / "workspaces" / "team");
    EXPECT_EQ(created->created_at, k_now);
    EXPECT_TRUE(Workspace::is_workspace(created->path));

    auto found = registry().find("team");
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->name, "team");
    EXPECT_EQ((*found)->path, created->path);
    EXPECT_EQ((*found)->created_at, k_now);

    auto workspace = Workspace::open("team", created->path);
    ASSERT_TRUE(workspace);
    EXPECT_EQ(workspace->stats()->description, "shared work");

    auto absent = registry().find("nobody");
    ASSERT_TRUE(absent);
    EXPECT_FALSE(absent->has_value());

    ASSERT_TRUE(registry().create("alpha", std::nullopt, "", k_now));
    // Sorted by name.
    EXPECT_EQ(names_of(registry()), (std::vector<std::string>{"alpha", "default", "team"}));
}

TEST_F(RegistryTest, CreateWithAPath) {
    const fs::path path = m_tmp / "shared" / "ws";
    auto created = registry().create("shared", path, "", k_now);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->path, path);
    EXPECT_TRUE(Workspace::is_workspace(path));
    EXPECT_FALSE(fs::exists(home() / "workspaces" / "shared"));
    EXPECT_EQ(registry().find("shared").value().value().path, path);
}

TEST_F(RegistryTest, CreateInAnEmptyDirectory) {
    const fs::path path = m_tmp / "empty";
    ASSERT_TRUE(util::create_directories(path, 0755));
    auto created = registry().create("empty", path, "", k_now);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_TRUE(Workspace::is_workspace(path));
}

TEST_F(RegistryTest, CreateAttachesAnExistingWorkspace) {
    const fs::path path = m_tmp / "elsewhere";
    ASSERT_TRUE(Workspace::initialize(path, "original", "2020-01-01T00:00:00.000Z"));
    ASSERT_TRUE(Workspace::open("x", path)->put_blob_bytes("data", k_now));
    auto created = registry().create("attached", path, "new description", k_now);
    ASSERT_TRUE(created) << created.error().message;
    auto workspace = Workspace::open("attached", path);
    ASSERT_TRUE(workspace);
    auto stats = workspace->stats();
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->description, "original");
    EXPECT_EQ(stats->created_at, "2020-01-01T00:00:00.000Z");
    EXPECT_EQ(stats->blob_count, 1u);
}

TEST_F(RegistryTest, CreateOfAnExistingNameIsAnError) {
    ASSERT_TRUE(registry().create("team", std::nullopt, "", k_now));
    auto again = registry().create("team", m_tmp / "other", "", k_now);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message,
              "workspace 'team' already exists at " + (home() / "workspaces" / "team").string());
    EXPECT_THAT(again.error().message, HasSubstr("already exists"));
    // The other directory was not made a workspace, nor left behind.
    EXPECT_FALSE(fs::exists(m_tmp / "other"));
    auto defaulted = registry().create("default", std::nullopt, "", k_now);
    ASSERT_FALSE(defaulted);
    EXPECT_THAT(defaulted.error().message, HasSubstr("workspace 'default' already exists at "));
}

TEST_F(RegistryTest, CreateInANonEmptyNonWorkspaceDirectoryIsRefused) {
    const fs::path path = m_tmp / "project";
    ASSERT_TRUE(util::create_directories(path, 0755));
    write_text(path / "train.py", "print('hi')\n");
    auto created = registry().create("project", path, "", k_now);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message, "cannot use " + path.string() +
                                           " for a workspace: the directory is not empty and "
                                           "holds no workspace.db");
    // The registry is unchanged and the directory untouched.
    EXPECT_EQ(names_of(registry()), std::vector<std::string>{"default"});
    EXPECT_EQ(entries_of(path), std::vector<std::string>{"train.py"});
}

TEST_F(RegistryTest, CreateOverAFileIsRefused) {
    const fs::path path = m_tmp / "file";
    write_text(path, "x");
    auto created = registry().create("file", path, "", k_now);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message,
              "cannot use " + path.string() + " for a workspace: it is not a directory");
    EXPECT_EQ(names_of(registry()), std::vector<std::string>{"default"});
}

TEST_F(RegistryTest, CreateThatCannotInitializeLeavesNothingBehind) {
    const fs::path file = m_tmp / "file";
    write_text(file, "x");
    auto created = registry().create("under", file / "ws", "", k_now);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message,
              "cannot create directory " + file.string() + ": a file of that name exists");
    EXPECT_EQ(names_of(registry()), std::vector<std::string>{"default"});
    EXPECT_EQ(util::read_file(file).value(), "x");
    // The name is free again.
    EXPECT_TRUE(registry().create("under", std::nullopt, "", k_now));
}

TEST_F(RegistryTest, CreateWithARelativePathIsRefused) {
    auto created = registry().create("rel", fs::path("relative/dir"), "", k_now);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message, "workspace path must be absolute: relative/dir");
    EXPECT_EQ(names_of(registry()), std::vector<std::string>{"default"});
}

TEST_F(RegistryTest, CreateWithAnInvalidNameIsAUsageError) {
    auto created = registry().create("bad name", std::nullopt, "", k_now);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ExitCode::usage);
    EXPECT_THAT(created.error().message, HasSubstr("invalid workspace name 'bad name'"));
    EXPECT_EQ(names_of(registry()), std::vector<std::string>{"default"});
}

TEST_F(RegistryTest, CreateThroughASymlinkToAWorkspace) {
    const fs::path real = m_tmp / "real";
    ASSERT_TRUE(Workspace::initialize(real, "", k_now));
    write_text(real / "notes.txt", "extra files are fine in a workspace");
    fs::create_directory_symlink(real, m_tmp / "link");
    auto created = registry().create("linked", m_tmp / "link", "", k_now);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->path, m_tmp / "link");
}

TEST_F(RegistryTest, ForgetKeepsTheFiles) {
    auto created = registry().create("team", std::nullopt, "", k_now);
    ASSERT_TRUE(created);
    EXPECT_EQ(registry().forget("team"), true);
    EXPECT_EQ(registry().forget("team"), false);
    EXPECT_EQ(registry().forget("never"), false);
    EXPECT_FALSE(registry().find("team").value().has_value());
    EXPECT_TRUE(Workspace::is_workspace(created->path));
}

TEST_F(RegistryTest, RemoveDeletesTheWorkspaceDirectory) {
    auto created = registry().create("team", std::nullopt, "", k_now);
    ASSERT_TRUE(created);
    ASSERT_TRUE(Workspace::open("team", created->path)->put_blob_bytes("blob", k_now));
    auto removed = registry().remove(*created, KeepFiles::no);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_FALSE(fs::exists(created->path));
    EXPECT_FALSE(registry().find("team").value().has_value());
    // Nothing is left aside.
    EXPECT_EQ(entries_of(home() / "workspaces"), std::vector<std::string>{"default"});
}

TEST_F(RegistryTest, RemoveWithKeepFilesOnlyForgets) {
    auto created = registry().create("team", std::nullopt, "", k_now);
    ASSERT_TRUE(created);
    auto removed = registry().remove(*created, KeepFiles::yes);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_TRUE(Workspace::is_workspace(created->path));
    EXPECT_FALSE(registry().find("team").value().has_value());
}

TEST_F(RegistryTest, RemoveRefusesADirectoryThatIsNotAWorkspace) {
    auto created = registry().create("team", std::nullopt, "", k_now);
    ASSERT_TRUE(created);
    // Someone replaced the workspace with their own files.
    fs::remove_all(created->path);
    ASSERT_TRUE(util::create_directories(created->path, 0755));
    write_text(created->path / "precious.txt", "do not delete");
    auto removed = registry().remove(*created, KeepFiles::no);
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().message,
              created->path.string() +
                  " holds no workspace.db; not removing it (use --keep-files to only forget "
                  "'team')");
    EXPECT_EQ(util::read_file(created->path / "precious.txt").value(), "do not delete");
    EXPECT_TRUE(registry().find("team").value().has_value());
}

TEST_F(RegistryTest, RemoveOfAMissingDirectoryForgets) {
    auto created = registry().create("team", std::nullopt, "", k_now);
    ASSERT_TRUE(created);
    fs::remove_all(created->path);
    auto removed = registry().remove(*created, KeepFiles::no);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_FALSE(registry().find("team").value().has_value());
}

TEST_F(RegistryTest, RemoveWhenALeftoverDeletingDirectoryExists) {
    auto created = registry().create("team", std::nullopt, "", k_now);
    ASSERT_TRUE(created);
    fs::path leftover = created->path;
    leftover += ".deleting";
    ASSERT_TRUE(util::create_directories(leftover, 0700));
    auto removed = registry().remove(*created, KeepFiles::no);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_FALSE(fs::exists(created->path));
    EXPECT_TRUE(fs::exists(leftover));
}

TEST_F(RegistryTest, RemovedNameCanBeCreatedAgain) {
    auto created = registry().create("team", std::nullopt, "first", k_now);
    ASSERT_TRUE(created);
    ASSERT_TRUE(registry().remove(*created, KeepFiles::no));
    auto again = registry().create("team", std::nullopt, "second", k_now);
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(Workspace::open("team", again->path)->stats()->description, "second");
}

TEST(RegistryPeek, ARegistryNotYetMigratedKnowsOnlyTheImplicitDefault) {
    // Another process has made the file and not yet committed its schema.
    TempDir home;
    ASSERT_TRUE(Database::open(home.path() / "registry.db", CreateIfMissing::yes));
    auto entries = Registry::peek(home.path());
    ASSERT_TRUE(entries) << entries.error().message;
    ASSERT_EQ(entries->size(), 1U);
    EXPECT_EQ(entries->front().name, "default");
    EXPECT_EQ(entries->front().path, home.path() / "workspaces" / "default");
}

TEST(ValidateWorkspaceName, Accepts) {
    const std::vector<std::string> names = {"default", "a",    "0",       "team-1",
                                            "my_ws",   "v1.2", "A-b_c.d", std::string(64, 'x')};
    for (const auto& name : names) {
        EXPECT_TRUE(validate_workspace_name(name)) << name;
    }
}

TEST(ValidateWorkspaceName, Rejects) {
    const std::vector<std::string> names = {"",
                                            "-a",
                                            "_a",
                                            ".a",
                                            ".",
                                            "..",
                                            "a b",
                                            "a/b",
                                            "../x",
                                            "a:b",
                                            "\u00e4",
                                            std::string(65, 'x'),
                                            std::string("a\0b", 3)};
    for (const auto& name : names) {
        auto valid = validate_workspace_name(name);
        EXPECT_FALSE(valid) << name;
    }
}

TEST(ValidateWorkspaceName, MessageIsExact) {
    auto valid = validate_workspace_name("a/b");
    ASSERT_FALSE(valid);
    EXPECT_EQ(valid.error().code, ExitCode::usage);
    EXPECT_EQ(valid.error().message,
              "invalid workspace name 'a/b': use letters, digits, '-', '_' and '.', starting "
              "with a letter or digit, at most 64 characters");
}

TEST(FerryHome, FerryHomeWins) {
    const Environment env(std::map<std::string, std::string>{
        {"FERRY_HOME", "/f"}, {"XDG_DATA_HOME", "/x"}, {"HOME", "/h"}});
    EXPECT_EQ(ferry_home(env), fs::path("/f"));
}

TEST(FerryHome, ThenXdgDataHome) {
    const Environment env(
        std::map<std::string, std::string>{{"XDG_DATA_HOME", "/x"}, {"HOME", "/h"}});
    EXPECT_EQ(ferry_home(env), fs::path("/x/ferry"));
}

TEST(FerryHome, ThenHome) {
    const Environment env(std::map<std::string, std::string>{{"HOME", "/h"}});
    EXPECT_EQ(ferry_home(env), fs::path("/h/.local/share/ferry"));
}

TEST(FerryHome, EmptyVariablesReadAsUnset) {
    const Environment env(std::map<std::string, std::string>{
        {"FERRY_HOME", ""}, {"XDG_DATA_HOME", ""}, {"HOME", "/h"}});
    EXPECT_EQ(ferry_home(env), fs::path("/h/.local/share/ferry"));
}

TEST(FerryHome, NothingSetIsAnError) {
    auto home = ferry_home(Environment{});
    ASSERT_FALSE(home);
    EXPECT_EQ(home.error().message, "cannot find a place for workspaces: set HOME or FERRY_HOME");
}

}  // namespace
}  // namespace ferry::store
