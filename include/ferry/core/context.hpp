#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

#include "ferry/core/output_format.hpp"
#include "ferry/core/runner.hpp"

namespace ferry {

// A copy of the process environment, read once at start-up and passed down.
class Environment {
public:
    Environment() = default;
    explicit Environment(std::map<std::string, std::string> vars) : m_vars(std::move(vars)) {}
    static Environment from_process();

    // Unset and empty variables both read as "not set".
    [[nodiscard]] std::optional<std::string> get(const std::string& name) const;
    void set(const std::string& name, std::string value) { m_vars[name] = std::move(value); }
    [[nodiscard]] const std::map<std::string, std::string>& variables() const { return m_vars; }

private:
    std::map<std::string, std::string> m_vars;
};

struct Terminal {
    bool stdin_is_tty = false;
    bool stdout_is_tty = false;
    bool stderr_is_tty = false;
    int width = 80;  // columns of stdout when it is a terminal
    static Terminal detect(const Environment& env);
};

// Everything a command may touch of the outside world; tests build their own.
struct Context {
    Context(Environment environment, std::filesystem::path directory, std::ostream& out_stream,
            std::ostream& err_stream, std::istream& in_stream, Terminal term,
            Runner& process_runner)
        : env(std::move(environment)),
          cwd(std::move(directory)),
          out(out_stream),
          err(err_stream),
          in(in_stream),
          terminal(term),
          runner(process_runner) {}

    Environment env;
    std::filesystem::path cwd;
    std::ostream& out;
    std::ostream& err;
    std::istream& in;
    Terminal terminal;
    Runner& runner;  // every program a command starts
    std::function<std::chrono::system_clock::time_point()> now = [] {
        return std::chrono::system_clock::now();
    };

    // Global options.
    OutputFormat format = OutputFormat::table;
    std::optional<std::string> workspace;  // -w/--workspace
    bool verbose = false;
    bool color = false;  // colour on stderr/stdout where each is a terminal

    void warn(std::string_view message) const;
    void debug(std::string_view message) const;
    // Asks a yes/no question on stderr and reads the answer from stdin; default no.
    [[nodiscard]] bool confirm(std::string_view question) const;
};

}  // namespace ferry
