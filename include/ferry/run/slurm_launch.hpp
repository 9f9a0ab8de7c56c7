#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/core/context.hpp"

// Inside a Slurm allocation, on the nodes. The batch script of a run is one line:
// `ferry __slurm-batch RUN_DIRECTORY`. That batch step decides the rendezvous (the first
// node's address, free ports) and starts every task with `srun ferry __slurm-task
// RUN_DIRECTORY`; each task takes its distribution variables from Slurm's, runs the command
// with its log, and notes its failure the way a local rank does. Both read what the
// supervisor wrote in system_logs/slurm_launch.json; neither opens the workspace database.
namespace ferry::run {

inline constexpr std::string_view k_slurm_batch_command = "__slurm-batch";
inline constexpr std::string_view k_slurm_task_command = "__slurm-task";

// The file the supervisor writes for the nodes, relative to the run directory.
inline constexpr std::string_view k_slurm_launch_file = "system_logs/slurm_launch.json";
// The batch script sbatch is given, relative to the run directory.
inline constexpr std::string_view k_slurm_job_script = "system_logs/slurm_job.sh";
// The batch step's exit code, relative to the run directory: the run's code when Slurm says
// the job failed.
inline constexpr std::string_view k_slurm_exit_file = "system_logs/slurm_exit";
// Why the batch step could not start the tasks (it then exits 125): the run's error.
inline constexpr std::string_view k_slurm_error_file = "system_logs/slurm_error";
// One line per task as it starts: "RANK NODE PID".
inline constexpr std::string_view k_slurm_tasks_file = "system_logs/slurm_tasks";

// Both are composition roots: `environment` is their process's, Slurm's variables included.
// Returns the exit code of the step (the first failing task's, when one failed).
[[nodiscard]] int slurm_batch(const std::filesystem::path& run_directory,
                              const Environment& environment);
// Returns the task's command's exit code.
[[nodiscard]] int slurm_task(const std::filesystem::path& run_directory,
                             const Environment& environment);

}  // namespace ferry::run
