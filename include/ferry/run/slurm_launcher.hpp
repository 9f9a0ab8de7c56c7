#pragma once

#include <optional>
#include <string>

#include "ferry/run/launcher.hpp"
#include "ferry/run/slurm.hpp"

// A Slurm compute: the run's supervisor stays on this machine; the job is one sbatch whose
// batch step starts the tasks (`ferry __slurm-batch`, then srun of `ferry __slurm-task`, or
// mpirun). The launcher follows it with squeue and scontrol, asked often at first and less
// later, and stops it with scancel.
namespace ferry::run {

class SlurmLauncher final : public Launcher {
public:
    SlurmLauncher(ComputeRecord compute, const Seams& seams);

    [[nodiscard]] const LauncherTraits& traits() const override { return m_traits; }
    [[nodiscard]] Result<void> admit(const JobShape& shape) const override;
    [[nodiscard]] std::optional<std::vector<std::string>> gpus() const override {
        return std::nullopt;  // --gpus-per-node: Slurm gives each node its GPUs
    }
    [[nodiscard]] Result<Json> describe(const LaunchTarget& target) override;
    [[nodiscard]] Result<void> start(const LaunchTarget& target, JobEvents& events) override;
    [[nodiscard]] JobPoll poll() override;
    void stop(std::int64_t grace_seconds, const std::string& why) override;
    [[nodiscard]] Ending finish(EndReason stopped) override;
    void clean_up() override {}
    void abandon(const RunRecord& run) override;
    [[nodiscard]] Json compute_fields() const override;
    [[nodiscard]] std::optional<Json> compute_nodes() const override;

    // The sbatch line of the target, with the paths as the nodes see them.
    [[nodiscard]] std::vector<std::string> sbatch_line(const LaunchTarget& target) const;

private:
    [[nodiscard]] std::string on_nodes(const LaunchTarget& target, const fs::path& path) const;
    [[nodiscard]] Result<void> write_launch_files(const LaunchTarget& target) const;
    // The script sbatch runs: it finds ferry on the node (or ends the job 125 saying where it
    // looked) and hands over to the batch step.
    [[nodiscard]] std::string batch_script(const LaunchTarget& target) const;
    // squeue's word on the job; nullopt once Slurm no longer lists it or cannot be asked.
    [[nodiscard]] std::optional<slurm::JobInfo> ask();
    [[nodiscard]] JobPoll heard(const slurm::JobInfo& info);
    void record(const slurm::JobInfo& info);
    void scancel(std::vector<std::string> words);
    [[nodiscard]] bool wait_for_end(std::chrono::seconds bound);
    [[nodiscard]] std::optional<int> exit_code(const std::optional<slurm::JobInfo>& final) const;
    [[nodiscard]] Ending ending(EndReason stopped, const std::optional<slurm::JobInfo>& final,
                                std::optional<int> code) const;
    void note_tasks() const;
    // Running once a task has started (its line in the tasks file), though squeue may not
    // say RUNNING yet.
    void notice_started_tasks();

    ComputeRecord m_compute;
    slurm::Cluster m_cluster;
    Seams m_seams;
    LauncherTraits m_traits;
    std::optional<LaunchTarget> m_target;
    JobEvents* m_events = nullptr;
    std::string m_job_id;
    Json m_scheduler;  // what runs.scheduler says
    Clock::Instant m_submitted{};
    Clock::Instant m_last_poll{};
    Clock::Instant m_unanswered_since = Clock::Instant::max();  // max: Slurm answered last
    std::optional<slurm::JobInfo> m_last;
    bool m_running = false;
    bool m_lost = false;  // Slurm stopped answering before the batch step ended
};

}  // namespace ferry::run
