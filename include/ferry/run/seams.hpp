#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "ferry/core/context.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/run/record.hpp"

// What the run layer reads of the world, handed in by the entry points (the CLI's `main`,
// `ferry __supervise`): the process it runs in, time and signals, and the system log. A test
// gives its own.
namespace ferry::run {

// The process a supervisor (or a command) runs in, read once at its start.
struct Host {
    std::map<std::string, std::string> environment;  // a job's variables start from these
    uid_t euid = 0;
    gid_t egid = 0;
    pid_t pid = 0;
    std::string machine;  // BOOT_ID@HOSTNAME: where a pid means something
    // Where runs' cgroups are made (CGROUP2-MOUNT/ferry); none: this machine has no cgroup v2.
    std::optional<fs::path> cgroups;

    [[nodiscard]] bool root() const { return euid == 0; }
    // This process, with `environment` as its variables.
    [[nodiscard]] static Host of_process(const Environment& environment);
};

// Time, and the signals that end a wait early. A test's clock moves time itself.
class Clock {
public:
    using Instant = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    // For intervals and deadlines.
    [[nodiscard]] virtual Instant now() const = 0;
    // For records: the wall clock.
    [[nodiscard]] virtual Stamp stamp() const = 0;
    // Waits up to `timeout` for a signal; returns it, or 0 when none came.
    [[nodiscard]] virtual int wait(std::chrono::milliseconds timeout) = 0;
};

// The wall clock and the steady one. With Signals::take it blocks a supervisor's signals
// (SIGCHLD, SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP) for its lifetime and waits for them
// with sigtimedwait, so that no handler runs inside SQLite; with Signals::leave a wait is a
// sleep.
class SystemClock final : public Clock {
public:
    enum class Signals { take, leave };
    explicit SystemClock(Signals signals = Signals::leave,
                         std::function<std::chrono::system_clock::time_point()> wall = {});
    ~SystemClock() override;
    SystemClock(const SystemClock&) = delete;
    SystemClock& operator=(const SystemClock&) = delete;

    [[nodiscard]] Instant now() const override;
    [[nodiscard]] Stamp stamp() const override;
    [[nodiscard]] int wait(std::chrono::milliseconds timeout) override;

private:
    Signals m_signals;
    std::function<std::chrono::system_clock::time_point()> m_wall;
};

// A moment of the wall clock as a Stamp.
[[nodiscard]] Stamp stamp_of(std::chrono::system_clock::time_point at);

// The run's system log (system_logs/supervisor.log, the supervisor's stdout): one line per
// event, after its time. Without a file it says nothing.
class SystemLog {
public:
    SystemLog(std::FILE* file, const Clock& clock) : m_file(file), m_clock(&clock) {}

    template <typename... Args>
    void note(fmt::format_string<Args...> format, Args&&... args) {
        write(fmt::format(format, std::forward<Args>(args)...));
    }
    void write(std::string_view line);

private:
    std::FILE* m_file;
    const Clock* m_clock;
};

// The seams a launcher, a preparation or the lost-run reaper works through.
struct Seams {
    Runner& runner;
    const Host& host;
    Clock& clock;
    SystemLog& log;
};

}  // namespace ferry::run
