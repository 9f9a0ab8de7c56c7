#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"

// How a run's processes on this machine are found again, by its supervisor or, once that is
// gone, by a later ferry: the run's cgroup, where the machine has cgroup v2 and lets ferry
// write it (what is in a cgroup stays there, whatever it does to its environment, session or
// parent); else the process tree its supervisor records while it lives (pids with their start
// times, so that a reused pid is not taken for the run's), and FERRY_RUN_ID and
// FERRY_OUTPUTS_DIR in their environment, which a job can clear.
namespace ferry::run {

// The run's cgroup below Host::cgroups, HASH-NAME (HASH of the run's directory, so that runs of
// one name in two workspaces differ); nullopt on a machine without cgroup v2.
[[nodiscard]] std::optional<fs::path> run_cgroup(const Host& host, const fs::path& run_directory,
                                                 std::string_view run);

// Makes the run's cgroup and checks that this process can put its children in it; the error
// says why not (no cgroup v2, read-only, not permitted).
[[nodiscard]] Result<fs::path> create_run_cgroup(const Host& host, const fs::path& run_directory,
                                                 std::string_view run);

// Where a supervisor without a cgroup records the job's processes: RUN_DIR/job_processes.
[[nodiscard]] fs::path processes_record(const fs::path& run_directory);
// Records `pids` (replacing the last record), each with its start time.
[[nodiscard]] Result<void> record_processes(const fs::path& run_directory,
                                            const std::vector<pid_t>& pids);
// The recorded processes that still live as the same processes.
[[nodiscard]] std::vector<pid_t> recorded_processes(const fs::path& run_directory);

// The processes of the run on this machine: those of its cgroup, those its supervisor
// recorded, and those with its variables.
[[nodiscard]] std::vector<pid_t> run_processes(const RunRecord& run, const Host& host);

// Once the run's processes are stopped: kills what is left in its cgroup and removes it, and
// removes its record of processes; what is already gone is fine.
[[nodiscard]] Result<void> release_run_tracking(const Host& host, const fs::path& run_directory,
                                                std::string_view run);

}  // namespace ferry::run
