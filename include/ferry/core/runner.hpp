#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/core/error.hpp"

// The seam to every program ferry starts (python3 -m venv, pip, conda, docker, sbatch,
// squeue, a job's processes): the Context carries one, and a test gives the fake of
// tests/unit/fake_runner.hpp, which records what was asked.
namespace ferry {

namespace fs = std::filesystem;

// A program run to its end.
struct Command {
    std::vector<std::string> argv;                 // argv[0] is looked up on PATH
    std::map<std::string, std::string> variables;  // set over the runner's environment
    std::string input;                             // written to its stdin, then closed
    fs::path directory;                            // empty: the current one
    std::chrono::seconds time_limit{0};            // more and it is stopped, an error; 0: none
};

// One process of a job, started and then watched by its starter (the supervisor, a Slurm
// task): `argv` run by `program` in `working_directory`, stdin from /dev/null, stdout and
// stderr appended to `log`, with exactly `environment`. `mounts` (source, target) are bound
// read-only in a private mount namespace first (root only).
struct JobProcess {
    std::string program;
    std::vector<std::string> argv;
    std::map<std::string, std::string> environment;
    std::vector<std::pair<std::string, std::string>> mounts;
    fs::path working_directory;
    fs::path log;
    fs::path cgroup;  // a cgroup v2 directory the process joins before it runs; empty: none
};

// Called about every 100 ms while a command runs; false stops it (SIGTERM to its group, then
// SIGKILL) and the run fails with "stopped".
using KeepGoing = std::function<bool()>;

class Runner {
public:
    virtual ~Runner() = default;
    // Runs the command with stdout and stderr appended to `output_fd`; returns its exit code
    // (128 + N when killed by signal N).
    [[nodiscard]] virtual Result<int> run(const Command& command, int output_fd,
                                          const KeepGoing& keep_going) = 0;
    // Runs the command and returns its stdout (stderr to `output_fd`); fails on a non-zero exit.
    [[nodiscard]] virtual Result<std::string> capture(const Command& command, int output_fd) = 0;
    // Starts the process in its own process group (SIGTERM when the caller dies) and returns
    // its pid once it has executed the program, or the step that failed and why. The caller
    // waits for it.
    [[nodiscard]] virtual Result<pid_t> start(const JobProcess& process) = 0;
    // The program's full path on PATH, or nullopt.
    [[nodiscard]] virtual std::optional<fs::path> find_program(std::string_view name) const = 0;
    // A variable of the runner's environment.
    [[nodiscard]] virtual std::optional<std::string> variable(std::string_view name) const = 0;
};

// Forks and execs (util::spawn), with the environment it is given: the process's own, for
// the CLI and the supervisor.
class SystemRunner final : public Runner {
public:
    explicit SystemRunner(std::map<std::string, std::string> environment)
        : m_environment(std::move(environment)) {}

    [[nodiscard]] Result<int> run(const Command& command, int output_fd,
                                  const KeepGoing& keep_going) override;
    [[nodiscard]] Result<std::string> capture(const Command& command, int output_fd) override;
    [[nodiscard]] Result<pid_t> start(const JobProcess& process) override;
    [[nodiscard]] std::optional<fs::path> find_program(std::string_view name) const override;
    [[nodiscard]] std::optional<std::string> variable(std::string_view name) const override;

private:
    [[nodiscard]] Result<int> execute(const Command& command, int stdout_fd, int stderr_fd,
                                      const KeepGoing& keep_going);
    std::map<std::string, std::string> m_environment;
};

}  // namespace ferry
