#pragma once

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "ferry/core/runner.hpp"

namespace ferry::test {

namespace fs = std::filesystem;

// The one fake of the process seam: records every command and process it is asked for,
// answers exit codes and output scripted by key ("docker image", "python3 venv", "squeue":
// the program's file name and the first word after it that is not an option, else the
// program alone), and leaves behind what the real tools would (a venv or conda prefix).
class FakeRunner : public Runner {
public:
    static std::string key_of(const std::vector<std::string>& argv) {
        std::string key = fs::path(argv.at(0)).filename().string();
        for (std::size_t i = 1; i < argv.size(); ++i) {
            if (!argv[i].starts_with("-")) {
                key += " " + argv[i];
                break;
            }
        }
        return key;
    }

    Result<int> run(const Command& command, int output_fd,
                    const KeepGoing& /*keep_going*/) override {
        const std::string key = key_of(command.argv);
        int code = 0;
        std::function<void(const Command&)> hook;
        {
            std::lock_guard lock(m_mutex);
            commands.push_back(command);
            code = code_of(key, command.argv.at(0));
            hook = on_run;
            if (auto out = outputs.find(key); out != outputs.end() && output_fd >= 0) {
                std::ignore = ::write(output_fd, out->second.data(), out->second.size());
            }
        }
        simulate(command, key);
        if (hook) {
            hook(command);
        }
        return code;
    }

    Result<std::string> capture(const Command& command, int /*output_fd*/) override {
        std::lock_guard lock(m_mutex);
        commands.push_back(command);
        const std::string key = key_of(command.argv);
        const std::string program = fs::path(command.argv.at(0)).filename().string();
        for (const auto& name : {key, program}) {
            if (auto found = errors.find(name); found != errors.end()) {
                return fail("{}", found->second);
            }
        }
        if (const int code = code_of(key, command.argv.at(0)); code != 0) {
            return fail("{} exited with {}", key, code);
        }
        for (const auto& name : {key, program}) {
            if (auto found = captured.find(name); found != captured.end()) {
                return found->second;
            }
        }
        return std::string();
    }

    Result<pid_t> start(const JobProcess& process) override {
        std::lock_guard lock(m_mutex);
        started.push_back(process);
        if (start_error) {
            return fail("{}", *start_error);
        }
        return next_pid++;
    }

    std::optional<fs::path> find_program(std::string_view name) const override {
        if (every_program || programs.contains(std::string(name))) {
            return (bin.empty() ? fs::path("/usr/bin") : bin) / name;
        }
        return std::nullopt;
    }

    std::optional<std::string> variable(std::string_view name) const override {
        if (auto found = variables.find(std::string(name)); found != variables.end()) {
            return found->second;
        }
        return std::nullopt;
    }

    // The commands whose key is `key`.
    std::vector<Command> with_key(const std::string& key) const {
        std::vector<Command> found;
        for (const auto& command : commands) {
            if (key_of(command.argv) == key) {
                found.push_back(command);
            }
        }
        return found;
    }

    // The commands of the program `name` (its file name).
    std::vector<Command> of_program(const std::string& name) const {
        std::vector<Command> found;
        for (const auto& command : commands) {
            if (fs::path(command.argv.at(0)).filename() == name) {
                found.push_back(command);
            }
        }
        return found;
    }

    std::vector<Command> commands;
    std::vector<JobProcess> started;
    std::map<std::string, int> codes;             // by key, else by program
    std::map<std::string, std::string> outputs;   // what `run` writes, by key
    std::map<std::string, std::string> captured;  // what `capture` returns, by key or program
    std::map<std::string, std::string> errors;    // `capture` fails with this, by key or program
    std::set<std::string> programs;               // what find_program finds
    bool every_program = false;                   // find_program finds any program
    fs::path bin;  // where the programs are said to be; empty: /usr/bin
    std::map<std::string, std::string> variables;
    std::function<void(const Command&)> on_run;
    std::optional<std::string> start_error;  // `start` fails with this message
    pid_t next_pid = 4'000'000;              // above any pid_max: no real process

private:
    int code_of(const std::string& key, const std::string& program) const {
        if (auto found = codes.find(key); found != codes.end()) {
            return found->second;
        }
        if (auto found = codes.find(fs::path(program).filename().string()); found != codes.end()) {
            return found->second;
        }
        return 0;
    }

    static void simulate(const Command& command, const std::string& key) {
        std::error_code ec;
        const auto& argv = command.argv;
        if (key == "python3 venv") {
            fs::create_directories(fs::path(argv.back()) / "bin", ec);
        }
        if (auto prefix = std::ranges::find(argv, "--prefix");
            prefix != argv.end() && prefix + 1 != argv.end()) {
            fs::create_directories(fs::path(*(prefix + 1)) / "bin", ec);
        }
    }

    mutable std::mutex m_mutex;
};

}  // namespace ferry::test
