#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/runner.hpp"
#include "ferry/run/launcher.hpp"

// A job's process in a container on this machine: the engine's client, run as the process.
namespace ferry::run {

// The engine's `run` client that runs `command` (with `extra` variables over the job's, a
// rank's) in the target's image. The job's variables pass by name (their values are in the
// client's environment); the host's stay outside.
[[nodiscard]] Result<JobProcess> container_process(const LaunchTarget& target, const Host& host,
                                                   const Runner& runner, const std::string& command,
                                                   const std::map<std::string, std::string>& extra,
                                                   std::optional<std::int64_t> rank);

// One container holds every rank of an mpi job: it gets the GPUs of all of them, which it
// numbers from 0, so each rank's slice is renumbered to match. Returns the devices it gets.
[[nodiscard]] std::vector<std::string> renumber_gpu_slices(std::vector<std::string>& slices);

}  // namespace ferry::run
