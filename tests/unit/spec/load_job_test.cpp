#include <gtest/gtest.h>

#include "ferry/spec/load.hpp"

namespace ferry::spec {
namespace {

std::string errors_of(std::string_view text) {
    const auto job = load_job(text, "job.yml", "/project");
    return job ? std::string("loaded") : render(job.error(), text);
}

TEST(LoadCommandJob, DefaultsAndResolvedPaths) {
    const auto job =
        load_command_job("command: python train.py\ncode: src\nenvironment: azureml:torch@latest\n",
                         "job.yml", "/project/jobs");
    ASSERT_TRUE(job) << render(job.error(), "");
    EXPECT_EQ(job->command, "python train.py");
    EXPECT_EQ(job->code, std::filesystem::path("/project/jobs/src"));
    EXPECT_EQ(job->compute.name, "local");
    EXPECT_EQ(job->resources.instance_count, 1);
    EXPECT_EQ(job->resources.shm_size, 2ULL << 30U);
    EXPECT_FALSE(job->timeout);
    EXPECT_FALSE(job->distribution);
    const auto* environment = std::get_if<Reference>(&job->environment);
    ASSERT_NE(environment, nullptr);
    EXPECT_EQ(environment->canonical(), "torch@latest");
}

TEST(LoadCommandJob, NoEnvironmentMeansTheHost) {
    const auto job = load_command_job("command: echo\n", "job.yml", "/p");
    ASSERT_TRUE(job);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(job->environment));
}

TEST(LoadCommandJob, InputsKeepTheirYamlTypes) {
    const auto job = load_command_job(
        "command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.c}} ${{inputs.d}}\n"
        "inputs:\n  a: 1.0\n  b: \"yes\"\n  c: true\n"
        "  d:\n    type: uri_file\n    path: file:data/x.csv\n",
        "job.yml", "/project");
    ASSERT_TRUE(job) << render(job.error(), "");
    ASSERT_EQ(job->inputs.size(), 4u);
    EXPECT_EQ(job->inputs[0].value.dump(), "1.0");
    EXPECT_EQ(job->inputs[1].value, "yes");
    EXPECT_EQ(job->inputs[2].value, true);
    EXPECT_FALSE(job->inputs[3].is_literal);
    EXPECT_EQ(job->inputs[3].type, "uri_file");
    EXPECT_EQ(job->inputs[3].mode, InputMode::ro_mount);
    EXPECT_EQ(job->inputs[3].path->path, std::filesystem::path("/project/data/x.csv"));
    EXPECT_EQ(
        job->to_json()["inputs"].dump(),
        R"({"a":1.0,"b":"yes","c":true,"d":{"type":"uri_file","path":"/project/data/x.csv","mode":"ro_mount"}})");
}

TEST(LoadCommandJob, EmptyOutputIsAUriFolderInRwMount) {
    const auto job =
        load_command_job("command: echo ${{outputs.model}}\noutputs:\n  model:\n", "job.yml", "/p");
    ASSERT_TRUE(job) << render(job.error(), "");
    ASSERT_EQ(job->outputs.size(), 1u);
    EXPECT_EQ(job->outputs[0].type, "uri_folder");
    EXPECT_EQ(job->outputs[0].mode, "rw_mount");
}

TEST(LoadCommandJob, ShmSizeAndTimeoutAndTensorflowDefaults) {
    const auto job = load_command_job(
        "command: echo\nresources:\n  instance_count: 3\n  shm_size: 1024k\n"
        "limits:\n  timeout: 60\ndistribution:\n  type: tensorflow\n",
        "job.yml", "/p");
    ASSERT_TRUE(job) << render(job.error(), "");
    EXPECT_EQ(job->resources.shm_size, 1024u * 1024u);
    EXPECT_EQ(job->timeout, 60);
    ASSERT_TRUE(job->distribution);
    EXPECT_EQ(job->distribution->worker_count, 3);
    EXPECT_EQ(job->distribution->parameter_server_count, 0);
}

TEST(LoadCommandJob, ReadOnlyAndSchemaKeysAreIgnored) {
    EXPECT_EQ(errors_of("$schema: x\ncommand: echo\nstatus: Completed\nid: x\n"
                        "creation_context: {created_by: me}\nlog_files: null\n"),
              "loaded");
}

TEST(LoadCommandJob, UnknownKeyWithDidYouMean) {
    EXPECT_EQ(errors_of("command: echo\nenviroment: azureml:x:1\n"),
              "job.yml:2:1: unknown key 'enviroment' (did you mean 'environment'?)\n"
              "  enviroment: azureml:x:1\n"
              "  ^\n");
}

TEST(LoadCommandJob, TypeErrorsNameTheExpectedType) {
    EXPECT_EQ(errors_of("command: echo\nlimits:\n  timeout: abc\n"),
              "job.yml:3:12: 'timeout' must be an integer (seconds), got 'abc'\n"
              "    timeout: abc\n"
              "             ^\n");
}

TEST(LoadCommandJob, MissingRequiredKey) {
    EXPECT_EQ(errors_of("name: x\n"),
              "job.yml:1:1: missing required key 'command'\n  name: x\n  ^\n");
}

TEST(LoadCommandJob, AzureKeysThatChangeNothingAreNotedAtTheKey) {
    const auto job = load_job(
        "command: echo\nidentity:\n  type: managed\nresources:\n  instance_type: Standard_D2\n",
        "job.yml", "/p");
    ASSERT_TRUE(job) << render(job.error(), "");
    const auto& ignored = std::get<CommandJob>(*job).ignored;
    ASSERT_EQ(ignored.size(), 2U);
    EXPECT_EQ(place_of("job.yml", ignored[0]) + ignored[0].message,
              "job.yml:2:1: ignored: identity (managed identities are an Azure feature)");
    EXPECT_EQ(place_of("job.yml", ignored[1]) + ignored[1].message,
              "job.yml:5:3: ignored: instance_type (Azure's VM sizes; here the compute decides)");
    EXPECT_EQ(render(strict_errors("job.yml", {ignored[0]}), "command: echo\nidentity:\n"),
              "job.yml:2:1: not supported by ferry: identity (managed identities are an Azure "
              "feature); without --strict it is ignored with a note\n  identity:\n  ^\n");
    EXPECT_FALSE(std::get<CommandJob>(*job).to_json().contains("identity"));
}

TEST(LoadCommandJob, UnsupportedKeysPointAtTheKey) {
    EXPECT_EQ(errors_of("command: echo\ndistribution:\n  type: ray\n"),
              "job.yml:3:9: not supported by ferry yet: distribution type 'ray' (Ray clusters "
              "are not launched by ferry)\n    type: ray\n          ^\n");
}

TEST(LoadCommandJob, RefusedPathsPointAtTheValue) {
    EXPECT_EQ(errors_of("command: echo\ninputs:\n  d:\n    path: runs:/0f3a7c/model\n"),
              "job.yml:4:11: not supported by ferry: 'runs:/0f3a7c/model' (MLflow run URIs; use a "
              "local path or a registered model)\n"
              "      path: runs:/0f3a7c/model\n"
              "            ^\n");
    // Datastore paths and storage URLs load: submit finds them through a datastore.
    EXPECT_EQ(errors_of("command: echo\ninputs:\n  d:\n    path: azureml://datastores/x/paths/y\n"),
              "loaded");
}

TEST(LoadCommandJob, UndefinedInputInsideALiteralBlockScalar) {
    EXPECT_EQ(errors_of("command: |\n  echo start\n  python t.py ${{inputs.x}}\n"),
              "job.yml:3:15: undefined input 'x' in command\n"
              "    python t.py ${{inputs.x}}\n"
              "                ^\n");
}

TEST(LoadCommandJob, UndefinedInputInsideAFoldedBlockScalar) {
    EXPECT_EQ(errors_of("command: >-\n  python t.py\n  --x ${{outputs.y}}\n"),
              "job.yml:3:7: undefined output 'y' in command\n"
              "    --x ${{outputs.y}}\n"
              "        ^\n");
}

TEST(LoadCommandJob, SecondOccurrenceOfTheSamePlaceholderIsFound) {
    EXPECT_EQ(errors_of("inputs:\n  a: 1\ncommand: echo ${{inputs.a}} ${{inputs.b}} "
                        "${{inputs.b}}\n"),
              "job.yml:3:29: undefined input 'b' in command (did you mean 'a'?)\n"
              "  command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.b}}\n"
              "                              ^\n"
              "job.yml:3:43: undefined input 'b' in command (did you mean 'a'?)\n"
              "  command: echo ${{inputs.a}} ${{inputs.b}} ${{inputs.b}}\n"
              "                                            ^\n");
}

TEST(LoadCommandJob, OptionalBlocksMayHoldInputsWithoutValue) {
    EXPECT_EQ(errors_of("command: echo $[[--x ${{inputs.x}}]]\ninputs:\n  x:\n"), "loaded");
}

TEST(LoadJob, DispatchesOnType) {
    const auto sweep = load_job(
        "type: sweep\ntrial:\n  command: echo ${{search_space.x}}\nsearch_space:\n  x:\n"
        "    type: choice\n    values: [1, 2]\nsampling_algorithm: grid\n"
        "objective:\n  goal: minimize\n  primary_metric: loss\n",
        "s.yml", "/p");
    ASSERT_TRUE(sweep) << render(sweep.error(), "");
    ASSERT_TRUE(std::holds_alternative<SweepJob>(*sweep));
    const SweepJob& job = std::get<SweepJob>(*sweep);
    EXPECT_EQ(job.sampling_algorithm, "grid");
    EXPECT_EQ(job.max_total_trials, 1000);
    EXPECT_EQ(job.max_concurrent_trials, 1000);
    EXPECT_EQ(job.timeout, 5184000);
    ASSERT_EQ(job.search_space.size(), 1u);
    EXPECT_EQ(job.search_space[0].values.size(), 2u);
    const auto command = load_job("command: echo\n", "c.yml", "/p");
    ASSERT_TRUE(command);
    EXPECT_TRUE(std::holds_alternative<CommandJob>(*command));
}

TEST(LoadSweepJob, PolicyDefaults) {
    const auto job = load_sweep_job(
        "type: sweep\ntrial:\n  command: echo ${{search_space.x}}\nsearch_space:\n  x:\n"
        "    type: uniform\n    min_value: 0\n    max_value: 1\nsampling_algorithm: random\n"
        "objective:\n  goal: maximize\n  primary_metric: acc\n"
        "limits:\n  max_total_trials: 8\n"
        "early_termination:\n  type: median_stopping\n",
        "s.yml", "/p");
    ASSERT_TRUE(job) << render(job.error(), "");
    EXPECT_EQ(job->max_concurrent_trials, 8);
    ASSERT_TRUE(job->early_termination);
    EXPECT_EQ(job->early_termination->evaluation_interval, 1);
    EXPECT_EQ(job->early_termination->delay_evaluation, 0);
    EXPECT_EQ(job->goal, "maximize");
}

TEST(LoadCommandJob, ToJsonIsStable) {
    const auto job = load_command_job(
        "command: echo\nname: n\ncompute: azureml:box\ntags: {a: b}\nlimits: {timeout: 5}\n",
        "job.yml", "/p");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->to_json().dump(),
              R"({"type":"command","name":"n","tags":{"a":"b"},"compute":"azureml:box",)"
              R"("command":"echo","resources":{"instance_count":1,"shm_size":"2g"},)"
              R"("limits":{"timeout":5}})");
}

}  // namespace
}  // namespace ferry::spec
