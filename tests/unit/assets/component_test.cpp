#include "ferry/assets/component.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "../workspace_fixture.hpp"
#include "ferry/assets/content.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/store/assets.hpp"

namespace ferry::assets {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view k_component = R"(name: train
display_name: Train
description: trains a model
tags: {team: ml}
code: ./src
command: python train.py --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}
inputs:
  lr: {type: number, default: 0.01}
  data: {type: uri_folder}
outputs:
  model: {type: uri_folder}
environment_variables: {SEED: "7"}
is_deterministic: false
)";

// A workspace, and a component's code directory beside it.
class AssetsComponent : public test::WorkspaceTest {
protected:
    void SetUp() override {
        WorkspaceTest::SetUp();
        test::write_text(m_code / "comp/src/train.py", "print('train')\n");
        test::write_text(m_code / "comp/src/.gitignore", "*.bin\n");
        test::write_text(m_code / "comp/src/data.bin", "ignored\n");
    }

    spec::ComponentSpec load(std::string_view text, std::vector<std::string> sets = {}) {
        auto loaded = spec::load_component(text, "comp.yml", m_code / "comp", sets);
        EXPECT_TRUE(loaded) << (loaded ? "" : spec::render(loaded.error(), text));
        return loaded ? *loaded : spec::ComponentSpec{};
    }

    Result<ComponentRecord> create(const spec::ComponentSpec& spec) {
        return create_component(m_ctx, *m_workspace, spec, {"comp.yml:5:7"});
    }

    std::string created_version(std::vector<std::string> sets = {}) {
        auto created = create(load(k_component, std::move(sets)));
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->spec.version : std::string();
    }

    Result<RegisteredComponent> find(std::string_view text) {
        auto reference = spec::parse_reference(text, spec::ReferenceRole::asset);
        EXPECT_TRUE(reference) << reference.error().message;
        return find_component(*m_workspace, *reference);
    }

    test::TempDir m_code;
    std::ostringstream m_out;
    std::ostringstream m_err;
    std::istringstream m_in;
    test::FakeRunner m_runner;
    Context m_ctx{Environment({{"FERRY_HOME", (m_code / "home").string()}}),
                  m_code.path(),
                  m_out,
                  m_err,
                  m_in,
                  Terminal{},
                  m_runner};
};

TEST_F(AssetsComponent, CreateSnapshotsTheCodeAsItsIgnoreFilesSay) {
    auto created = create(load(k_component));
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->label(), "train:1");
    ASSERT_FALSE(created->snapshot.empty());
    EXPECT_EQ(created->files, 2U);
    auto entries = read_content(m_workspace->blobs(), created->snapshot);
    ASSERT_TRUE(entries) << entries.error().message;
    std::vector<std::string> paths;
    for (const auto& entry : *entries) {
        paths.push_back(entry.path);
    }
    EXPECT_THAT(paths, ElementsAre(".gitignore", "train.py"));

    // Unchanged code is the same snapshot, and costs nothing new.
    auto again = create(load(k_component));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->snapshot, created->snapshot);
}

TEST_F(AssetsComponent, ACodeDirectoryThatIsNotThereIsRefusedWhereItIsNamed) {
    auto created = create(load(k_component, {"code=./missing"}));
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ExitCode::usage);
    EXPECT_THAT(created.error().message, HasSubstr("comp.yml:5:7"));
}

TEST_F(AssetsComponent, AComponentWithoutCodeHasNoSnapshot) {
    auto created = create(load("name: echo\ncommand: echo hi\n"));
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_TRUE(created->snapshot.empty());
    EXPECT_FALSE(created->spec.code);
    auto found = find("echo:1");
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->snapshot.empty());
}

TEST_F(AssetsComponent, VersionsCountUpAndAnExistingOneIsRefused) {
    EXPECT_EQ(created_version(), "1");
    EXPECT_EQ(created_version(), "2");
    EXPECT_EQ(created_version({"version=7"}), "7");
    EXPECT_EQ(created_version(), "8");

    auto refused = create(load(k_component, {"version=7"}));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "component 'train:7' already exists; a version is never overwritten (leave out the "
              "version to register train:9)");
}

TEST_F(AssetsComponent, FindsByVersionAndLatestButNotAnArchivedLatest) {
    created_version();
    created_version();
    for (const auto* text : {"train:1", "azureml:train:1"}) {
        auto found = find(text);
        ASSERT_TRUE(found) << found.error().message;
        EXPECT_EQ(found->label, "train:1");
        EXPECT_EQ(found->spec.version, "1");
    }
    auto latest = find("train@latest");
    ASSERT_TRUE(latest) << latest.error().message;
    EXPECT_EQ(latest->label, "train:2");

    ASSERT_TRUE(store::set_asset_archived(m_workspace->db(), store::AssetKind::component, "train",
                                          "2", true));
    latest = find("azureml:train@latest");
    ASSERT_TRUE(latest) << latest.error().message;
    EXPECT_EQ(latest->label, "train:1");
    auto archived = find("train:2");  // a version still names it
    ASSERT_TRUE(archived) << archived.error().message;

    ASSERT_TRUE(store::set_asset_archived(m_workspace->db(), store::AssetKind::component, "train",
                                          "", true));
    auto none = find("train@latest");
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message,
              "no component 'train@latest' in workspace 't' (every version of it is archived: "
              "name one, as train:2) (see 'ferry component list')");
}

TEST_F(AssetsComponent, AnUnknownNameOrVersionIsAUsageErrorWithADidYouMean) {
    created_version();
    auto name = find("trian:1");
    ASSERT_FALSE(name);
    EXPECT_EQ(name.error().code, ExitCode::usage);
    EXPECT_EQ(name.error().message,
              "no component 'trian:1' in workspace 't' (did you mean 'train'?) (see 'ferry "
              "component list')");
    auto version = find("train:2");
    ASSERT_FALSE(version);
    EXPECT_EQ(version.error().message,
              "no component 'train:2' in workspace 't' (did you mean 'train:1'?) (see 'ferry "
              "component list')");
    auto path = spec::parse_reference("./comp.yml", spec::ReferenceRole::path);
    ASSERT_TRUE(path);
    auto not_registered = find_component(*m_workspace, *path);
    ASSERT_FALSE(not_registered);
    EXPECT_EQ(not_registered.error().code, ExitCode::usage);
}

TEST_F(AssetsComponent, TheStoredSpecLoadsBackAsTheSpecCreated) {
    const auto spec = load(k_component);
    ASSERT_TRUE(create(spec));
    auto stored = store::find_asset(m_workspace->db(), store::AssetKind::component, "train", "1");
    ASSERT_TRUE(stored && *stored);
    const std::string text = (*stored)->body["spec"].dump();
    auto loaded = spec::load_component(text, "component train:1", m_code / "elsewhere");
    ASSERT_TRUE(loaded) << spec::render(loaded.error(), text);
    auto expected = spec;
    expected.version = "1";
    EXPECT_EQ(loaded->to_json(), expected.to_json());
    EXPECT_EQ(loaded->code, m_code / "comp/src");
    EXPECT_FALSE(loaded->is_deterministic);
    ASSERT_NE(loaded->input("lr"), nullptr);
    EXPECT_EQ(loaded->input("lr")->default_value, 0.01);

    auto found = find("train:1");
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_EQ(found->spec.to_json(), expected.to_json());
    EXPECT_EQ(found->spec.description, "trains a model");
}

TEST_F(AssetsComponent, ListsTheLatestOfEachOrEveryVersion) {
    created_version();
    created_version();
    ASSERT_TRUE(create(load("name: echo\ncommand: echo hi\n")));
    auto latest = list_components(m_workspace->db(), false, false);
    ASSERT_TRUE(latest) << latest.error().message;
    std::vector<std::string> labels;
    for (const auto& record : *latest) {
        labels.push_back(record.label());
    }
    EXPECT_THAT(labels, ElementsAre("echo:1", "train:2"));
    auto every = list_components(m_workspace->db(), true, false);
    ASSERT_TRUE(every);
    EXPECT_EQ(every->size(), 3U);
}

}  // namespace
}  // namespace ferry::assets
