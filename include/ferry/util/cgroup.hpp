#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"

// Control groups (v2) as a way to find processes again: a process put in a cgroup, and all it
// starts, stay there whatever they do to their environment, session or parent; only the owner
// of the hierarchy can move them out. No controller is needed, only membership and
// cgroup.kill.
namespace ferry::util {

namespace fs = std::filesystem;

// Where the cgroup v2 hierarchy is mounted, from the text of /proc/self/mounts; nullopt when
// it is not.
[[nodiscard]] std::optional<fs::path> cgroup2_mount(std::string_view mounts);
// The same, read from /proc/self/mounts.
[[nodiscard]] std::optional<fs::path> cgroup2_mount();

// Makes the cgroup directory `path` and its missing parents; one that exists is fine.
[[nodiscard]] Result<void> create_cgroup(const fs::path& path);
// Moves the process `pid` into the cgroup.
[[nodiscard]] Result<void> add_to_cgroup(const fs::path& path, pid_t pid);
// Whether the caller can put its processes in the cgroup (permissions, delegation): a child
// that does nothing is moved there, then killed.
[[nodiscard]] Result<void> probe_cgroup(const fs::path& path);
// The live processes of the cgroup (not of the cgroups below it); empty when it is gone.
[[nodiscard]] std::vector<pid_t> cgroup_processes(const fs::path& path);
// SIGKILL to every process of the cgroup and below: cgroup.kill, or, where the kernel lacks
// it (before 5.14), each process of cgroup.procs until none is left.
[[nodiscard]] Result<void> kill_cgroup(const fs::path& path);
// Kills what is left in the cgroup, waits up to `wait` for it to empty, and removes it. A
// cgroup already gone is fine.
[[nodiscard]] Result<void> remove_cgroup(const fs::path& path, std::chrono::milliseconds wait);

}  // namespace ferry::util
