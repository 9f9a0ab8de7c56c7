// What --dry-run shows is what the launcher runs: describe() and start() of the local and
// Slurm launchers against the fake runner, compared byte for byte.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../fake_runner.hpp"
#include "../test_support.hpp"
#include "fake_launcher.hpp"
#include "ferry/run/local_launcher.hpp"
#include "ferry/run/slurm_launch.hpp"
#include "ferry/run/slurm_launcher.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::run {
namespace {

using test::FakeClock;
using test::TempDir;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Records the phases a launcher reports.
class Recorder final : public JobEvents {
public:
    void entered(JobPhase phase, const std::string& detail) override {
        phases.emplace_back(phase, detail);
    }
    void scheduler(const Json& record) override { schedulers.push_back(record); }
    void alive() override { ++beats; }

    std::vector<std::pair<JobPhase, std::string>> phases;
    std::vector<Json> schedulers;
    int beats = 0;
};

// Ports in order from 29500, as the kernel would give free ones.
std::function<int()> ports() {
    return [next = 29500]() mutable { return next++; };
}

class RunLauncher : public ::testing::Test {
protected:
    void SetUp() override {
        m_runner.every_program = true;
        m_host.pid = ::getpid();  // what is left below it is stopped: nothing, here
        m_host.machine = "boot@host";
        m_host.environment = {{"PATH", "/usr/bin:/bin"}, {"HOME", "/root"}};
        m_target.run = "bold_cat_1";
        m_target.workspace = "ws";
        m_target.workspace_root = m_tmp / "ws";
        m_target.run_directory = m_tmp / "ws" / "runs" / "bold_cat_1";
        m_target.plan.command = "python3 train.py --epochs 2";
        m_target.plan.environment = {{"FERRY_RUN_ID", "bold_cat_1"}};
        fs::create_directories(m_target.run_directory / "system_logs");
    }

    void distribute(spec::DistributionType type, std::int64_t processes) {
        DistributionPlan distribution;
        distribution.type = type;
        distribution.processes = processes;
        distribution.workers = processes;
        distribution.gpus = {"0", "1"};
        m_target.plan.distribution = distribution;
    }

    Seams seams() { return {m_runner, m_host, m_clock, m_log}; }

    ComputeRecord local() {
        ComputeRecord compute;
        compute.name = "local";
        compute.type = "local";
        return compute;
    }

    TempDir m_tmp;
    test::FakeRunner m_runner;
    Host m_host;
    FakeClock m_clock;
    SystemLog m_log{nullptr, m_clock};
    LaunchTarget m_target;
    Recorder m_events;
};

TEST_F(RunLauncher, TheMpirunLineShownIsTheOneStarted) {
    distribute(spec::DistributionType::mpi, 2);
    LocalLauncher shown(local(), seams(), ports());
    auto described = shown.describe(m_target);
    ASSERT_TRUE(described) << described.error().message;
    const std::string line = (*described)["launcher"].get<std::string>();
    EXPECT_THAT(line, HasSubstr("mpirun -np 2"));

    LocalLauncher launcher(local(), seams(), ports());
    ASSERT_TRUE(launcher.start(m_target, m_events));
    ASSERT_EQ(m_runner.started.size(), 1U);
    EXPECT_EQ(m_runner.started[0].argv, (std::vector<std::string>{"bash", "-c", line}));
    EXPECT_EQ(m_runner.started[0].log, m_target.run_directory / "user_logs/std_log_process_0.txt");
    EXPECT_EQ((*described)["ranks"].size(), 2U);
}

TEST_F(RunLauncher, AnMpiContainerGetsTheLineShownWithItsGpusRenumbered) {
    distribute(spec::DistributionType::mpi, 2);
    m_target.plan.distribution->gpus = {"3", "5"};
    m_target.engine = "docker";
    m_target.environment_location = "python:3.11";
    LocalLauncher shown(local(), seams(), ports());
    const std::string line = (*shown.describe(m_target))["launcher"].get<std::string>();
    EXPECT_THAT(line, HasSubstr("0;1"));  // the container's GPUs, numbered from 0

    LocalLauncher launcher(local(), seams(), ports());
    ASSERT_TRUE(launcher.start(m_target, m_events));
    ASSERT_EQ(m_runner.started.size(), 1U);
    EXPECT_EQ(m_runner.started[0].program, "/usr/bin/docker");
    EXPECT_THAT(m_runner.started[0].argv, Contains(line));
}

TEST_F(RunLauncher, TheRanksShownAreTheProcessesStarted) {
    distribute(spec::DistributionType::pytorch, 2);
    LocalLauncher shown(local(), seams(), ports());
    auto described = shown.describe(m_target);
    ASSERT_TRUE(described) << described.error().message;
    EXPECT_TRUE((*described)["launcher"].is_null());

    LocalLauncher launcher(local(), seams(), ports());
    ASSERT_TRUE(launcher.start(m_target, m_events));
    ASSERT_EQ(m_runner.started.size(), 2U);
    const Json& ranks = (*described)["ranks"];
    ASSERT_EQ(ranks.size(), 2U);
    for (std::size_t rank = 0; rank < 2; ++rank) {
        const auto& process = m_runner.started[rank];
        EXPECT_EQ(process.argv,
                  (std::vector<std::string>{"bash", "-c", "python3 train.py --epochs 2"}));
        EXPECT_EQ(process.log, m_target.run_directory / ranks[rank]["log"].get<std::string>());
        for (const auto& [key, value] : ranks[rank]["environment"].items()) {
            EXPECT_EQ(process.environment.at(key), value.get<std::string>()) << key;
        }
        EXPECT_EQ(process.environment.at("HOME"), "/root");  // the host's, under the rank's
    }
    EXPECT_EQ(ranks[1]["environment"]["MASTER_PORT"], "29500");
    EXPECT_EQ(ranks[1]["environment"]["CUDA_VISIBLE_DEVICES"], "1");
    EXPECT_THAT(m_events.phases,
                ElementsAre(std::pair{JobPhase::starting, std::string()},
                            std::pair{JobPhase::running, std::string("pid 4000000, 4000001")}));
}

TEST_F(RunLauncher, OneProcessWritesTheStdLog) {
    LocalLauncher launcher(local(), seams(), ports());
    auto described = launcher.describe(m_target);
    EXPECT_EQ(*described, (Json{{"launcher", nullptr}, {"ranks", Json::array()}}));
    ASSERT_TRUE(launcher.start(m_target, m_events));
    ASSERT_EQ(m_runner.started.size(), 1U);
    EXPECT_EQ(m_runner.started[0].log, m_target.run_directory / "user_logs/std_log.txt");
    EXPECT_EQ(m_runner.started[0].working_directory, m_target.run_directory / "wd");
}

TEST_F(RunLauncher, ARankThatCannotStartIsNamed) {
    distribute(spec::DistributionType::tensorflow, 2);
    m_runner.start_error = "cannot start the job: exec: Permission denied";
    LocalLauncher launcher(local(), seams(), ports());
    auto started = launcher.start(m_target, m_events);
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().message, "rank 0: cannot start the job: exec: Permission denied");
}

TEST_F(RunLauncher, TheSbatchLineShownIsTheOneSubmitted) {
    ComputeRecord compute;
    compute.name = "cluster";
    compute.type = "slurm";
    compute.spec = {{"partition", "debug"}, {"workspace_path", "/shared/ws"}};
    SlurmLauncher shown(compute, seams());
    auto described = shown.describe(m_target);
    ASSERT_TRUE(described) << described.error().message;
    EXPECT_TRUE((*described)["ranks"].is_null());
    const std::string line = (*described)["launcher"].get<std::string>();
    EXPECT_THAT(line, HasSubstr("--partition=debug"));
    EXPECT_THAT(line, HasSubstr("/shared/ws/runs/bold_cat_1/system_logs/slurm_job.sh"));

    m_runner.captured["sbatch"] = "4711\n";
    SlurmLauncher launcher(compute, seams());
    ASSERT_TRUE(launcher.start(m_target, m_events));
    const auto submitted = m_runner.of_program("sbatch");
    ASSERT_EQ(submitted.size(), 1U);
    EXPECT_EQ(shell_join(submitted[0].argv), line);
    EXPECT_THAT(m_events.phases,
                ElementsAre(std::pair{JobPhase::queued, std::string("slurm job 4711")}));
    EXPECT_EQ(m_events.schedulers.back()["job_id"], "4711");
    auto script = util::read_file(m_target.run_directory / k_slurm_job_script);
    ASSERT_TRUE(script);
    EXPECT_THAT(*script, HasSubstr("ferry=$(command -v ferry) || ferry=''\n"));
    EXPECT_THAT(*script, HasSubstr("exec \"$ferry\" __slurm-batch /shared/ws/runs/bold_cat_1\n"));
    // A node without ferry ends the job 125, saying so where the run's error is read.
    EXPECT_THAT(*script, HasSubstr("printf 'ferry is not found on node %s %s\\n' \"$(hostname)\" "
                                   "'(not on its PATH, nor at "));
    EXPECT_THAT(*script, HasSubstr("set ferry_path on compute '\\''cluster'\\''' | tee "
                                   "/shared/ws/runs/bold_cat_1/system_logs/slurm_error >&2\n"));
    EXPECT_THAT(*script,
                HasSubstr("echo 125 >/shared/ws/runs/bold_cat_1/system_logs/slurm_exit\n"));
}

TEST_F(RunLauncher, TheTrackingTokenReachesSbatchsEnvironmentAndNoFile) {
    ComputeRecord compute;
    compute.name = "cluster";
    compute.type = "slurm";
    compute.spec = {{"tracking_host", "login.example"}};
    m_target.plan.environment["MLFLOW_TRACKING_TOKEN"] = "secret-of-the-run";
    m_target.plan.environment["MLFLOW_TRACKING_URI"] = "http://login.example:4242";
    m_runner.captured["sbatch"] = "4711\n";
    SlurmLauncher launcher(compute, seams());
    EXPECT_EQ(launcher.traits().tracking_host, "login.example");
    ASSERT_TRUE(launcher.start(m_target, m_events));
    const auto submitted = m_runner.of_program("sbatch");
    ASSERT_EQ(submitted.size(), 1U);
    EXPECT_EQ(submitted[0].variables.at("MLFLOW_TRACKING_TOKEN"), "secret-of-the-run");
    auto launch = util::read_file(m_target.run_directory / k_slurm_launch_file);
    ASSERT_TRUE(launch);
    EXPECT_THAT(*launch, HasSubstr("http://login.example:4242"));
    EXPECT_THAT(*launch, Not(HasSubstr("secret-of-the-run")));
    EXPECT_THAT(*launch, Not(HasSubstr("MLFLOW_TRACKING_TOKEN")));
}

TEST_F(RunLauncher, ASlurmComputeWithoutTrackingHostNamesThisMachine) {
    ComputeRecord compute;
    compute.name = "cluster";
    compute.type = "slurm";
    SlurmLauncher launcher(compute, seams());
    EXPECT_FALSE(launcher.traits().tracking_host.empty());
    EXPECT_TRUE(LocalLauncher(local(), seams(), ports()).traits().tracking_host.empty());
}

TEST_F(RunLauncher, TheFactoryIsTheOnlySwitchOnTheComputeType) {
    ComputeRecord slurm;
    slurm.type = "slurm";
    EXPECT_TRUE(make_launcher(slurm, seams())->traits().queues_jobs);
    EXPECT_FALSE(make_launcher(slurm, seams())->traits().mounts_inputs);
    EXPECT_FALSE(make_launcher(local(), seams())->traits().queues_jobs);
    EXPECT_TRUE(make_launcher(local(), seams())->traits().containers);
    EXPECT_THAT(compute_types(), ElementsAre("local", "slurm"));
}

}  // namespace
}  // namespace ferry::run
