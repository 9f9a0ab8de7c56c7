#pragma once

#include <signal.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"

// Processes as Linux shows them in /proc: who is alive, who descends from whom, and the
// detached start of a supervisor.
namespace ferry::run {

namespace fs = std::filesystem;

// This boot's id (/proc/sys/kernel/random/boot_id): a pid means nothing across reboots.
[[nodiscard]] std::string boot_id();
// The process exists and is not a zombie.
[[nodiscard]] bool process_alive(pid_t pid);
// When the live process started (clock ticks after boot): a pid and its start time name one
// process, a pid alone may be reused.
[[nodiscard]] std::optional<std::uint64_t> start_time(pid_t pid);
// The process's command line words; empty when it is gone or unreadable.
[[nodiscard]] std::vector<std::string> command_line(pid_t pid);
// Every live (non-zombie) process below `root`, children before their children.
[[nodiscard]] std::vector<pid_t> descendants(pid_t root);
// Live processes whose environment holds every one of `entries` ("KEY=VALUE").
[[nodiscard]] std::vector<pid_t> processes_with_environment(
    const std::vector<std::string>& entries);

// The signals a supervisor takes by waiting for them (SystemClock::wait). Its pid is
// recorded as soon as it is spawned, and a trial's end or a cancel signals it at once: it
// starts with them blocked, so that one sent before it is ready waits instead of killing it.
inline constexpr std::array k_supervisor_signals = {SIGCHLD, SIGUSR1, SIGUSR2,
                                                    SIGTERM, SIGINT,  SIGHUP};

// Starts `argv` as a grandchild in its own session (so it outlives the caller and no
// terminal signal reaches it) with `environment` (less a job's identity, should the caller
// be a job), stdin from /dev/null, stdout and stderr appended to `log`, and the supervisor's
// signals blocked. Returns its pid once the program was executed, or the reason it could
// not be.
[[nodiscard]] Result<pid_t> spawn_detached(const std::vector<std::string>& argv,
                                           const std::map<std::string, std::string>& environment,
                                           const fs::path& log);

// SIGTERM to every process of `signalled()` (asked again and again, so late forks are
// caught too), SIGKILL after `grace`, until none is left; `reap` collects exit statuses
// meanwhile. Returns true when SIGKILL was needed.
bool terminate_all(const std::function<std::vector<pid_t>()>& signalled,
                   std::chrono::milliseconds grace, const std::function<void()>& reap);

// The path of the running binary, for re-executing ferry as a supervisor.
[[nodiscard]] Result<fs::path> own_executable();

}  // namespace ferry::run
