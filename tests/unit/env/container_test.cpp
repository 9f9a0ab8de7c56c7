#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "ferry/env/container.hpp"

namespace ferry::env {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Finds every program.
struct FakeRunner : test::FakeRunner {
    FakeRunner() { every_program = true; }
};

ContainerRun request() {
    ContainerRun run;
    run.engine = "docker";
    run.image = "python:3.11-slim";
    run.name = "ferry-brave_fox_1";
    run.run = "brave_fox_1";
    run.workspace_root = "/home/u/.ferry/workspaces/default";
    run.run_directory = "/home/u/.ferry/workspaces/default/runs/brave_fox_1";
    run.working_directory = "/home/u/.ferry/workspaces/default/runs/brave_fox_1/wd";
    run.variables = {"AZUREML_RUN_ID", "SECRET_TOKEN"};
    run.read_only = {{"/data/in", "/home/u/.ferry/workspaces/default/runs/brave_fox_1/inputs/x"}};
    run.command = "python train.py --epochs 3";
    return run;
}

// The value after `flag` in argv, or "" (the first occurrence).
std::string value_after(const std::vector<std::string>& argv, std::string_view flag) {
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == flag) {
            return argv[i + 1];
        }
    }
    return "";
}

// Every value given after `flag`.
std::vector<std::string> values_after(const std::vector<std::string>& argv, std::string_view flag) {
    std::vector<std::string> values;
    for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == flag) {
            values.push_back(argv[i + 1]);
        }
    }
    return values;
}

TEST(EnvContainer, ArgvStartsWithRunAndItsFixedOptions) {
    const auto argv = container_argv(request());
    ASSERT_GE(argv.size(), 6U);
    EXPECT_EQ(argv[0], "docker");
    EXPECT_EQ(argv[1], "run");
    EXPECT_THAT(argv, Contains("--rm"));
    EXPECT_THAT(argv, Contains("--init"));
    EXPECT_EQ(value_after(argv, "--network"), "host");
    EXPECT_EQ(value_after(argv, "--name"), "ferry-brave_fox_1");
}

TEST(EnvContainer, ArgvLabelsTheRunAndTheWorkspace) {
    const auto argv = container_argv(request());
    EXPECT_THAT(
        values_after(argv, "--label"),
        ElementsAre("ferry.run=brave_fox_1", "ferry.workspace=/home/u/.ferry/workspaces/default"));
}

TEST(EnvContainer, ArgvMountsTheRunDirectoryAtTheSamePathAndInputsReadOnly) {
    const auto argv = container_argv(request());
    EXPECT_THAT(values_after(argv, "--mount"),
                ElementsAre("type=bind,source=/home/u/.ferry/workspaces/default/runs/brave_fox_1,"
                            "target=/home/u/.ferry/workspaces/default/runs/brave_fox_1",
                            "type=bind,source=/data/in,target=/home/u/.ferry/workspaces/default/"
                            "runs/brave_fox_1/inputs/x,readonly"));
    EXPECT_THAT(argv, Not(Contains("--volume")));
    EXPECT_EQ(value_after(argv, "--workdir"),
              "/home/u/.ferry/workspaces/default/runs/brave_fox_1/wd");
}

TEST(EnvContainer, MountPathsWithColonsAndCommasStayWhole) {
    ContainerRun odd = request();
    odd.read_only = {{"/data/a:b,c", "/in/x\"y"}};
    const auto argv = container_argv(odd);
    EXPECT_THAT(values_after(argv, "--mount"),
                Contains("type=bind,\"source=/data/a:b,c\",\"target=/in/x\"\"y\",readonly"));
}

TEST(EnvContainer, ArgvPassesVariablesByNameOnly) {
    const auto argv = container_argv(request());
    EXPECT_THAT(values_after(argv, "--env"), ElementsAre("AZUREML_RUN_ID", "SECRET_TOKEN"));
    for (const auto& word : argv) {
        EXPECT_THAT(word, Not(HasSubstr("SECRET_TOKEN="))) << "a value in argv";
    }
}

TEST(EnvContainer, ArgvOptionalFlagsOnlyWhenSet) {
    const auto plain = container_argv(request());
    EXPECT_THAT(plain, Not(Contains("--shm-size")));
    EXPECT_THAT(plain, Not(Contains("--gpus")));
    EXPECT_THAT(plain, Not(Contains("--user")));

    ContainerRun full = request();
    full.shm_size = "2g";
    full.gpus = "device=0,1";
    full.user = "1000:1000";
    const auto argv = container_argv(full);
    EXPECT_EQ(value_after(argv, "--shm-size"), "2g");
    EXPECT_EQ(value_after(argv, "--gpus"), "device=0,1");
    EXPECT_EQ(value_after(argv, "--user"), "1000:1000");
}

TEST(EnvContainer, ArgvEndsWithTheImageAndTheShellChoice) {
    ContainerRun full = request();
    full.user = "1000:1000";
    full.gpus = "device=0";
    const auto argv = container_argv(full);
    ASSERT_GE(argv.size(), 6U);
    const std::vector<std::string> tail(argv.end() - 6, argv.end());
    EXPECT_EQ(tail[0], "python:3.11-slim");
    EXPECT_EQ(tail[1], "sh");
    EXPECT_EQ(tail[2], "-c");
    EXPECT_EQ(tail[3],
              "if command -v bash >/dev/null 2>&1; then exec bash -c \"$1\"; fi; exec sh -c "
              "\"$1\"");
    EXPECT_EQ(tail[4], "ferry");
    EXPECT_EQ(tail[5], "python train.py --epochs 3");
    // Every option comes before the image.
    const auto image = std::ranges::find(argv, "python:3.11-slim");
    EXPECT_EQ(std::count(argv.begin(), image, std::string("--user")), 1);
    EXPECT_EQ(std::count(argv.begin(), image, std::string("--gpus")), 1);
}

TEST(EnvContainer, ArgvUsesTheEngineGiven) {
    ContainerRun podman = request();
    podman.engine = "/usr/local/bin/podman";
    EXPECT_EQ(container_argv(podman).at(0), "/usr/local/bin/podman");
}

TEST(EnvContainer, RunContainersParsesIdsAndFiltersByBothLabels) {
    FakeRunner runner;
    runner.captured["docker ps"] = "0123abcd\n\n4567ef01\n";
    auto ids = run_containers(runner, "docker", "brave_fox_1", "/ws/root");
    ASSERT_TRUE(ids) << ids.error().message;
    EXPECT_THAT(*ids, ElementsAre("0123abcd", "4567ef01"));
    ASSERT_EQ(runner.commands.size(), 1U);
    const auto& argv = runner.commands[0].argv;
    EXPECT_EQ(argv.at(0), "docker");
    EXPECT_EQ(argv.at(1), "ps");
    EXPECT_THAT(argv, Contains("--all"));
    EXPECT_THAT(argv, Contains("--quiet"));
    EXPECT_THAT(values_after(argv, "--filter"),
                ElementsAre("label=ferry.run=brave_fox_1", "label=ferry.workspace=/ws/root"));
}

TEST(EnvContainer, RunContainersNoneIsEmpty) {
    FakeRunner runner;
    auto ids = run_containers(runner, "podman", "r", "/ws");
    ASSERT_TRUE(ids) << ids.error().message;
    EXPECT_TRUE(ids->empty());
    EXPECT_EQ(runner.commands.at(0).argv.at(0), "podman");
}

TEST(EnvContainer, RunContainersEngineFailureIsAnError) {
    FakeRunner runner;
    runner.codes["docker ps"] = 1;
    EXPECT_FALSE(run_containers(runner, "docker", "r", "/ws"));
}

// Containers are started with --rm, so the engine's stop also removes them.
TEST(EnvContainer, StopGivesTheGraceAndNamesEveryId) {
    FakeRunner runner;
    auto stopped = stop_containers(runner, "docker", {"aaa", "bbb"}, 7, -1);
    ASSERT_TRUE(stopped) << stopped.error().message;
    ASSERT_EQ(runner.commands.size(), 1U);
    EXPECT_EQ(runner.commands[0].argv,
              (std::vector<std::string>{"docker", "stop", "--time", "7", "aaa", "bbb"}));
}

TEST(EnvContainer, FailedStopIsAnError) {
    FakeRunner runner;
    runner.codes["podman stop"] = 1;
    auto stopped = stop_containers(runner, "podman", {"aaa"}, 10, -1);
    ASSERT_FALSE(stopped);
    EXPECT_EQ(stopped.error().message, "podman stop exited with 1");
}

TEST(EnvContainer, RemoveForcesEveryId) {
    FakeRunner runner;
    auto removed = remove_containers(runner, "docker", {"aaa", "bbb"}, -1);
    ASSERT_TRUE(removed) << removed.error().message;
    ASSERT_EQ(runner.commands.size(), 1U);
    EXPECT_EQ(runner.commands[0].argv,
              (std::vector<std::string>{"docker", "rm", "--force", "aaa", "bbb"}));
}

TEST(EnvContainer, FailedRemovalIsAnError) {
    FakeRunner runner;
    runner.codes["docker rm"] = 1;
    auto removed = remove_containers(runner, "docker", {"aaa"}, -1);
    ASSERT_FALSE(removed);
    EXPECT_THAT(removed.error().message, HasSubstr("rm exited with 1"));
}

TEST(EnvContainer, NothingIsRunForNoIds) {
    FakeRunner runner;
    EXPECT_TRUE(stop_containers(runner, "docker", {}, 10, -1));
    EXPECT_TRUE(remove_containers(runner, "docker", {}, -1));
    EXPECT_TRUE(runner.commands.empty());
}

}  // namespace
}  // namespace ferry::env
