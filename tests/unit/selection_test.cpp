#include "ferry/store/selection.hpp"

#include <map>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_runner.hpp"
#include "test_support.hpp"

namespace ferry::store {
namespace {

using ferry::test::TempDir;
using ferry::test::write_text;

Environment env_of(std::map<std::string, std::string> vars) {
    return Environment(std::move(vars));
}

// A project tree: ROOT/.ferry/config.yaml and a nested working directory.
class ChooseWorkspaceTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(util::create_directories(nested(), 0755));
        ASSERT_TRUE(util::create_directories(project() / ".ferry", 0755));
        write_text(config(), "# which workspace this project uses\nworkspace: team\n");
    }
    [[nodiscard]] fs::path project() const { return m_tmp / "project"; }
    [[nodiscard]] fs::path nested() const { return project() / "src" / "deep" / "er"; }
    [[nodiscard]] fs::path config() const { return project() / ".ferry" / "config.yaml"; }

    TempDir m_tmp;
};

TEST_F(ChooseWorkspaceTest, FlagComesFirst) {
    auto choice = choose_workspace("cli", env_of({{"FERRY_WORKSPACE", "env"}}), nested());
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "cli");
    EXPECT_EQ(choice->source, "-w");
}

TEST_F(ChooseWorkspaceTest, ThenTheEnvironment) {
    auto choice = choose_workspace(std::nullopt, env_of({{"FERRY_WORKSPACE", "env"}}), nested());
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "env");
    EXPECT_EQ(choice->source, "FERRY_WORKSPACE");
}

TEST_F(ChooseWorkspaceTest, AnEmptyEnvironmentVariableIsUnset) {
    auto choice = choose_workspace(std::nullopt, env_of({{"FERRY_WORKSPACE", ""}}), nested());
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "team");
}

TEST_F(ChooseWorkspaceTest, ThenTheNearestConfigWalkingUp) {
    auto choice = choose_workspace(std::nullopt, Environment{}, nested());
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "team");
    EXPECT_EQ(choice->source, config().string());
    // From the project directory itself too.
    auto here = choose_workspace(std::nullopt, Environment{}, project());
    ASSERT_TRUE(here);
    EXPECT_EQ(here->name, "team");
}

TEST_F(ChooseWorkspaceTest, TheNearestConfigWins) {
    const fs::path inner = project() / "src" / ".ferry" / "config.yaml";
    ASSERT_TRUE(util::create_directories(inner.parent_path(), 0755));
    write_text(inner, "workspace: inner\n");
    auto choice = choose_workspace(std::nullopt, Environment{}, nested());
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "inner");
    EXPECT_EQ(choice->source, inner.string());
}

TEST_F(ChooseWorkspaceTest, ThenDefault) {
    auto choice = choose_workspace(std::nullopt, Environment{}, m_tmp / "elsewhere");
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "default");
    EXPECT_EQ(choice->source, "default");
}

TEST_F(ChooseWorkspaceTest, AConfigWithoutAWorkspaceKeyIsAnError) {
    write_text(config(), "# nothing yet\n");
    auto choice = choose_workspace(std::nullopt, Environment{}, nested());
    ASSERT_FALSE(choice);
    EXPECT_EQ(choice.error().code, ExitCode::usage);
    EXPECT_EQ(choice.error().message, config().string() + ": no 'workspace' key");
}

TEST_F(ChooseWorkspaceTest, ABrokenConfigIsReportedWithItsPosition) {
    write_text(config(), "workspace: team\nworkspace_dir: /x\n");
    auto choice = choose_workspace(std::nullopt, Environment{}, nested());
    ASSERT_FALSE(choice);
    EXPECT_EQ(choice.error().message, config().string() +
                                          ":2:1: unknown key 'workspace_dir' (did you mean "
                                          "'workspace'?)");
}

TEST_F(ChooseWorkspaceTest, AFlagIgnoresABrokenConfig) {
    write_text(config(), "[not, a, mapping]\n");
    auto choice = choose_workspace("cli", Environment{}, nested());
    ASSERT_TRUE(choice) << choice.error().message;
    EXPECT_EQ(choice->name, "cli");
}

TEST(ParseProjectConfig, ReadsTheWorkspace) {
    auto name = parse_project_config("workspace: team\n", "c.yaml");
    ASSERT_TRUE(name) << name.error().message;
    EXPECT_EQ(*name, "team");
    auto commented = parse_project_config("# comment\nworkspace: team # trailing\n", "c.yaml");
    ASSERT_TRUE(commented);
    EXPECT_EQ(*commented, "team");
    auto quoted = parse_project_config("workspace: \"team.2\"\n", "c.yaml");
    ASSERT_TRUE(quoted);
    EXPECT_EQ(*quoted, "team.2");
}

TEST(ParseProjectConfig, EmptyTextNamesNone) {
    for (const char* text : {"", "\n", "# only a comment\n"}) {
        auto name = parse_project_config(text, "c.yaml");
        ASSERT_TRUE(name) << name.error().message;
        EXPECT_EQ(*name, std::nullopt) << text;
    }
}

TEST(ParseProjectConfig, UnknownKeyWithAGuess) {
    auto name = parse_project_config("# project settings\nworksapce: team\n", "cfg.yaml");
    ASSERT_FALSE(name);
    EXPECT_EQ(name.error().code, ExitCode::usage);
    EXPECT_EQ(name.error().message,
              "cfg.yaml:2:1: unknown key 'worksapce' (did you mean 'workspace'?)");
}

TEST(ParseProjectConfig, UnknownKeyWithoutAGuess) {
    auto name = parse_project_config("workspace: team\n  \ncompute: local\n", "cfg.yaml");
    ASSERT_FALSE(name);
    EXPECT_EQ(name.error().message, "cfg.yaml:3:1: unknown key 'compute'");
}

TEST(ParseProjectConfig, NotAMapping) {
    auto list = parse_project_config("- team\n", "cfg.yaml");
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, ExitCode::usage);
    EXPECT_EQ(list.error().message, "cfg.yaml:1:1: expected a mapping with a 'workspace' key");
    auto scalar = parse_project_config("\n\nteam\n", "cfg.yaml");
    ASSERT_FALSE(scalar);
    EXPECT_EQ(scalar.error().message, "cfg.yaml:3:1: expected a mapping with a 'workspace' key");
}

TEST(ParseProjectConfig, WorkspaceMustBeAName) {
    auto list = parse_project_config("workspace: [a, b]\n", "cfg.yaml");
    ASSERT_FALSE(list);
    EXPECT_EQ(list.error().code, ExitCode::usage);
    EXPECT_EQ(list.error().message, "cfg.yaml:1:12: 'workspace' must be a workspace name");
    auto map = parse_project_config("workspace:\n  name: a\n", "cfg.yaml");
    ASSERT_FALSE(map);
    EXPECT_EQ(map.error().message, "cfg.yaml:2:3: 'workspace' must be a workspace name");
}

TEST(ParseProjectConfig, EmptyWorkspaceValue) {
    auto null = parse_project_config("workspace:\n", "cfg.yaml");
    ASSERT_FALSE(null);
    // yaml-cpp places an empty value where the next line starts.
    EXPECT_EQ(null.error().message, "cfg.yaml:2:1: 'workspace' must be a workspace name");
    auto empty = parse_project_config("workspace: \"\"\n", "cfg.yaml");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error().message,
              "cfg.yaml:1:12: invalid workspace name '': use letters, digits, '-', '_' and '.', "
              "starting with a letter or digit, at most 64 characters");
}

TEST(ParseProjectConfig, InvalidWorkspaceName) {
    auto name = parse_project_config("workspace: ../etc\n", "cfg.yaml");
    ASSERT_FALSE(name);
    EXPECT_EQ(name.error().code, ExitCode::usage);
    EXPECT_EQ(name.error().message,
              "cfg.yaml:1:12: invalid workspace name '../etc': use letters, digits, '-', '_' and "
              "'.', starting with a letter or digit, at most 64 characters");
}

TEST(ParseProjectConfig, SyntaxErrorHasAPosition) {
    auto name = parse_project_config("workspace: [team\n", "cfg.yaml");
    ASSERT_FALSE(name);
    EXPECT_EQ(name.error().code, ExitCode::usage);
    EXPECT_EQ(name.error().message, "cfg.yaml:2:1: end of sequence flow not found");
}

TEST(SetProjectWorkspace, AppendsToEmptyText) {
    EXPECT_EQ(set_project_workspace("", "team"), "workspace: team\n");
}

TEST(SetProjectWorkspace, AppendsWhenAbsentKeepingComments) {
    EXPECT_EQ(set_project_workspace("# settings for ferry\n", "team"),
              "# settings for ferry\nworkspace: team\n");
    // A last line without a newline gets one first.
    EXPECT_EQ(set_project_workspace("# settings", "team"), "# settings\nworkspace: team\n");
}

TEST(SetProjectWorkspace, ReplacesTheExistingLine) {
    const std::string text =
        "# Project settings; edited by hand.\n"
        "\n"
        "workspace: old\n"
        "# trailing comment line\n";
    EXPECT_EQ(set_project_workspace(text, "new"),
              "# Project settings; edited by hand.\n"
              "\n"
              "workspace: new\n"
              "# trailing comment line\n");
}

TEST(SetProjectWorkspace, KeepsACommentOnTheWorkspaceLine) {
    EXPECT_EQ(set_project_workspace("workspace: old  # shared with the team\n", "new"),
              "workspace: new # shared with the team\n");
}

TEST(SetProjectWorkspace, ReplacesALastLineWithoutNewline) {
    EXPECT_EQ(set_project_workspace("# a\nworkspace: old", "new"), "# a\nworkspace: new\n");
}

TEST(SetProjectWorkspace, DropsAnOldValueOnTheFollowingLines) {
    // "workspace:\n  old" is valid YAML for workspace: old; the indented line is its value.
    const std::string text = "workspace:\n  old\n# kept\nother: 1\n";
    ASSERT_EQ(parse_project_config("workspace:\n  old\n", "c.yaml").value(), "old");
    EXPECT_EQ(set_project_workspace(text, "new"), "workspace: new\n# kept\nother: 1\n");
    // Comments and blank lines between the key and its value stay.
    EXPECT_EQ(set_project_workspace("workspace: # note\n\n  # why\n  old\n", "new"),
              "workspace: new # note\n\n  # why\n");
    auto name = parse_project_config(set_project_workspace("workspace:\n  old\n", "new"), "c");
    ASSERT_TRUE(name) << name.error().message;
    EXPECT_EQ(*name, "new");
}

TEST(SetProjectWorkspace, OnlyTheFirstWorkspaceLineIsReplaced) {
    EXPECT_EQ(set_project_workspace("workspace: a\n# workspace: b\n", "c"),
              "workspace: c\n# workspace: b\n");
}

TEST(SetProjectWorkspace, ResultParsesBack) {
    const std::string text = "# comment\nworkspace: old # note\n";
    const std::string updated = set_project_workspace(text, "fresh");
    auto name = parse_project_config(updated, "c.yaml");
    ASSERT_TRUE(name) << name.error().message;
    EXPECT_EQ(*name, "fresh");
}

TEST(OpenChosenWorkspace, OpensTheChosenOneOrExplains) {
    TempDir tmp;
    std::ostringstream out;
    std::ostringstream err;
    std::istringstream in;
    test::FakeRunner runner;
    Context ctx(env_of({{"FERRY_HOME", (tmp / "home").string()}}), tmp.path(), out, err, in,
                Terminal{}, runner);
    auto registry = open_registry(ctx);
    ASSERT_TRUE(registry) << registry.error().message;
    EXPECT_EQ(registry->home(), tmp / "home");

    auto chosen = open_chosen_workspace(ctx, *registry);
    ASSERT_TRUE(chosen) << chosen.error().message;
    EXPECT_EQ(chosen->name(), "default");
    EXPECT_EQ(chosen->root(), tmp / "home" / "workspaces" / "default");

    ctx.workspace = "missing";
    auto missing = open_chosen_workspace(ctx, *registry);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "workspace 'missing' does not exist (chosen by -w); create it with 'ferry "
              "workspace create missing'");

    ctx.workspace = "bad/name";
    auto bad = open_chosen_workspace(ctx, *registry);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ExitCode::usage);
    EXPECT_THAT(bad.error().message,
                ::testing::StartsWith("-w: invalid workspace name 'bad/name'"));
    EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace ferry::store
