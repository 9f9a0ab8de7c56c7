#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "../test_support.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {
namespace {

using Strings = std::vector<std::string>;

std::string shell_quote(const std::string& word) {
    std::string quoted = "'";
    for (const char c : word) {
        quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return quoted + "'";
}

// Ports 5000, 5001, ... with every one offered twice, as a kernel might.
std::function<int()> counting_ports() {
    auto next = std::make_shared<int>(0);
    return [next] { return 5000 + (*next)++ / 2; };
}

TEST(RunDistribution, GpuSlicesSplitContiguously) {
    const Strings four{"0", "1", "2", "3"};
    EXPECT_EQ(gpu_slices(four, std::nullopt, 2).value(), (Strings{"0,1", "2,3"}));
    EXPECT_EQ(gpu_slices(four, 2, 2).value(), (Strings{"0", "1"}));
    EXPECT_EQ(gpu_slices(four, std::nullopt, 3).value(), (Strings{"0", "1", "2"}));
    EXPECT_EQ(gpu_slices(four, std::nullopt, 1).value(), (Strings{"0,1,2,3"}));
    EXPECT_EQ(gpu_slices({"3", "5"}, std::nullopt, 2).value(), (Strings{"3", "5"}));
}

TEST(RunDistribution, MoreRanksThanGpusShare) {
    EXPECT_EQ(gpu_slices({"0", "1"}, std::nullopt, 4).value(), (Strings{"0", "1", "0", "1"}));
}

TEST(RunDistribution, NoGpusSetNothing) {
    EXPECT_EQ(gpu_slices({}, std::nullopt, 2).value(), (Strings{"", ""}));
    EXPECT_EQ(gpu_slices({"0", "1"}, 0, 2).value(), (Strings{"", ""}));
}

TEST(RunDistribution, AskingForMoreGpusThanThereAreFails) {
    auto slices = gpu_slices({"0"}, 2, 1);
    ASSERT_FALSE(slices);
    EXPECT_EQ(slices.error().code, ExitCode::usage);
    EXPECT_EQ(slices.error().message,
              "resources.gpus_per_instance is 2, but the compute has 1 GPU");
}

TEST(RunDistribution, PytorchRanksGetTorchrunsVariables) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::pytorch;
    plan.processes = 3;
    auto ranks = plan_ranks(plan, counting_ports());
    ASSERT_TRUE(ranks) << ranks.error().message;
    ASSERT_EQ(ranks->size(), 3U);
    for (std::int64_t i = 0; i < 3; ++i) {
        const auto& rank = (*ranks)[static_cast<std::size_t>(i)];
        EXPECT_EQ(rank.rank, i);
        EXPECT_EQ(rank.log, fmt::format("user_logs/std_log_process_{}.txt", i));
        EXPECT_EQ(rank.environment,
                  (std::map<std::string, std::string>{{"GROUP_RANK", "0"},
                                                      {"LOCAL_RANK", std::to_string(i)},
                                                      {"LOCAL_WORLD_SIZE", "3"},
                                                      {"MASTER_ADDR", "127.0.0.1"},
                                                      {"MASTER_PORT", "5000"},
                                                      {"NODE_RANK", "0"},
                                                      {"RANK", std::to_string(i)},
                                                      {"WORLD_SIZE", "3"}}));
    }
}

TEST(RunDistribution, TensorflowTasksGetTfConfigWithDistinctPorts) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::tensorflow;
    plan.workers = 2;
    plan.parameter_servers = 1;
    auto ranks = plan_ranks(plan, counting_ports());
    ASSERT_TRUE(ranks) << ranks.error().message;
    ASSERT_EQ(ranks->size(), 3U);
    const nlohmann::json cluster = {{"worker", {"127.0.0.1:5000", "127.0.0.1:5001"}},
                                    {"ps", {"127.0.0.1:5002"}}};
    const std::vector<std::pair<std::string, int>> tasks = {
        {"worker", 0}, {"worker", 1}, {"ps", 0}};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto& rank = (*ranks)[i];
        EXPECT_EQ(rank.role, tasks[i].first);
        EXPECT_EQ(rank.index, tasks[i].second);
        const auto config = nlohmann::json::parse(rank.environment.at("TF_CONFIG"));
        EXPECT_EQ(config["cluster"], cluster);
        EXPECT_EQ(config["task"],
                  (nlohmann::json{{"type", tasks[i].first}, {"index", tasks[i].second}}));
        EXPECT_EQ(config["environment"], "cloud");
    }
}

TEST(RunDistribution, TensorflowWithoutParameterServersHasNoPsKey) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::tensorflow;
    plan.workers = 2;
    auto ranks = plan_ranks(plan, counting_ports());
    ASSERT_TRUE(ranks);
    const auto config = nlohmann::json::parse(ranks->front().environment.at("TF_CONFIG"));
    EXPECT_FALSE(config["cluster"].contains("ps"));
}

TEST(RunDistribution, RanksGetTheirGpuSlices) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::mpi;
    plan.processes = 2;
    plan.gpus = {"0", "1", "2", "3"};
    auto ranks = plan_ranks(plan, counting_ports());
    ASSERT_TRUE(ranks);
    EXPECT_EQ((*ranks)[0].environment.at("CUDA_VISIBLE_DEVICES"), "0,1");
    EXPECT_EQ((*ranks)[1].environment.at("CUDA_VISIBLE_DEVICES"), "2,3");
}

TEST(RunDistribution, NoFreePortFails) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::pytorch;
    auto ranks = plan_ranks(plan, [] { return 0; });
    ASSERT_FALSE(ranks);
    EXPECT_THAT(ranks.error().message, ::testing::HasSubstr("free TCP port"));
}

TEST(RunDistribution, UnknownTypeAndNoProcessAreRefused) {
    // An unknown type cannot be planned: a recorded one is refused when it is read.
    EXPECT_THROW(std::ignore = DistributionPlan::from_json({{"type", "ray"}}),
                 std::invalid_argument);
    DistributionPlan none;
    none.type = spec::DistributionType::pytorch;
    none.processes = 0;
    EXPECT_FALSE(plan_ranks(none, counting_ports()));
}

TEST(RunDistribution, FreePortsAreBindableAndVary) {
    std::set<int> ports;
    for (int i = 0; i < 5; ++i) {
        const int port = free_port();
        EXPECT_GT(port, 0);
        ports.insert(port);
    }
    EXPECT_GT(ports.size(), 1U);
}

TEST(RunDistribution, MpirunRedirectsEachRankToItsLogAndGivesItsGpus) {
    const auto words = mpirun_command(2, "python3 a.py", "/run", true, {"0,1", "2,3"});
    ASSERT_EQ(words.size(), 16U);
    EXPECT_EQ(Strings(words.begin(), words.begin() + 12),
              (Strings{"mpirun", "-np", "2", "--allow-run-as-root", "--oversubscribe", "--bind-to",
                       "none", "--mca", "btl", "self,vader", "bash", "-c"}));
    EXPECT_EQ(Strings(words.begin() + 13, words.end()),
              (Strings{"/run", "python3 a.py", "0,1;2,3"}));
    const auto user = mpirun_command(4, "x", "/l", false, {});
    EXPECT_EQ(std::count(user.begin(), user.end(), "--allow-run-as-root"), 0);
    EXPECT_EQ(user.back(), "");
}

TEST(RunDistribution, MpiWrapperSelectsLogGpusAndNotesFailures) {
    // The wrapper script, run by bash as mpirun would, for local rank 1 of 2.
    test::TempDir dir;
    std::filesystem::create_directories(dir / "user_logs");
    std::filesystem::create_directories(dir / "system_logs");
    const auto words = mpirun_command(2, "echo gpus=$CUDA_VISIBLE_DEVICES; exit 3",
                                      dir.path().string(), false, {"0,1", "2,3"});
    const auto c =
        static_cast<std::size_t>(std::find(words.begin(), words.end(), "-c") - words.begin());
    ASSERT_EQ(words.size(), c + 5);
    const std::string line =
        fmt::format("OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_LOCAL_RANK=1 bash -c {} {} {} {}",
                    shell_quote(words[c + 1]), shell_quote(words[c + 2]), shell_quote(words[c + 3]),
                    shell_quote(words[c + 4]));
    const int status = std::system(line.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 3);
    EXPECT_EQ(util::read_file(dir / "user_logs/std_log_process_1.txt").value_or(""), "gpus=2,3\n");
    EXPECT_EQ(util::read_file(dir / "system_logs/failed_ranks").value_or(""), "1 3\n");
}

TEST(RunDistribution, PlanRoundTripsThroughJson) {
    DistributionPlan plan;
    plan.type = spec::DistributionType::tensorflow;
    plan.workers = 3;
    plan.parameter_servers = 2;
    plan.gpus = {"0", "1"};
    plan.gpus_per_instance = 1;
    const auto again = DistributionPlan::from_json(plan.to_json());
    EXPECT_EQ(again.to_json(), plan.to_json());
    EXPECT_EQ(again.ranks(), 5);
}

}  // namespace
}  // namespace ferry::run
