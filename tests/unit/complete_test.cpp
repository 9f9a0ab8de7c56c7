#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fake_runner.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/store/registry.hpp"
#include "ferry/store/workspace.hpp"
#include "test_support.hpp"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;
using ferry::test::TempDir;

class CompleteTest : public ::testing::Test {
protected:
    CompleteTest()
        : m_ctx(Environment(std::map<std::string, std::string>{{"FERRY_HOME", home().string()}}),
                m_tmp.path(), m_out, m_err, m_in, Terminal{}, m_runner) {
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
    test::FakeRunner m_runner;
    Context m_ctx;
    CommandTree m_tree;
};

const std::string k_groups =
    "workspace\tCreate, list, show, choose, verify, clean and delete workspaces\n"
    "compute\tCompute targets: this machine, Slurm clusters\n"
    "env\tEnvironments: venv, conda and Docker images for jobs\n"
    "run\tSubmit jobs and follow, cancel and download their runs\n"
    "model\tRegister, list and download models\n"
    "dataset\tRegister, list and download datasets\n"
    "component\tRegister versioned command components, their code snapshotted\n"
    "datastore\tName folders that stand for Azure storage (datastores)\n";

const std::string k_workspace_verbs =
    "create\tCreate a workspace (or attach an existing one with --path)\n"
    "list\tList workspaces; a star marks the current one\n"
    "show\tShow a workspace (default: the current one)\n"
    "use\tUse a workspace in this directory and below (.ferry/config.yaml)\n"
    "delete\tDelete a workspace and its files\n"
    "verify\tCheck the database, every blob a record names, manifests and live runs (exit 1 "
    "when damaged)\n"
    "gc\tRemove blobs no record names, stale temporary files, damaged blobs and unused caches\n";

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
              "workspace\tCreate, list, show, choose, verify, clean and delete workspaces\n");
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
              "workspace\tCreate, list, show, choose, verify, clean and delete workspaces\n");
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
              "--keep-files\tOnly forget the name; keep the directory\n"
              "--force\tCancel its active and queued runs, wait for their end, then delete\n" +
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

// The default workspace's database, made as the first command would make it.
store::Workspace default_workspace(const fs::path& home) {
    auto registry = store::Registry::open(home, "2026-01-01T00:00:00.000Z");
    EXPECT_TRUE(registry) << registry.error().message;
    auto workspace = store::Workspace::open("default", home / "workspaces" / "default");
    EXPECT_TRUE(workspace) << workspace.error().message;
    return std::move(*workspace);
}

TEST_F(CompleteTest, AssetNamesWithTheirLatestVersionLeavingArchivedOnesOut) {
    add_dataset_verbs(m_tree);
    add_model_verbs(m_tree);
    EXPECT_EQ(complete_words({"dataset", "show", ""}), "");
    auto workspace = default_workspace(home());
    for (const auto& [kind, name] : {std::pair{store::AssetKind::data, "wine"},
                                     {store::AssetKind::data, "iris"},
                                     {store::AssetKind::data, "iris"},
                                     {store::AssetKind::data, "old"},
                                     {store::AssetKind::model, "net"}}) {
        store::AssetRecord record;
        record.kind = kind;
        record.name = name;
        ASSERT_TRUE(store::create_asset(workspace.db(), record, "2026-01-01T00:00:00.000Z"));
    }
    ASSERT_TRUE(store::set_asset_archived(workspace.db(), store::AssetKind::data, "old", "", true));
    ASSERT_TRUE(
        store::set_asset_archived(workspace.db(), store::AssetKind::data, "iris", "2", true));
    EXPECT_EQ(complete_words({"dataset", "show", ""}),
              "iris\tlatest: 1\niris:1\niris@latest\tversion 1\nwine\tlatest: 1\nwine:1\n"
              "wine@latest\tversion 1\n");
    EXPECT_EQ(complete_words({"dataset", "show", "w"}),
              "wine\tlatest: 1\nwine:1\nwine@latest\tversion 1\n");
    EXPECT_EQ(complete_words({"dataset", "show", "wine@"}), "wine@latest\tversion 1\n");
    EXPECT_EQ(complete_words({"model", "show", ""}),
              "net\tlatest: 1\nnet:1\nnet@latest\tversion 1\n");
}

TEST_F(CompleteTest, RunNamesNewestFirstWithTheirStatus) {
    add_model_verbs(m_tree);
    EXPECT_EQ(complete_words({"model", "register", "--run", ""}), "");
    auto workspace = default_workspace(home());
    for (const auto* name : {"first", "second"}) {
        run::NewRun run;
        run.name = name;
        run.compute = "local";
        ASSERT_TRUE(run::insert_run(workspace.db(), run, {"2026-01-01T00:00:00.000Z", 0}));
    }
    ASSERT_TRUE(run::finish(workspace.db(), "first", run::Ending::of_job(0, ""),
                            {"2026-01-01T00:00:01.000Z", 1000}));
    EXPECT_EQ(complete_words({"model", "register", "--run", ""}),
              "second\tNotStarted\nfirst\tCompleted\n");
}

TEST_F(CompleteTest, ComputeNamesStartWithLocal) {
    add_compute_verbs(m_tree);
    EXPECT_EQ(complete_words({"compute", "show", ""}), "local\tthis machine\n");
    auto workspace = default_workspace(home());
    ASSERT_TRUE(workspace.db().execute(
        "INSERT INTO computes(name, type, spec, created_at) VALUES ('gpu', 'slurm', '{}', ''), "
        "('local', 'local', '{}', ''), ('cpu', 'local', '{}', '')"));
    EXPECT_EQ(complete_words({"compute", "show", ""}),
              "local\tthis machine\ncpu\tlocal\ngpu\tslurm\n");
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
              "workspace delete --yes --keep-files --force\n"
              "workspace verify --repair\n"
              "workspace gc --dry-run --older-than\n"
              "compute\n"
              "env\n"
              "run\n"
              "model\n"
              "dataset\n"
              "component\n"
              "datastore\n");
    EXPECT_EQ(m_err.str(), "");
}

}  // namespace
}  // namespace ferry::cli
