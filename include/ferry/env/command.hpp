#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"

// The seam to the programs environments are made with (python3 -m venv, pip, conda,
// docker): a test gives a fake that records what was asked.
namespace ferry::env {

namespace fs = std::filesystem;

struct Command {
    std::vector<std::string> argv;                 // argv[0] is looked up on PATH
    std::map<std::string, std::string> variables;  // set over the runner's environment
    std::string input;                             // written to its stdin, then closed
    fs::path directory;                            // empty: the current one
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
    // The program's full path on PATH, or nullopt.
    [[nodiscard]] virtual std::optional<fs::path> find_program(std::string_view name) const = 0;
    // A variable of the runner's environment.
    [[nodiscard]] virtual std::optional<std::string> variable(std::string_view name) const = 0;
};

// Forks and execs, with the environment it is given (the process's own, for the CLI and the
// supervisor).
class SystemRunner final : public Runner {
public:
    explicit SystemRunner(std::map<std::string, std::string> environment)
        : m_environment(std::move(environment)) {}
    // The calling process's environment.
    [[nodiscard]] static SystemRunner from_process();

    [[nodiscard]] Result<int> run(const Command& command, int output_fd,
                                  const KeepGoing& keep_going) override;
    [[nodiscard]] Result<std::string> capture(const Command& command, int output_fd) override;
    [[nodiscard]] std::optional<fs::path> find_program(std::string_view name) const override;
    [[nodiscard]] std::optional<std::string> variable(std::string_view name) const override;

private:
    [[nodiscard]] Result<int> execute(const Command& command, int stdout_fd, int stderr_fd,
                                      const KeepGoing& keep_going);
    std::map<std::string, std::string> m_environment;
};

}  // namespace ferry::env
