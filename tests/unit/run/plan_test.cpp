#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/spec/load.hpp"

namespace ferry::run {
namespace {

using test::TempDir;
using test::write_text;
using ::testing::Contains;
using ::testing::HasSubstr;

class RunPlan : public ::testing::Test {
protected:
    spec::CommandJob load(const std::string& yaml) {
        auto job = spec::load_command_job(yaml, "job.yml", m_data.path());
        EXPECT_TRUE(job) << spec::render(job.error(), yaml);
        return job ? *job : spec::CommandJob{};
    }

    PlanRequest request(Runtime runtime = Runtime::from_job,
                        std::vector<std::string> gpus = {}) const {
        PlanRequest made;
        made.file = "job.yml";
        made.run_name = "happy_fox_0123456789";
        made.experiment = "exp";
        made.workspace = "ws";
        made.run_directory = m_run;
        made.runtime = runtime;
        made.gpus = std::move(gpus);
        made.compute = {.label = "the local compute", .multi_node = false, .containers = true};
        return made;
    }

    Result<Plan> plan_of(const std::string& yaml, Runtime runtime = Runtime::from_job,
                         std::vector<std::string> gpus = {}) {
        return make_plan(load(yaml), request(runtime, std::move(gpus)));
    }

    // The usage error of a plan that must fail.
    std::string usage_error_of(const std::string& yaml, Runtime runtime = Runtime::from_job) {
        auto plan = plan_of(yaml, runtime);
        if (plan) {
            ADD_FAILURE() << "planned: " << plan->command;
            return {};
        }
        EXPECT_EQ(plan.error().code, ExitCode::usage);
        return plan.error().message;
    }

    TempDir m_data;
    fs::path m_run = fs::path("/ws/runs/happy_fox_0123456789");
};

// Names

TEST(RunPlanNames, GeneratedNamesHaveAzuresShape) {
    const std::regex shape("^[a-z]+_[a-z]+_[bcdfghjklmnpqrstvwxyz0-9]{10}$");
    std::mt19937_64 random(7);
    std::set<std::string> names;
    for (int i = 0; i < 200; ++i) {
        const std::string name = generate_run_name(random);
        EXPECT_TRUE(std::regex_match(name, shape)) << name;
        EXPECT_TRUE(check_run_name(name)) << name;
        names.insert(name);
    }
    EXPECT_EQ(names.size(), 200U);
}

TEST(RunPlanNames, GeneratedNamesAreDeterministicForASeed) {
    std::mt19937_64 first(42);
    std::mt19937_64 second(42);
    const std::string a = generate_run_name(first);
    EXPECT_EQ(a, generate_run_name(second));
    EXPECT_EQ(generate_run_name(first), generate_run_name(second));
    std::mt19937_64 other(43);
    EXPECT_NE(a, generate_run_name(other));
}

TEST(RunPlanNames, DefaultExperiment) {
    EXPECT_EQ(default_experiment(fs::path("/home/u/my project"), "/elsewhere"), "myproject");
    EXPECT_EQ(default_experiment(fs::path("/home/u/train"), "/elsewhere"), "train");
    EXPECT_EQ(default_experiment(fs::path("/home/u/train/"), "/elsewhere"), "train");
    EXPECT_EQ(default_experiment(fs::path("/home/u/train/."), "/elsewhere"), "train");
    EXPECT_EQ(default_experiment(std::nullopt, "/work/repo"), "repo");
    EXPECT_EQ(default_experiment(std::nullopt, "/work/a b c"), "abc");
    EXPECT_EQ(default_experiment(fs::path("/"), "/work/repo"), "Default");
    EXPECT_EQ(default_experiment(std::nullopt, "/"), "Default");
    EXPECT_EQ(default_experiment(fs::path("/home/ "), "/work/repo"), "Default");
}

TEST(RunPlanNames, ShellJoinQuotesWhatBashWouldSplitOrExpand) {
    const std::vector<std::string> words = {"python", "train.py", "--lr=0.1", "hello world", "it's",
                                            "",       "$HOME",    "*.py",     "a,b:c@d%"};
    EXPECT_EQ(shell_join(words),
              "python train.py --lr=0.1 'hello world' 'it'\\''s' '' '$HOME' '*.py' a,b:c@d%");
    EXPECT_EQ(shell_join(std::vector<std::string>{}), "");
    EXPECT_EQ(shell_join(std::vector<std::string>{"a;b", "x\ny", "`id`", "~"}),
              "'a;b' 'x\ny' '`id`' '~'");
}

TEST(RunPlanNames, CheckRunName) {
    for (const std::string& name :
         std::vector<std::string>{"a", "run_1.2-x", "_x", "9", std::string(255, 'a')}) {
        EXPECT_TRUE(check_run_name(name)) << name;
    }
    for (const std::string& name : std::vector<std::string>{"", ".", "..", "-x", ".x", "a/b", "a b",
                                                            "a$", "é", std::string(256, 'a')}) {
        auto checked = check_run_name(name);
        ASSERT_FALSE(checked) << name;
        EXPECT_EQ(checked.error().code, ExitCode::usage);
        EXPECT_EQ(checked.error().message,
                  fmt::format("invalid run name '{}': use letters, digits, '-', '_' and '.', "
                              "starting with a letter, digit or '_'",
                              name));
    }
}

TEST(RunPlanNames, Directories) {
    EXPECT_EQ(run_directory("/ws", "r"), fs::path("/ws/runs/r"));
    EXPECT_EQ(working_directory("/ws/runs/r"), fs::path("/ws/runs/r/wd"));
    EXPECT_EQ(std_log("/ws/runs/r"), fs::path("/ws/runs/r/user_logs/std_log.txt"));
    EXPECT_EQ(supervisor_log("/ws/runs/r"), fs::path("/ws/runs/r/system_logs/supervisor.log"));
}

// make_plan

TEST_F(RunPlan, LiteralInputsAreSubstituted) {
    auto plan = plan_of(
        "command: echo ${{inputs.s}} ${{inputs.i}} ${{inputs.f}} ${{inputs.b}} ${{inputs.n}}\n"
        "inputs:\n  s: hello\n  i: 3\n  f: 1.0\n  b: true\n  n: false\n");
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->command, "echo hello 3 1.0 True False");
    EXPECT_TRUE(plan->inputs.empty());
    EXPECT_TRUE(plan->outputs.empty());
    EXPECT_TRUE(plan->notes.empty());
    EXPECT_FALSE(plan->timeout);
}

TEST_F(RunPlan, OptionalBlockOfAnInputWithoutValueIsDropped) {
    auto plan = plan_of(
        "command: python t.py $[[--x ${{inputs.x}}]] $[[--y ${{inputs.y}}]]\n"
        "inputs:\n  x:\n  y: 2\n");
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->command, "python t.py  --y 2");
}

TEST_F(RunPlan, OptionalDataInputWithoutPathIsDropped) {
    auto plan = plan_of(
        "command: python t.py $[[--d ${{inputs.d}}]]\n"
        "inputs:\n  d:\n    type: uri_folder\n    optional: true\n");
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->command, "python t.py ");
    EXPECT_TRUE(plan->inputs.empty());
}

TEST_F(RunPlan, FolderAndFileInputsWithTheirTargets) {
    write_text(m_data / "folder/a.txt", "a");
    write_text(m_data / "file.csv", "x,y\n");
    write_text(m_data / "other/raw.bin", "r");
    auto plan = plan_of(
        "command: run ${{inputs.folder}} ${{inputs.file}} ${{inputs.copy}} ${{inputs.direct}}\n"
        "inputs:\n"
        "  folder:\n    type: uri_folder\n    path: folder\n"
        "  file:\n    type: uri_file\n    path: file.csv\n"
        "  copy:\n    type: uri_file\n    path: other/raw.bin\n    mode: download\n"
        "  direct:\n    type: uri_folder\n    path: other\n    mode: direct\n");
    ASSERT_TRUE(plan) << plan.error().message;
    const fs::path inputs = m_run / "inputs";
    ASSERT_EQ(plan->inputs.size(), 4U);

    EXPECT_EQ(plan->inputs[0].name, "folder");
    EXPECT_EQ(plan->inputs[0].type, "uri_folder");
    EXPECT_EQ(plan->inputs[0].mode, spec::InputMode::ro_mount);
    EXPECT_EQ(plan->inputs[0].source, m_data / "folder");
    EXPECT_EQ(plan->inputs[0].target, inputs / "folder");

    EXPECT_EQ(plan->inputs[1].name, "file");
    EXPECT_EQ(plan->inputs[1].type, "uri_file");
    EXPECT_EQ(plan->inputs[1].mode, spec::InputMode::ro_mount);
    EXPECT_EQ(plan->inputs[1].source, m_data / "file.csv");
    EXPECT_EQ(plan->inputs[1].target, inputs / "file" / "file.csv");

    EXPECT_EQ(plan->inputs[2].mode, spec::InputMode::download);
    EXPECT_EQ(plan->inputs[2].target, inputs / "copy" / "raw.bin");

    EXPECT_EQ(plan->inputs[3].mode, spec::InputMode::direct);
    EXPECT_EQ(plan->inputs[3].target, m_data / "other");

    EXPECT_EQ(plan->command,
              fmt::format("run {} {} {} {}", (inputs / "folder").string(),
                          (inputs / "file" / "file.csv").string(),
                          (inputs / "copy" / "raw.bin").string(), (m_data / "other").string()));
}

TEST_F(RunPlan, MissingInputPathIsAUsageErrorNamingTheInput) {
    EXPECT_EQ(
        usage_error_of("command: cat ${{inputs.data}}\n"
                       "inputs:\n  data:\n    type: uri_file\n    path: missing.csv\n"),
        fmt::format("job.yml: input 'data': {} does not exist", (m_data / "missing.csv").string()));
}

TEST_F(RunPlan, FolderInputGivenAFileIsRefused) {
    write_text(m_data / "file.csv", "x");
    EXPECT_EQ(usage_error_of("command: ls ${{inputs.data}}\n"
                             "inputs:\n  data:\n    type: uri_folder\n    path: file.csv\n"),
              fmt::format("job.yml: input 'data': {} is not a directory, but the input's type "
                          "is uri_folder",
                          (m_data / "file.csv").string()));
}

TEST_F(RunPlan, FileInputGivenAFolderIsRefused) {
    write_text(m_data / "dir/x", "x");
    EXPECT_EQ(usage_error_of("command: cat ${{inputs.data}}\n"
                             "inputs:\n  data:\n    type: uri_file\n    path: dir\n"),
              fmt::format("job.yml: input 'data': {} is a directory, but the input's type "
                          "is uri_file",
                          (m_data / "dir").string()));
}

TEST_F(RunPlan, AnUnresolvedRegisteredInputIsRefused) {
    EXPECT_EQ(usage_error_of("command: cat ${{inputs.data}}\n"
                             "inputs:\n  data:\n    type: uri_file\n    path: azureml:mydata:1\n"),
              "job.yml: input 'data': 'azureml:mydata:1' is not a local path; register it as a "
              "dataset ('ferry dataset create --name NAME --path ...') and give "
              "azureml:NAME@latest");
}

TEST_F(RunPlan, AResolvedDatasetInputIsPlannedAtItsTarget) {
    auto with = request();
    with.assets["data"] = {store::AssetKind::data, "mydata", "1", std::string(64, 'c'),
                           "table.csv"};
    auto plan = make_plan(load("command: cat ${{inputs.data}}\n"
                               "inputs:\n  data:\n    type: uri_file\n"
                               "    path: azureml:mydata:1\n"),
                          with);
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->inputs.size(), 1U);
    const auto& input = plan->inputs[0];
    EXPECT_EQ(input.target, m_run / "inputs" / "data" / "table.csv");
    EXPECT_EQ(plan->command, "cat " + input.target.string());
    EXPECT_EQ(input.mode, spec::InputMode::ro_mount);
    EXPECT_EQ(input.asset_kind, store::AssetKind::data);
    EXPECT_EQ(input.asset_name, "mydata");
    EXPECT_EQ(input.content, std::string(64, 'c'));
    auto again = Plan::from_json(plan->to_json());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->inputs[0].asset_version, "1");
    EXPECT_EQ(again->inputs[0].content, input.content);
}

TEST_F(RunPlan, UrlInputIsRefused) {
    const std::string message = usage_error_of(
        "command: cat ${{inputs.data}}\n"
        "inputs:\n  data:\n    type: uri_file\n    path: https://example.com/x\n");
    EXPECT_THAT(message, HasSubstr("input 'data'"));
    EXPECT_THAT(message, HasSubstr("is not a local path"));
}

TEST_F(RunPlan, OutputsGoToNamedOutputs) {
    auto plan = plan_of(
        "command: train --model ${{outputs.model}} --score ${{outputs.score}}\n"
        "outputs:\n  model:\n  score:\n    type: uri_file\n");
    ASSERT_TRUE(plan) << plan.error().message;
    const fs::path named = m_run / "named-outputs";
    ASSERT_EQ(plan->outputs.size(), 2U);
    EXPECT_EQ(plan->outputs[0].name, "model");
    EXPECT_EQ(plan->outputs[0].type, "uri_folder");
    EXPECT_EQ(plan->outputs[0].directory, named / "model");
    EXPECT_EQ(plan->outputs[0].target, named / "model");
    EXPECT_EQ(plan->outputs[1].name, "score");
    EXPECT_EQ(plan->outputs[1].type, "uri_file");
    EXPECT_EQ(plan->outputs[1].directory, named / "score");
    EXPECT_EQ(plan->outputs[1].target, named / "score" / "score");
    EXPECT_EQ(plan->command, fmt::format("train --model {} --score {}", (named / "model").string(),
                                         (named / "score" / "score").string()));
    EXPECT_TRUE(plan->notes.empty());
}

TEST_F(RunPlan, AnOutputWithANameIsRegisteredWhenTheRunCompletes) {
    auto plan = plan_of(
        "command: train ${{outputs.model}}\n"
        "outputs:\n  model:\n    type: uri_folder\n    name: my-model\n    version: '1'\n");
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_TRUE(plan->notes.empty());
    ASSERT_EQ(plan->outputs.size(), 1U);
    EXPECT_EQ(plan->outputs[0].asset_name, "my-model");
    EXPECT_EQ(plan->outputs[0].asset_version, "1");
    auto again = Plan::from_json(plan->to_json());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->outputs[0].asset_name, "my-model");
}

TEST_F(RunPlan, OutputWithAPathIsRefused) {
    EXPECT_EQ(usage_error_of("command: train ${{outputs.model}}\n"
                             "outputs:\n  model:\n    type: uri_folder\n    path: ./out\n"),
              "job.yml: output 'model': a destination path is not supported; ferry stores named "
              "outputs with the run ('ferry run download RUN --output-name model')");
}

TEST_F(RunPlan, DistributionIsPlannedWithTheComputesGpus) {
    auto plan = plan_of(
        "command: train\ndistribution:\n  type: tensorflow\n  worker_count: 2\n"
        "  parameter_server_count: 1\nresources:\n  gpus_per_instance: 2\n",
        Runtime::from_job, {"0", "1", "2"});
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_TRUE(plan->distribution);
    EXPECT_EQ(plan->distribution->type, spec::DistributionType::tensorflow);
    EXPECT_EQ(plan->distribution->ranks(), 3);
    EXPECT_EQ(plan->distribution->gpus, (std::vector<std::string>{"0", "1", "2"}));
    EXPECT_EQ(plan->distribution->gpus_per_instance, 2);
    EXPECT_FALSE(plan->environment.contains("CUDA_VISIBLE_DEVICES"));  // per rank, at start
    auto again = Plan::from_json(plan->to_json());
    ASSERT_TRUE(again);
    ASSERT_TRUE(again->distribution);
    EXPECT_EQ(again->distribution->to_json(), plan->distribution->to_json());
}

TEST_F(RunPlan, MoreGpusThanTheComputeHasAreRefused) {
    EXPECT_EQ(usage_error_of("command: train\nresources:\n  gpus_per_instance: 2\n"),
              "job.yml: resources.gpus_per_instance is 2, but the compute has 0 GPUs");
}

TEST_F(RunPlan, OneProcessGetsTheGpusItAskedFor) {
    auto plan = plan_of("command: train\nresources:\n  gpus_per_instance: 2\n", Runtime::from_job,
                        {"0", "1", "2", "3"});
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->environment.at("CUDA_VISIBLE_DEVICES"), "0,1");
    auto all = plan_of("command: train\n", Runtime::from_job, {"0", "1"});
    ASSERT_TRUE(all);
    EXPECT_FALSE(all->environment.contains("CUDA_VISIBLE_DEVICES"));  // all visible, as ever
}

TEST_F(RunPlan, SeveralInstancesNeedSlurm) {
    const std::string message = usage_error_of("command: train\nresources:\n  instance_count: 2\n");
    EXPECT_THAT(message, HasSubstr("instance_count is 2"));
    EXPECT_THAT(message, HasSubstr("Slurm"));
}

TEST_F(RunPlan, TheResolvedEnvironmentIsCarriedOut) {
    const std::string yaml =
        "command: train\nenvironment:\n  image: python:3.11\nresources:\n  shm_size: 8g\n"
        "  docker_args: --cap-add SYS_PTRACE --label 'team=ml ops'\n";
    env::Environment image;
    image.kind = env::Kind::docker;
    image.hash = std::string(64, 'a');
    image.definition.image = "python:3.11";
    auto with = request();
    with.environment = image;
    auto plan = make_plan(load(yaml), with);
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_TRUE(plan->job_environment);
    EXPECT_EQ(plan->job_environment->definition.image, "python:3.11");
    EXPECT_EQ(plan->shm_size, "8g");
    EXPECT_EQ(plan->docker_args,
              (std::vector<std::string>{"--cap-add", "SYS_PTRACE", "--label", "team=ml ops"}));
    auto again = Plan::from_json(plan->to_json());
    ASSERT_TRUE(again) << again.error().message;
    ASSERT_TRUE(again->job_environment);
    EXPECT_EQ(again->job_environment->hash, image.hash);
    EXPECT_EQ(again->docker_args, plan->docker_args);

    // --runtime host: the host as it is, and docker_args said to be unused.
    auto host = request(Runtime::host);
    host.environment = image;
    auto on_host = make_plan(load(yaml), host);
    ASSERT_TRUE(on_host) << on_host.error().message;
    EXPECT_FALSE(on_host->job_environment);
    EXPECT_THAT(on_host->notes, Contains(HasSubstr("docker_args is not used")));
}

TEST_F(RunPlan, AHostEnvironmentNeedsNothingMade) {
    env::Environment host;
    host.kind = env::Kind::host;
    auto with = request();
    with.environment = host;
    auto plan = make_plan(load("command: train\n"), with);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_FALSE(plan->job_environment);
}

TEST_F(RunPlan, JobVariablesAndFerryVariables) {
    auto plan = plan_of(
        "command: train\nlimits:\n  timeout: 60\n"
        "environment_variables:\n  MY_VAR: x y\n  OTHER: '1'\n");
    ASSERT_TRUE(plan) << plan.error().message;
    const std::map<std::string, std::string> expected = {
        {"AZUREML_ARM_PROJECT_NAME", "exp"},
        {"AZUREML_ARM_RESOURCEGROUP", "ferry"},
        {"AZUREML_ARM_SUBSCRIPTION", "local"},
        {"AZUREML_ARM_WORKSPACE_NAME", "ws"},
        {"AZUREML_EXPERIMENT_NAME", "exp"},
        {"AZUREML_ROOT_RUN_ID", "happy_fox_0123456789"},
        {"AZUREML_RUN_ID", "happy_fox_0123456789"},
        {"FERRY_EXPERIMENT", "exp"},
        {"FERRY_OUTPUTS_DIR", (m_run / "wd" / "outputs").string()},
        {"FERRY_RUN_ID", "happy_fox_0123456789"},
        {"FERRY_WORKSPACE", "ws"},
        {"MY_VAR", "x y"},
        {"OTHER", "1"},
        {"PYTHONUNBUFFERED", "1"},
    };
    EXPECT_EQ(plan->environment, expected);
    EXPECT_EQ(plan->timeout, 60);
}

TEST_F(RunPlan, AzureVariablesNameTheRootRunAndGiveWayToTheJobs) {
    auto with = request();
    with.root_run = "the_sweep";
    auto plan = make_plan(
        load("command: train\nenvironment_variables:\n  AZUREML_ARM_RESOURCEGROUP: rg\n"), with);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->environment.at("AZUREML_ROOT_RUN_ID"), "the_sweep");
    EXPECT_EQ(plan->environment.at("AZUREML_RUN_ID"), "happy_fox_0123456789");
    EXPECT_EQ(plan->environment.at("AZUREML_ARM_RESOURCEGROUP"), "rg");
}

TEST_F(RunPlan, JsonRoundTrip) {
    write_text(m_data / "folder/a.txt", "a");
    auto plan = plan_of(
        "command: run ${{inputs.folder}} ${{outputs.model}}\nlimits:\n  timeout: 5\n"
        "inputs:\n  folder:\n    type: uri_folder\n    path: folder\n"
        "outputs:\n  model:\n    name: m\n"
        "environment_variables:\n  A: b\n");
    ASSERT_TRUE(plan) << plan.error().message;
    const Json json = plan->to_json();
    EXPECT_EQ(json["timeout"], 5);
    EXPECT_EQ(json["inputs"][0]["target"], (m_run / "inputs" / "folder").string());
    EXPECT_EQ(json["outputs"][0]["directory"], (m_run / "named-outputs" / "model").string());

    auto back = Plan::from_json(Json::parse(json.dump()));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->command, plan->command);
    EXPECT_EQ(back->environment, plan->environment);
    ASSERT_EQ(back->inputs.size(), 1U);
    EXPECT_EQ(back->inputs[0].name, "folder");
    EXPECT_EQ(back->inputs[0].type, "uri_folder");
    EXPECT_EQ(back->inputs[0].mode, spec::InputMode::ro_mount);
    EXPECT_EQ(back->inputs[0].source, m_data / "folder");
    EXPECT_EQ(back->inputs[0].target, m_run / "inputs" / "folder");
    ASSERT_EQ(back->outputs.size(), 1U);
    EXPECT_EQ(back->outputs[0].target, m_run / "named-outputs" / "model");
    EXPECT_EQ(back->timeout, 5);
    EXPECT_EQ(back->notes, plan->notes);
    EXPECT_EQ(back->to_json().dump(), json.dump());
}

TEST_F(RunPlan, JsonRoundTripWithoutTimeout) {
    Plan plan;
    plan.command = "echo";
    auto back = Plan::from_json(plan.to_json());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_FALSE(back->timeout);
    EXPECT_EQ(back->to_json().dump(), plan.to_json().dump());
}

TEST(RunPlanJson, DamagedJsonIsAnError) {
    for (const std::string text : {
             R"({})",
             R"({"command": 3, "environment": {}, "inputs": [], "outputs": [], "timeout": null})",
             R"({"command": "x", "environment": {"A": 1}, "inputs": [], "outputs": [],
                 "timeout": null})",
             R"({"command": "x", "environment": {}, "inputs": [{"name": "a"}], "outputs": [],
                 "timeout": null})",
             R"({"command": "x", "environment": {}, "inputs": [], "outputs": [],
                 "timeout": "soon"})",
             R"([1, 2])",
             R"(null)",
         }) {
        auto plan = Plan::from_json(Json::parse(text));
        ASSERT_FALSE(plan) << text;
        EXPECT_THAT(plan.error().message, HasSubstr("the run's recorded plan is damaged: "))
            << text;
    }
}

// A cluster (Slurm)

TEST_F(RunPlan, AClusterTakesSeveralNodesAndTheirGpusPerNode) {
    PlanRequest cluster = request();
    cluster.gpus = std::nullopt;  // the scheduler gives each node its GPUs
    cluster.compute = {.label = "a Slurm compute", .multi_node = true, .containers = false};
    auto plan = make_plan(load("command: train\ndistribution:\n  type: pytorch\n"
                               "resources:\n  instance_count: 2\n  gpus_per_instance: 4\n"),
                          cluster);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->instances, 2);
    EXPECT_EQ(plan->gpus_per_instance, 4);
    EXPECT_EQ(plan->distribution->gpus_per_instance, 4);  // no slices: Slurm gives them
    EXPECT_FALSE(plan->environment.contains("CUDA_VISIBLE_DEVICES"));
    auto again = Plan::from_json(plan->to_json());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->instances, 2);
    EXPECT_EQ(again->gpus_per_instance, 4);
}

TEST_F(RunPlan, AClusterNotesAShmSizeTheJobGaveAndRefusesContainers) {
    PlanRequest cluster = request();
    cluster.gpus = std::nullopt;  // the scheduler gives each node its GPUs
    cluster.compute = {.label = "a Slurm compute", .multi_node = true, .containers = false};
    auto plan = make_plan(load("command: train\nresources:\n  shm_size: 8g\n"), cluster);
    ASSERT_TRUE(plan);
    EXPECT_THAT(plan->notes, ::testing::Contains(HasSubstr("resources.shm_size is not used on a "
                                                           "Slurm compute")));
    auto quiet = make_plan(load("command: train\n"), cluster);
    ASSERT_TRUE(quiet);
    EXPECT_TRUE(quiet->notes.empty());  // the default 2g is not the job's word

    cluster.environment = env::Environment{};
    cluster.environment->kind = env::Kind::docker;
    auto refused = make_plan(load("command: train\n"), cluster);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_THAT(refused.error().message, HasSubstr("which a Slurm compute does not start"));
}

}  // namespace
}  // namespace ferry::run
