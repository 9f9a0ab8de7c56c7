#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/run/launcher.hpp"

// The local compute: the job's processes run on this machine, below the supervisor (a child
// subreaper). One process, one per rank (pytorch, tensorflow), or one mpirun that starts the
// ranks; each in a container when the environment is an image. A rank that fails stops the
// others (fail-fast).
namespace ferry::run {

// One process the launcher starts: what it runs, and the rank it is (none: the command, or
// mpirun, which starts the ranks).
struct PlannedProcess {
    JobProcess process;
    std::optional<std::int64_t> rank;
    std::string role;  // tensorflow: "worker" or "ps"
    std::int64_t index = 0;
};

// What start() starts, and what --dry-run shows of it.
struct PlannedLaunch {
    std::vector<PlannedProcess> processes;
    std::vector<RankPlan> ranks;          // a distributed job's, with their variables
    std::optional<std::string> launcher;  // mpi: the mpirun line each process runs with bash
};

class LocalLauncher final : public Launcher {
public:
    // `free_port` picks the rendezvous ports of a distributed job.
    LocalLauncher(ComputeRecord compute, const Seams& seams,
                  std::function<int()> free_port = nullptr);

    [[nodiscard]] const LauncherTraits& traits() const override { return m_traits; }
    [[nodiscard]] Result<void> admit(const JobShape& shape) const override;
    [[nodiscard]] std::optional<std::vector<std::string>> gpus() const override;
    [[nodiscard]] Result<Json> describe(const LaunchTarget& target) override;
    [[nodiscard]] Result<void> start(const LaunchTarget& target, JobEvents& events) override;
    [[nodiscard]] JobPoll poll() override;
    void stop(std::int64_t grace_seconds, const std::string& why) override;
    [[nodiscard]] Ending finish(EndReason stopped) override;
    void clean_up() override;
    void abandon(const RunRecord& run) override;
    [[nodiscard]] Json compute_fields() const override;
    [[nodiscard]] std::optional<Json> compute_nodes() const override { return std::nullopt; }

    // What start() starts for `target`, in order; ranks get ports from `free_port`.
    [[nodiscard]] Result<PlannedLaunch> plan_launch(const LaunchTarget& target);

private:
    // Makes the run's cgroup that the job's processes join, or says why they go without.
    void track(const LaunchTarget& target);
    // Without a cgroup: records the job's processes for a ferry that outlives the supervisor.
    void record_tree();
    void reap();
    [[nodiscard]] bool all_ended() const { return m_exits.size() == m_jobs.size(); }
    void stop_containers(std::int64_t grace);
    void stop_everything(std::int64_t grace);

    ComputeRecord m_compute;
    Seams m_seams;
    std::function<int()> m_free_port;
    LauncherTraits m_traits;
    std::optional<LaunchTarget> m_target;
    std::map<pid_t, std::int64_t> m_jobs;         // the processes started, and their ranks
    std::map<std::int64_t, int> m_exits;          // rank -> exit code, as each ends
    std::optional<std::int64_t> m_first_failure;  // the rank that failed first
    std::int64_t m_grace = 10;                    // seconds, for what the command leaves behind
    std::optional<fs::path> m_cgroup;             // the run's, where the machine allows one
    Clock::Instant m_last_record{};               // when the process tree was last recorded
    bool m_record_failed = false;
};

// How an exit code reads in a message: "exit code 3", "killed by signal 9 (SIGKILL; ...)".
[[nodiscard]] std::string describe_exit(int code);

// The rank an mpi or Slurm job noted as failing first (system_logs/failed_ranks), and its
// code.
[[nodiscard]] std::optional<std::pair<std::int64_t, int>> first_failed_rank(
    const fs::path& run_directory);

// How the job's code ends the run: Completed, or Failed naming the rank that failed first
// when it is known.
[[nodiscard]] Ending job_ending(int code, std::int64_t rank, bool rank_known);

}  // namespace ferry::run
