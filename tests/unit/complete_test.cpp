#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/cli/command_tree.hpp"
#include "ferry/store/registry.hpp"
#include "test_support.hpp"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using ferry::test::TempDir;

class CompleteTest : public ::testing::Test {
protected:
    CompleteTest()
        : m_ctx(Environment(std::map<std::string, std::string>{{"FERRY_HOME", home().string()}}),
                m_tmp.path(), m_out, m_err, m_in, Terminal{}) {
        add_workspace_verbs(m_tree);
    }

    [[nodiscard]] fs::path home() const { return m_tmp / "home"; }

    // What `ferry __complete WORDS...` prints.
    std::string complete_words(const std::vector<std::string>& words) {
        m_out.str("");
        m_err.str("");
        EXPECT_EQ(complete(m_tree.root(), words, m_ctx), 0);
        EXPECT_EQ(m_err.str(), "");
        return m_out.str();
    }

    TempDir m_tmp;
    std::ostringstream m_out;
    std::ostringstream m_err;
    std::istringstream m_in;
    Context m_ctx;
    CommandTree m_tree;
};

const std::string k_groups =
    "workspace\tCreate, list, show, choose and delete workspaces\n"
    "compute\tCompute targets: this machine, Slurm clusters\n"
    "env\tEnvironments: venv, conda and Docker images for jobs\n"
    "run\tSubmit jobs and follow, cancel and download their runs\n"
    "model\tRegister, list and download models\n"
    "dataset\tRegister, list and download datasets\n";

const std::string k_workspace_verbs =
    "create\tCreate a workspace (or attach an existing one with --path)\n"
    "list\tList workspaces; a star marks the current one\n"
    "show\tShow a workspace (default: the current one)\n"
    "use\tUse a workspace in this directory and below (.ferry/config.yaml)\n"
    "delete\tDelete a workspace and its files\n";

const std::string k_global_options =
    "--workspace\tWorkspace to use (default: resolved)\n"
    "--output\tOutput format: table, json, yaml or tsv\n"
    "--verbose\tExplain what ferry does on stderr\n"
    "--no-color\tNever colour the output\n";

const std::string k_formats =
    "table\taligned columns\n"
    "json\tone JSON document\n"
    "yaml\tone YAML document\n"
    "tsv\ttab-separated rows\n";

TEST_F(CompleteTest, NoWordsPrintNothing) {
    EXPECT_EQ(complete_words({}), "");
}

TEST_F(CompleteTest, GroupsAtTopLevel) {
    EXPECT_EQ(complete_words({""}), k_groups);
}

TEST_F(CompleteTest, GroupsByPrefix) {
    EXPECT_EQ(complete_words({"w"}),
              "workspace\tCreate, list, show, choose and delete workspaces\n");
    EXPECT_EQ(complete_words({"xyz"}), "");
}

TEST_F(CompleteTest, VerbsOfWorkspace) {
    EXPECT_EQ(complete_words({"workspace", ""}), k_workspace_verbs);
    EXPECT_EQ(complete_words({"workspace", "s"}),
              "show\tShow a workspace (default: the current one)\n");
}

TEST_F(CompleteTest, GlobalOptionsBeforeTheGroupAreSkipped) {
    EXPECT_EQ(complete_words({"-v", "-o", "json", "workspace", ""}), k_workspace_verbs);
    EXPECT_EQ(complete_words({"--output=json", "-w", "x", "workspace", ""}), k_workspace_verbs);
}

TEST_F(CompleteTest, FlagsTakeNoValue) {
    EXPECT_EQ(complete_words({"-v", "workspace", ""}), k_workspace_verbs);
    EXPECT_EQ(complete_words({"--verbose", "--no-color", "w"}),
              "workspace\tCreate, list, show, choose and delete workspaces\n");
    const std::string default_path = (home() / "workspaces" / "default").string();
    EXPECT_EQ(complete_words({"workspace", "delete", "--yes", ""}),
              "default\t" + default_path + "\n");
    EXPECT_EQ(complete_words({"workspace", "delete", "-y", "--keep-files", "d"}),
              "default\t" + default_path + "\n");
}

TEST_F(CompleteTest, OptionsAtTopLevel) {
    EXPECT_EQ(complete_words({"-"}), k_global_options +
                                         "--help\tPrint help and exit\n"
                                         "--version\tPrint the version and exit\n");
}

TEST_F(CompleteTest, OptionsOfAVerbIncludeTheGlobalOnes) {
    EXPECT_EQ(complete_words({"workspace", "create", "-"}),
              "--path\tDirectory to keep it in, e.g. on a shared filesystem\n"
              "--description\tWhat the workspace is for\n" +
                  k_global_options + "--help\tPrint help and exit\n");
    EXPECT_EQ(complete_words({"workspace", "delete", "--"}),
              "--yes\tDo not ask for confirmation\n"
              "--keep-files\tOnly forget the name; keep the directory\n" +
                  k_global_options + "--help\tPrint help and exit\n");
    EXPECT_EQ(complete_words({"workspace", "delete", "--k"}),
              "--keep-files\tOnly forget the name; keep the directory\n");
}

TEST_F(CompleteTest, OutputValues) {
    EXPECT_EQ(complete_words({"-o", ""}), k_formats);
    EXPECT_EQ(complete_words({"--output", ""}), k_formats);
    EXPECT_EQ(complete_words({"workspace", "list", "-o", "t"}),
              "table\taligned columns\n"
              "tsv\ttab-separated rows\n");
}

TEST_F(CompleteTest, OutputValueAfterEquals) {
    EXPECT_EQ(complete_words({"--output=j"}), "--output=json\tone JSON document\n");
    EXPECT_EQ(complete_words({"workspace", "list", "--output="}),
              "--output=table\taligned columns\n"
              "--output=json\tone JSON document\n"
              "--output=yaml\tone YAML document\n"
              "--output=tsv\ttab-separated rows\n");
}

TEST_F(CompleteTest, WorkspaceNamesForShow) {
    EXPECT_FALSE(fs::exists(home()));
    // Completing opens the registry, which creates `default`.
    const std::string default_path = (home() / "workspaces" / "default").string();
    EXPECT_EQ(complete_words({"workspace", "show", ""}), "default\t" + default_path + "\n");

    auto registry = store::Registry::open(home(), "2026-01-01T00:00:00.000Z");
    ASSERT_TRUE(registry) << registry.error().message;
    ASSERT_TRUE(
        registry->create("team", m_tmp / "shared" / "team", "", "2026-01-01T00:00:00.000Z"));
    ASSERT_TRUE(registry->create("alpha", std::nullopt, "", "2026-01-01T00:00:00.000Z"));
    EXPECT_EQ(complete_words({"workspace", "show", ""}),
              "alpha\t" + (home() / "workspaces" / "alpha").string() + "\n" + "default\t" +
                  default_path + "\n" + "team\t" + (m_tmp / "shared" / "team").string() + "\n");
    EXPECT_EQ(complete_words({"workspace", "delete", "t"}),
              "team\t" + (m_tmp / "shared" / "team").string() + "\n");
    EXPECT_EQ(complete_words({"-w", "a"}),
              "alpha\t" + (home() / "workspaces" / "alpha").string() + "\n");
    EXPECT_EQ(complete_words({"workspace", "use", "--workspace=d"}),
              "--workspace=default\t" + default_path + "\n");
}

TEST_F(CompleteTest, NothingAfterTheLastPositional) {
    EXPECT_EQ(complete_words({"workspace", "show", "default", ""}), "");
}

TEST_F(CompleteTest, DirectoryValueIsASignalToTheShell) {
    EXPECT_EQ(complete_words({"workspace", "create", "--path", ""}), ":dir\n");
    EXPECT_EQ(complete_words({"workspace", "create", "--path", "/some/pre"}), ":dir\n");
    EXPECT_EQ(complete_words({"workspace", "create", "--path=/x"}), ":dir\n");
}

TEST_F(CompleteTest, FreeTextHasNoCandidates) {
    EXPECT_EQ(complete_words({"workspace", "create", "--description", ""}), "");
}

TEST_F(CompleteTest, AfterDoubleDashOptionsAreNotOffered) {
    EXPECT_EQ(complete_words({"workspace", "show", "--", "-"}), "");
}

TEST_F(CompleteTest, PrintCommandsListsVerbsAndTheirOptions) {
    m_out.str("");
    EXPECT_EQ(print_commands(m_tree.root(), m_ctx), 0);
    EXPECT_EQ(m_out.str(),
              "workspace\n"
              "workspace create --path --description\n"
              "workspace list\n"
              "workspace show\n"
              "workspace use\n"
              "workspace delete --yes --keep-files\n"
              "compute\n"
              "env\n"
              "run\n"
              "model\n"
              "dataset\n");
    EXPECT_EQ(m_err.str(), "");
}

}  // namespace
}  // namespace ferry::cli
