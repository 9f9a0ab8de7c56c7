#include "ferry/core/context.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <iostream>
#include <string>

extern char** environ;

namespace ferry {

Environment Environment::from_process() {
    std::map<std::string, std::string> vars;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals != std::string_view::npos) {
            vars.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
        }
    }
    return Environment(std::move(vars));
}

std::optional<std::string> Environment::get(const std::string& name) const {
    const auto found = m_vars.find(name);
    if (found == m_vars.end() || found->second.empty()) {
        return std::nullopt;
    }
    return found->second;
}

Terminal Terminal::detect(const Environment& env) {
    Terminal terminal;
    terminal.stdin_is_tty = ::isatty(STDIN_FILENO) == 1;
    terminal.stdout_is_tty = ::isatty(STDOUT_FILENO) == 1;
    terminal.stderr_is_tty = ::isatty(STDERR_FILENO) == 1;
    struct winsize size {};
    if (terminal.stdout_is_tty && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 &&
        size.ws_col > 0) {
        terminal.width = size.ws_col;
    } else if (auto columns = env.get("COLUMNS")) {
        int value = 0;
        const auto [end, ec] =
            std::from_chars(columns->data(), columns->data() + columns->size(), value);
        if (ec == std::errc() && end == columns->data() + columns->size() && value > 0) {
            terminal.width = value;
        }
    }
    return terminal;
}

void Context::warn(std::string_view message) const {
    const bool colored = color && terminal.stderr_is_tty;
    err << (colored ? "\x1b[33mferry: warning:\x1b[0m " : "ferry: warning: ") << message << '\n';
    err.flush();
}

void Context::debug(std::string_view message) const {
    if (verbose) {
        err << "ferry: " << message << '\n';
        err.flush();
    }
}

bool Context::confirm(std::string_view question) const {
    err << question << " [y/N] ";
    err.flush();
    std::string answer;
    if (!std::getline(in, answer)) {
        err << '\n';
        return false;
    }
    return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

}  // namespace ferry
