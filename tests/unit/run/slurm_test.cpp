#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../fake_runner.hpp"
#include "ferry/run/slurm.hpp"

namespace ferry::run::slurm {
namespace {

using Strings = std::vector<std::string>;
using Variables = std::map<std::string, std::string>;

Plan plan_of(std::int64_t instances, std::optional<DistributionPlan> distribution = {}) {
    Plan plan;
    plan.command = "true";
    plan.instances = instances;
    plan.distribution = std::move(distribution);
    return plan;
}

DistributionPlan distribution_of(spec::DistributionType type, std::int64_t processes,
                                 std::int64_t workers = 1, std::int64_t servers = 0) {
    DistributionPlan plan;
    plan.type = type;
    plan.processes = processes;
    plan.workers = workers;
    plan.parameter_servers = servers;
    return plan;
}

Submission submission() {
    Submission s;
    s.run_name = "bold_cat_1";
    s.run_directory = "/shared/ws/runs/bold_cat_1";
    s.script = "/shared/ws/runs/bold_cat_1/system_logs/slurm_job.sh";
    return s;
}

TEST(SlurmCluster, ReadsEveryKeyOfTheSpec) {
    const Json spec = {{"name", "c"},
                       {"type", "slurm"},
                       {"partition", "gpu"},
                       {"account", "ml"},
                       {"qos", "high"},
                       {"max_instances", 4},
                       {"sbatch_args", {"--exclusive", "--mem=0"}},
                       {"workspace_path", "/shared/ws"},
                       {"ferry_path", "/opt/ferry"}};
    const auto cluster = Cluster::from_spec(spec);
    EXPECT_EQ(cluster.partition, "gpu");
    EXPECT_EQ(cluster.account, "ml");
    EXPECT_EQ(cluster.qos, "high");
    EXPECT_EQ(cluster.max_instances, 4);
    EXPECT_EQ(cluster.sbatch_args, (Strings{"--exclusive", "--mem=0"}));
    EXPECT_EQ(cluster.workspace_path, "/shared/ws");
    EXPECT_EQ(cluster.ferry_path, "/opt/ferry");
    const auto empty = Cluster::from_spec(Json::object());
    EXPECT_FALSE(empty.max_instances);
    EXPECT_TRUE(empty.sbatch_args.empty());
}

TEST(SlurmCluster, MoreNodesThanMaxInstancesIsAUsageError) {
    Cluster cluster;
    cluster.max_instances = 2;
    EXPECT_TRUE(check_instances(cluster, "c", 2, "job.yml"));
    auto refused = check_instances(cluster, "c", 3, "job.yml");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "job.yml: resources.instance_count is 3, but compute 'c' allows at most 2 nodes "
              "(max_instances)");
    cluster.max_instances = 1;
    EXPECT_THAT(check_instances(cluster, "c", 2, "j").error().message,
                testing::HasSubstr("at most 1 node (max_instances)"));
    EXPECT_TRUE(check_instances(Cluster{}, "c", 64, "j"));  // no limit
}

TEST(SlurmSbatch, OneProcessIsOneTaskOnOneNode) {
    Cluster cluster;
    cluster.partition = "debug";
    const auto argv = sbatch_argv(cluster, plan_of(1), submission());
    EXPECT_EQ(argv,
              (Strings{"sbatch", "--parsable", "--job-name=bold_cat_1",
                       "--output=/shared/ws/runs/bold_cat_1/system_logs/slurm-%j.txt",
                       "--open-mode=append", "--chdir=/shared/ws/runs/bold_cat_1", "--export=ALL",
                       "--no-requeue", "--nodes=1", "--ntasks-per-node=1", "--partition=debug",
                       "/shared/ws/runs/bold_cat_1/system_logs/slurm_job.sh"}));
}

TEST(SlurmSbatch, MapsResourcesLimitsAndTheComputesOptions) {
    Cluster cluster;
    cluster.account = "ml";
    cluster.qos = "high";
    cluster.sbatch_args = {"--exclusive"};
    Plan plan = plan_of(2, distribution_of(spec::DistributionType::pytorch, 4));
    plan.distribution->gpus_per_instance = 4;
    plan.timeout = 3600;
    const auto argv = sbatch_argv(cluster, plan, submission());
    EXPECT_THAT(argv,
                testing::IsSupersetOf({"--nodes=2", "--ntasks-per-node=4", "--gpus-per-node=4",
                                       "--time=61:00", "--account=ml", "--qos=high"}));
    // The compute's own arguments come last before the script, as the user wrote them.
    ASSERT_GE(argv.size(), 2U);
    EXPECT_EQ(argv[argv.size() - 2], "--exclusive");
    EXPECT_EQ(argv.back(), submission().script);
    EXPECT_THAT(argv, testing::Not(testing::Contains(testing::StartsWith("--partition"))));
}

TEST(SlurmSbatch, TensorflowAsksForItsTasksInAll) {
    const auto shape =
        job_shape(plan_of(2, distribution_of(spec::DistributionType::tensorflow, 1, 3, 1)));
    EXPECT_EQ(shape.nodes, 2);
    EXPECT_EQ(shape.tasks, 4);
    const auto argv = sbatch_argv(
        Cluster{}, plan_of(2, distribution_of(spec::DistributionType::tensorflow, 1, 3, 1)),
        submission());
    EXPECT_THAT(argv, testing::Contains("--ntasks=4"));
    EXPECT_THAT(argv, testing::Not(testing::Contains(testing::StartsWith("--ntasks-per-node"))));
}

TEST(SlurmSbatch, GpusWithoutADistributionComeFromThePlan) {
    Plan plan = plan_of(1);
    plan.gpus_per_instance = 2;
    EXPECT_EQ(job_shape(plan).gpus_per_node, 2);
    plan.gpus_per_instance = 0;
    EXPECT_THAT(sbatch_argv(Cluster{}, plan, submission()),
                testing::Not(testing::Contains(testing::StartsWith("--gpus-per-node"))));
}

TEST(SlurmSbatch, TimeLimitIsAMinuteOverTheTimeout) {
    EXPECT_EQ(time_limit(3), "1:03");
    EXPECT_EQ(time_limit(60), "2:00");
    EXPECT_EQ(time_limit(3600), "61:00");
    EXPECT_EQ(time_limit(0), "1:00");
}

TEST(SlurmSbatch, ParsesTheJobIdOfParsable) {
    EXPECT_EQ(parse_job_id("42\n").value(), "42");
    EXPECT_EQ(parse_job_id("42;cluster2\n").value(), "42");
    auto bad = parse_job_id("sbatch: error: Batch job submission failed\n");
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.error().message, testing::HasSubstr("sbatch printed no job id"));
    EXPECT_FALSE(parse_job_id(""));
}

TEST(SlurmStates, ParsesSqueue) {
    const auto pending = parse_squeue("PENDING|Resources|\n");
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->state, "PENDING");
    EXPECT_EQ(pending->reason, "Resources");
    EXPECT_EQ(pending->nodes, "");
    const auto running = parse_squeue("RUNNING|None|n[1-2]\n");
    ASSERT_TRUE(running);
    EXPECT_EQ(running->nodes, "n[1-2]");
    EXPECT_FALSE(parse_squeue(""));
    EXPECT_FALSE(parse_squeue("RUNNING|None|n1\nRUNNING|None|n2\n"));  // not one job
    EXPECT_FALSE(parse_squeue("slurm_load_jobs error: Invalid job id specified"));
}

TEST(SlurmStates, ParsesScontrolShowJob) {
    const auto info = parse_scontrol_job(
        "JobId=12 JobName=bold_cat_1 UserId=root(0) JobState=TIMEOUT Reason=TimeLimit "
        "Dependency=(null) ExitCode=0:15 NodeList=n[1-2] BatchHost=n1\n");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->state, "TIMEOUT");
    EXPECT_EQ(info->reason, "TimeLimit");
    EXPECT_EQ(info->nodes, "n[1-2]");
    EXPECT_EQ(info->exit_code, 0);
    EXPECT_EQ(info->signal, 15);
    const auto pending =
        parse_scontrol_job("JobId=13 JobState=PENDING Reason=Priority NodeList=(null)");
    ASSERT_TRUE(pending);
    EXPECT_EQ(pending->nodes, "");
    EXPECT_FALSE(pending->exit_code);
    EXPECT_FALSE(parse_scontrol_job("slurm_load_jobs error: Invalid job id specified"));
}

TEST(SlurmStates, PendingAndActiveStates) {
    EXPECT_TRUE(is_pending("PENDING"));
    EXPECT_TRUE(is_pending("REQUEUED"));
    EXPECT_FALSE(is_pending("RUNNING"));
    for (const char* state : {"RUNNING", "CONFIGURING", "COMPLETING"}) {
        EXPECT_TRUE(is_active(state)) << state;
    }
    for (const char* state : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"}) {
        EXPECT_FALSE(is_active(state)) << state;
        EXPECT_FALSE(is_pending(state)) << state;
        EXPECT_TRUE(is_ended(state)) << state;
    }
    // Neither running nor pending is not an end: the allocation may still be there.
    for (const char* state : {"STOPPED", "SUSPENDED", "RUNNING", "PENDING", "SOMETHING_NEW"}) {
        EXPECT_FALSE(is_ended(state)) << state;
    }
}

TEST(SlurmStates, EndsMapToStatusesWithSlurmsWord) {
    JobInfo info;
    info.state = "COMPLETED";
    EXPECT_TRUE(outcome_of(info, "7").error.empty());  // the exit code decides
    info.state = "FAILED";
    info.reason = "NonZeroExitCode";
    EXPECT_TRUE(outcome_of(info, "7").error.empty());

    info.state = "TIMEOUT";
    info.reason = "TimeLimit";
    auto outcome = outcome_of(info, "7");
    EXPECT_EQ(outcome.status, Status::failed);
    EXPECT_EQ(outcome.reason, EndReason::timeout);
    EXPECT_EQ(outcome.error, "timeout: Slurm ended job 7 at its time limit (TIMEOUT) (TimeLimit)");

    info.state = "CANCELLED";
    info.reason = "None";
    outcome = outcome_of(info, "7");
    EXPECT_EQ(outcome.status, Status::canceled);
    EXPECT_EQ(outcome.reason, EndReason::canceled);
    EXPECT_EQ(outcome.error, "Slurm job 7 was canceled outside ferry (scancel)");

    info.state = "NODE_FAIL";
    info.reason = "";
    outcome = outcome_of(info, "7");
    EXPECT_EQ(outcome.status, Status::failed);
    EXPECT_EQ(outcome.reason, EndReason::infrastructure);
    EXPECT_EQ(outcome.error, "Slurm ended job 7: NODE_FAIL");

    info.state = "OUT_OF_MEMORY";
    outcome = outcome_of(info, "7");
    EXPECT_EQ(outcome.reason, EndReason::job);
    EXPECT_THAT(outcome.error, testing::HasSubstr("ran out of memory"));
}

TEST(SlurmNodes, PartitionNodesCountsStatesFromSinfo) {
    test::FakeRunner runner;
    runner.captured["sinfo"] = "n1|idle\nn2|alloc\nn3|down*\n";
    Cluster cluster;
    cluster.partition = "debug";
    const Json nodes = partition_nodes(runner, cluster);
    EXPECT_EQ(nodes["total"], 3);
    EXPECT_EQ(nodes["by_state"], (Json{{"idle", 1}, {"alloc", 1}, {"down", 1}}));
    EXPECT_EQ(nodes["nodes"][2], (Json{{"name", "n3"}, {"state", "down*"}}));
    ASSERT_EQ(runner.commands.size(), 1U);
    EXPECT_EQ(runner.commands[0].argv,
              (Strings{"sinfo", "-h", "-N", "-o", "%N|%t", "--partition=debug"}));

    test::FakeRunner unreachable;
    unreachable.errors["sinfo"] = "sinfo: error: Unable to contact slurm controller";
    const Json failed = partition_nodes(unreachable, Cluster{});
    EXPECT_THAT(failed["error"].get<std::string>(), testing::HasSubstr("Unable to contact"));
}

TEST(SlurmNodes, TasksPerNodeExpandsRepeats) {
    EXPECT_EQ(tasks_per_node("2(x3),1"), (std::vector<std::int64_t>{2, 2, 2, 1}));
    EXPECT_EQ(tasks_per_node("1"), (std::vector<std::int64_t>{1}));
    EXPECT_EQ(tasks_per_node("4,2"), (std::vector<std::int64_t>{4, 2}));
    EXPECT_TRUE(tasks_per_node("2(x").empty());
    EXPECT_TRUE(tasks_per_node("two").empty());
}

TEST(SlurmNodes, NodeAddressesFromScontrol) {
    const auto addresses = node_addresses(
        "NodeName=n1 Arch=x86_64 NodeAddr=10.0.0.1 NodeHostName=host1 Port=17001\n"
        "NodeName=n2 Arch=x86_64 NodeHostName=host2\n");
    EXPECT_EQ(addresses, (Variables{{"n1", "10.0.0.1"}, {"n2", "n2"}}));
}

Variables task_env(int rank, int local, int node) {
    return {{"SLURM_PROCID", std::to_string(rank)},
            {"SLURM_LOCALID", std::to_string(local)},
            {"SLURM_NODEID", std::to_string(node)},
            {"SLURM_NTASKS", "4"},
            {"SLURM_TASKS_PER_NODE", "3,1"}};
}

TEST(SlurmTasks, ATaskKnowsItsPlaceFromSlurmsVariables) {
    auto task = task_of(task_env(3, 0, 1));
    ASSERT_TRUE(task) << task.error().message;
    EXPECT_EQ(task->rank, 3);
    EXPECT_EQ(task->local_rank, 0);
    EXPECT_EQ(task->node, 1);
    EXPECT_EQ(task->tasks, 4);
    EXPECT_EQ(task->local_tasks, 1);
    auto missing = task_env(0, 0, 0);
    missing.erase("SLURM_PROCID");
    EXPECT_THAT(task_of(missing).error().message, testing::HasSubstr("SLURM_PROCID is not set"));
    auto beyond = task_env(0, 0, 2);
    EXPECT_THAT(task_of(beyond).error().message, testing::HasSubstr("node 2"));
    auto bad = task_env(0, 0, 0);
    bad["SLURM_NTASKS"] = "x";
    EXPECT_THAT(task_of(bad).error().message, testing::HasSubstr("SLURM_NTASKS=x"));
}

TEST(SlurmTasks, PytorchVariablesAreTorchrunsFromSlurms) {
    Rendezvous rendezvous{"10.0.0.1", 29500, {}};
    auto variables = task_variables(distribution_of(spec::DistributionType::pytorch, 3),
                                    *task_of(task_env(1, 1, 0)),
                                    *rendezvous_of(rendezvous_variables(rendezvous)));
    ASSERT_TRUE(variables);
    EXPECT_EQ(*variables, (Variables{{"MASTER_ADDR", "10.0.0.1"},
                                     {"MASTER_PORT", "29500"},
                                     {"WORLD_SIZE", "4"},
                                     {"RANK", "1"},
                                     {"LOCAL_RANK", "1"},
                                     {"LOCAL_WORLD_SIZE", "3"},
                                     {"NODE_RANK", "0"},
                                     {"GROUP_RANK", "0"}}));
}

TEST(SlurmTasks, TensorflowConfigListsEveryTaskInRankOrder) {
    Rendezvous rendezvous{
        "10.0.0.1", 1, {"10.0.0.1:2001", "10.0.0.1:2002", "10.0.0.1:2003", "10.0.0.2:2004"}};
    const auto passed = *rendezvous_of(rendezvous_variables(rendezvous));
    EXPECT_EQ(passed.task_addresses, rendezvous.task_addresses);
    const auto plan = distribution_of(spec::DistributionType::tensorflow, 1, 3, 1);
    auto ps = task_variables(plan, *task_of(task_env(3, 0, 1)), passed);
    ASSERT_TRUE(ps);
    const Json config = Json::parse(ps->at("TF_CONFIG"));
    EXPECT_EQ(config["cluster"]["worker"],
              (Json{"10.0.0.1:2001", "10.0.0.1:2002", "10.0.0.1:2003"}));
    EXPECT_EQ(config["cluster"]["ps"], (Json{"10.0.0.2:2004"}));
    EXPECT_EQ(config["task"], (Json{{"type", "ps"}, {"index", 0}}));
    auto worker = task_variables(plan, *task_of(task_env(2, 2, 0)), passed);
    EXPECT_EQ(Json::parse(worker->at("TF_CONFIG"))["task"],
              (Json{{"type", "worker"}, {"index", 2}}));
    Rendezvous short_list{"10.0.0.1", 1, {"10.0.0.1:2001"}};
    EXPECT_FALSE(task_variables(plan, *task_of(task_env(0, 0, 0)), short_list));
}

TEST(SlurmTasks, MpiGetsNothingAndUnknownTypesAreRefused) {
    Rendezvous rendezvous{"a", 1, {}};
    EXPECT_TRUE(task_variables(distribution_of(spec::DistributionType::mpi, 2),
                               *task_of(task_env(0, 0, 0)), rendezvous)
                    ->empty());
    Json plan = plan_of(2, distribution_of(spec::DistributionType::mpi, 2)).to_json();
    plan["distribution"]["type"] = "horovod";
    EXPECT_THAT(Plan::from_json(plan).error().message,
                testing::HasSubstr("unknown distribution type 'horovod'"));
}

TEST(SlurmTasks, RendezvousNeedsTheBatchStepsVariables) {
    EXPECT_THAT(rendezvous_of({}).error().message,
                testing::HasSubstr("not started by ferry's batch step"));
    EXPECT_THAT(rendezvous_of({{"FERRY_SLURM_MASTER_ADDR", "a"}, {"FERRY_SLURM_MASTER_PORT", "x"}})
                    .error()
                    .message,
                testing::HasSubstr("is not a port"));
}

TEST(SlurmPaths, TheWorkspaceIsRewrittenAtPathBoundariesOnly) {
    EXPECT_EQ(to_node_path("/home/u/ws/runs/a/wd", "/home/u/ws", "/shared/ws"),
              "/shared/ws/runs/a/wd");
    EXPECT_EQ(to_node_path("python3 t.py --out /home/u/ws/runs/a/wd/outputs --x /home/u/ws2/f",
                           "/home/u/ws", "/shared/ws"),
              "python3 t.py --out /shared/ws/runs/a/wd/outputs --x /home/u/ws2/f");
    EXPECT_EQ(to_node_path("/home/u/ws", "/home/u/ws", "/shared/ws"), "/shared/ws");
    // Only whole paths: not inside another one, and ended by any character a name lacks.
    EXPECT_EQ(to_node_path("/mnt/home/u/ws/x", "/home/u/ws", "/shared/ws"), "/mnt/home/u/ws/x");
    EXPECT_EQ(to_node_path("cd /home/u/ws;ls /home/u/ws,x=/home/u/ws)", "/home/u/ws", "/s"),
              "cd /s;ls /s,x=/s)");
    EXPECT_EQ(to_node_path("/home/u/ws.old /home/u/ws_2", "/home/u/ws", "/s"),
              "/home/u/ws.old /home/u/ws_2");
    EXPECT_EQ(to_node_path("/home/u/ws/x", "/home/u/ws", ""), "/home/u/ws/x");  // same path
    Json json = {{"a", "/home/u/ws/x"}, {"b", {"/home/u/ws/y", 3}}, {"c", "other"}};
    map_paths(json, "/home/u/ws", "/shared/ws");
    EXPECT_EQ(json, (Json{{"a", "/shared/ws/x"}, {"b", {"/shared/ws/y", 3}}, {"c", "other"}}));
}

}  // namespace
}  // namespace ferry::run::slurm
