#include <gtest/gtest.h>

#include "ferry/spec/load.hpp"

namespace ferry::spec {
namespace {

TEST(LoadEnvironment, ResolvesPathsAgainstTheFileDirectory) {
    const auto env = load_environment(
        "name: e\nconda_file: envs/conda.yml\nbuild:\n  path: docker\n"
        "pip_requirements: file:req.txt\n",
        "env.yml", "/project/env");
    // image and build are exclusive, build and conda_file are not
    ASSERT_TRUE(env) << render(env.error(), "");
    EXPECT_EQ(env->conda_file, std::filesystem::path("/project/env/envs/conda.yml"));
    ASSERT_TRUE(env->build);
    EXPECT_EQ(env->build->path, std::filesystem::path("/project/env/docker"));
    EXPECT_EQ(env->build->dockerfile_path, "Dockerfile");
    EXPECT_EQ(env->pip_requirements, std::filesystem::path("/project/env/req.txt"));
    EXPECT_EQ(env->os_type, "linux");
}

TEST(LoadEnvironment, InlineCondaAndRegistry) {
    const auto env = load_environment(
        "name: e\nimage: python:3.11\nconda_file:\n  dependencies: [python=3.11]\n"
        "image_registry:\n  address: r.example.com\n  password_env: PW\n",
        "env.yml", "/p");
    ASSERT_TRUE(env) << render(env.error(), "");
    EXPECT_EQ(env->conda_inline.dump(), R"({"dependencies":["python=3.11"]})");
    ASSERT_TRUE(env->image_registry);
    EXPECT_EQ(env->image_registry->password_env, "PW");
}

TEST(LoadEnvironment, CondaFileGivenByMistake) {
    const std::string text = "channels: [conda-forge]\ndependencies: [python]\n";
    const auto env = load_environment(text, "conda.yml", "/p");
    ASSERT_FALSE(env);
    EXPECT_EQ(render(env.error(), text),
              "conda.yml:1:1: this looks like a conda file, not an environment spec: write an "
              "environment spec with 'conda_file: FILE' and 'name'\n"
              "  channels: [conda-forge]\n  ^\n");
}

TEST(LoadData, LocalPathsResolveAndUrlsAreKept) {
    const auto data = load_data("name: d\npath: ./iris\n", "d.yml", "/p/data");
    ASSERT_TRUE(data);
    EXPECT_EQ(data->type, "uri_folder");
    ASSERT_EQ(data->paths.size(), 1u);
    EXPECT_EQ(data->paths[0].path, std::filesystem::path("/p/data/iris"));
    const auto url =
        load_data("name: d\ntype: uri_file\npath: https://x.org/a.csv\n", "d.yml", "/p");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->paths[0].kind, ReferenceKind::url);
    EXPECT_EQ(url->to_json().dump(),
              R"({"name":"d","type":"uri_file","path":"https://x.org/a.csv"})");
}

TEST(LoadModel, DefaultsToCustomModel) {
    const auto model = load_model("name: m\npath: model.pt\n", "m.yml", "/p");
    ASSERT_TRUE(model);
    EXPECT_EQ(model->type, "custom_model");
    EXPECT_EQ(model->path.path, std::filesystem::path("/p/model.pt"));
}

TEST(LoadCompute, LocalAndSlurm) {
    const auto local =
        load_compute("name: l\ntype: local\nmax_concurrent_runs: 2\ngpus: 1\n", "c.yml", "/p");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->max_concurrent_runs, 2);
    EXPECT_EQ(local->gpus, 1);
    const auto slurm = load_compute(
        "name: s\ntype: slurm\npartition: gpu\nsbatch_args: [--exclusive]\n", "c.yml", "/p");
    ASSERT_TRUE(slurm);
    EXPECT_EQ(slurm->partition, "gpu");
    EXPECT_EQ(slurm->sbatch_args, std::vector<std::string>{"--exclusive"});
}

TEST(LoadCompute, SshIsReserved) {
    const std::string text = "name: s\ntype: ssh\n";
    const auto compute = load_compute(text, "c.yml", "/p");
    ASSERT_FALSE(compute);
    EXPECT_EQ(render(compute.error(), text),
              "c.yml:2:7: not supported by ferry yet: compute type 'ssh' (reserved for a later "
              "release)\n  type: ssh\n        ^\n");
}

TEST(LoadCompute, AValueASetReplacedIsBlamedOnTheSetNotOnTheFile) {
    const std::string text = "name: l\ntype: local\nmax_concurrent_runs: 2\n";
    const std::vector<std::string> sets{"max_concurrent_runs=0"};
    const auto compute = load_compute(text, "c.yml", "/p", sets);
    ASSERT_FALSE(compute);
    EXPECT_EQ(render(compute.error(), text),
              "--set max_concurrent_runs=0: 'max_concurrent_runs' must be at least 1, got 0\n");
    // A mistake in the file itself is still at its line.
    const std::string file_wrong = "name: l\ntype: local\nmax_concurrent_runs: 0\n";
    const auto wrong = load_compute(file_wrong, "c.yml", "/p", {});
    ASSERT_FALSE(wrong);
    EXPECT_EQ(render(wrong.error(), file_wrong).substr(0, 10), "c.yml:3:22");
}

TEST(LoadWorkspace, PathResolves) {
    const auto workspace = load_workspace("name: w\npath: ../shared\n", "w.yml", "/p/conf");
    ASSERT_TRUE(workspace);
    EXPECT_EQ(workspace->path, std::filesystem::path("/p/shared"));
}

}  // namespace
}  // namespace ferry::spec
