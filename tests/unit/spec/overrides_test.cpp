#include "ferry/spec/overrides.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/spec/load.hpp"
#include "ferry/spec/scalar.hpp"

namespace ferry::spec {
namespace {

std::string apply(YAML::Node& root, std::vector<std::string> sets, Kind kind = Kind::command_job) {
    Diagnostics diagnostics("job.yml");
    std::ignore = apply_sets(root, sets, kind, diagnostics);
    return render(diagnostics, "");
}

TEST(Overrides, DottedPathsCreateMapsAndIntegersAreTyped) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"limits.timeout=60"}), "");
    EXPECT_EQ(literal_value(root["limits"]["timeout"]), 60);
}

TEST(Overrides, InputsAreTypedAsYamlWould) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"inputs.lr=0.1", "inputs.flag=true", "inputs.word=yes"}), "");
    EXPECT_EQ(literal_value(root["inputs"]["lr"]), 0.1);
    EXPECT_EQ(literal_value(root["inputs"]["flag"]), true);
    EXPECT_EQ(literal_value(root["inputs"]["word"]), "yes");
}

TEST(Overrides, StringFieldsStayStrings) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"environment_variables.X=1", "name=123", "command=a=b"}), "");
    EXPECT_EQ(literal_value(root["environment_variables"]["X"]), "1");
    EXPECT_EQ(literal_value(root["name"]), "123");
    EXPECT_EQ(root["command"].Scalar(), "a=b");
}

TEST(Overrides, ARequiredValueCannotBeSetEmpty) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"command="}), "--set command=: 'command' needs a value\n");
    EXPECT_EQ(apply(root, {"command= \t"}), "--set command= \\t: 'command' needs a value\n");
    EXPECT_EQ(root["command"].Scalar(), "echo");
    EXPECT_EQ(apply(root, {"description="}), "");
}

TEST(Overrides, WrongTypeIsReportedAtTheSetValue) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"limits.timeout=abc"}),
              "--set limits.timeout=abc: 'timeout' must be an integer (seconds), got 'abc'\n");
}

TEST(Overrides, ReferenceStringsCannotBeSetThrough) {
    YAML::Node root = YAML::Load("command: echo\nenvironment: azureml:x@latest\n");
    EXPECT_EQ(apply(root, {"environment.image=python:3.11"}),
              "--set environment.image=python:3.11: Cannot use '--set' on properties defined "
              "by reference strings: environment\n");
}

TEST(Overrides, LiteralInputsAreNotMaps) {
    YAML::Node root = YAML::Load("command: echo\ninputs:\n  lr: 0.1\n");
    EXPECT_EQ(apply(root, {"inputs.lr.path=x"}),
              "--set inputs.lr.path=x: 'inputs.lr' is not a map, so 'path' cannot be set\n");
}

TEST(Overrides, InlineEnvironmentCanBeSet) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"environment.image=python:3.11"}), "");
    EXPECT_EQ(root["environment"]["image"].Scalar(), "python:3.11");
}

TEST(Overrides, UnknownKeysAndMalformedSets) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"resources.shm_sise=4g", "novalue", "=x", "limits..timeout=1"}),
              "--set resources.shm_sise=4g: unknown key 'shm_sise' (did you mean 'shm_size'?)\n"
              "--set novalue: expected KEY=VALUE, as in limits.timeout=60\n"
              "--set =x: expected KEY=VALUE, as in limits.timeout=60\n"
              "--set limits..timeout=1: empty key in 'limits.'\n");
}

TEST(Overrides, UnsupportedAndNonMapTargets) {
    YAML::Node root = YAML::Load("command: echo\nresources: 3\n");
    EXPECT_EQ(apply(root, {"identity.type=managed", "resources.instance_count=2", "tags=x"}),
              "--set identity.type=managed: not supported by ferry: identity (managed "
              "identities are an Azure feature)\n"
              "--set resources.instance_count=2: 'resources' is not a map, so "
              "'instance_count' cannot be set\n"
              "--set tags=x: 'tags' must be a map of strings, got 'x'\n");
}

TEST(Overrides, EmptyDocumentBecomesAMap) {
    YAML::Node root = YAML::Load("");
    EXPECT_EQ(apply(root, {"name=team"}, Kind::workspace), "");
    EXPECT_EQ(root["name"].Scalar(), "team");
}

TEST(Overrides, NameSetAndLoadWithSets) {
    const std::vector<std::string> sets = {name_set("my_run"), "limits.timeout=60",
                                           "resources.instance_count=2"};
    const auto job = load_command_job("command: echo\n", "job.yml", "/base", sets);
    ASSERT_TRUE(job) << render(job.error(), "");
    EXPECT_EQ(job->name, "my_run");
    EXPECT_EQ(job->timeout, 60);
    EXPECT_EQ(job->resources.instance_count, 2);
}

TEST(Overrides, TaggedMapsAcceptVariantKeys) {
    YAML::Node root = YAML::Load("command: echo\n");
    EXPECT_EQ(apply(root, {"distribution.type=mpi", "distribution.process_count_per_instance=4"}),
              "");
    EXPECT_EQ(root["distribution"]["process_count_per_instance"].Scalar(), "4");
}

const SetKey* find_key(const std::vector<SetKey>& keys, std::string_view path) {
    for (const auto& key : keys) {
        if (key.path == path) {
            return &key;
        }
    }
    return nullptr;
}

TEST(SetKeys, AJobFileGivesItsOwnKeysWithValuesAndTheSchemasKeys) {
    const YAML::Node job = YAML::Load(
        "command: python train.py\ninputs:\n  lr: 0.01\n  data:\n    type: uri_folder\n"
        "    path: ./d\nenvironment_variables:\n  SEED: \"7\"\nlimits:\n  timeout: 60\n");
    const auto keys = set_keys(Kind::command_job, job);
    ASSERT_NE(find_key(keys, "limits.timeout"), nullptr);
    EXPECT_EQ(find_key(keys, "limits.timeout")->description, "now: 60");
    EXPECT_EQ(find_key(keys, "inputs.lr")->description, "now: 0.01");
    EXPECT_EQ(find_key(keys, "environment_variables.SEED")->description, "now: 7");
    EXPECT_EQ(find_key(keys, "inputs.data.path")->description, "now: ./d");
    // A literal input is set whole; a data input key by key.
    EXPECT_EQ(find_key(keys, "inputs.lr.path"), nullptr);
    EXPECT_EQ(find_key(keys, "inputs.data"), nullptr);
    // Keys the file does not hold come from the schema, with its description; never $schema,
    // which is only read.
    EXPECT_EQ(find_key(keys, "$schema"), nullptr);
    ASSERT_NE(find_key(keys, "experiment_name"), nullptr);
    EXPECT_FALSE(find_key(keys, "experiment_name")->description.empty());
    EXPECT_TRUE(std::ranges::is_sorted(keys, {}, &SetKey::path));
    EXPECT_EQ(std::ranges::adjacent_find(keys, {}, &SetKey::path), keys.end());
}

TEST(SetKeys, LongAndMultiLineValuesAreShownOnOneShortLine) {
    const YAML::Node job = YAML::Load(
        "command: |\n  python train.py --epochs 10 --learning-rate 0.001 --seed 7\n"
        "  echo done\n");
    const auto keys = set_keys(Kind::command_job, job);
    const auto* command = find_key(keys, "command");
    ASSERT_NE(command, nullptr);
    EXPECT_EQ(command->description, "now: python train.py --epochs 10 --learnin...");
}

// Whatever completion offers, --set knows: no offered key is unknown or unreachable.
TEST(SetKeys, EveryOfferedKeyIsOneSetAccepts) {
    for (const auto kind :
         {Kind::command_job, Kind::sweep_job, Kind::environment, Kind::data, Kind::model,
          Kind::compute, Kind::workspace, Kind::pipeline_job, Kind::component}) {
        const auto keys = set_keys(kind, YAML::Node());
        EXPECT_FALSE(keys.empty()) << kind_name(kind);
        for (const auto& key : keys) {
            YAML::Node root = YAML::Load("{}");
            const std::string said = apply(root, {key.path + "=1"}, kind);
            EXPECT_EQ(said.find("unknown key"), std::string::npos) << key.path << ": " << said;
            EXPECT_EQ(said.find("cannot be set"), std::string::npos) << key.path << ": " << said;
            EXPECT_EQ(said.find("not supported"), std::string::npos) << key.path << ": " << said;
        }
    }
}

}  // namespace
}  // namespace ferry::spec
