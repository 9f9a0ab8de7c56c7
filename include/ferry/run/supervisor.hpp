#pragma once

#include <filesystem>
#include <string>

// The supervisor: one detached process per run (`ferry __supervise WORKSPACE ROOT RUN`),
// started by submit. It waits for a slot of the compute, prepares the working directory,
// runs the command, enforces cancel and timeout on every process of the run, stores the
// artifacts and records each status with its time. Its stdout is the run's system log.
namespace ferry::run {

inline constexpr std::string_view k_supervise_command = "__supervise";

// Returns the supervisor's own exit status (0 when it recorded an end, whatever the job did).
[[nodiscard]] int supervise(const std::string& workspace_name,
                            const std::filesystem::path& workspace_root,
                            const std::string& run_name);

}  // namespace ferry::run
