#include "ferry/env/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

extern char** environ;

namespace ferry::env {

namespace {

struct Prepared {
    std::string program;
    std::vector<std::string> words;
    std::vector<std::string> entries;
    std::vector<char*> argv;
    std::vector<char*> envp;
};

// In the child: async-signal-safe calls only.
[[noreturn]] void exec_child(const Prepared& prepared, const fs::path& directory, int input_fd,
                             int stdout_fd, int stderr_fd) {
    ::setpgid(0, 0);
    const int null_fd = ::open("/dev/null", O_WRONLY);
    stdout_fd = stdout_fd < 0 ? null_fd : stdout_fd;
    stderr_fd = stderr_fd < 0 ? null_fd : stderr_fd;
    ::dup2(input_fd, 0);
    ::dup2(stdout_fd, 1);
    ::dup2(stderr_fd, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (const int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) {
        ::signal(signal, SIG_DFL);
    }
    if (!directory.empty() && ::chdir(directory.c_str()) != 0) {
        ::_exit(126);
    }
    ::execve(prepared.program.c_str(), prepared.argv.data(), prepared.envp.data());
    ::_exit(127);
}

int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

SystemRunner SystemRunner::from_process() {
    std::map<std::string, std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (const auto eq = text.find('='); eq != std::string_view::npos) {
            environment.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
        }
    }
    return SystemRunner(std::move(environment));
}

std::optional<std::string> SystemRunner::variable(std::string_view name) const {
    if (auto found = m_environment.find(std::string(name)); found != m_environment.end()) {
        return found->second;
    }
    return std::nullopt;
}

std::optional<fs::path> SystemRunner::find_program(std::string_view name) const {
    if (name.find('/') != std::string_view::npos) {
        return ::access(std::string(name).c_str(), X_OK) == 0 ? std::optional(fs::path(name))
                                                              : std::nullopt;
    }
    const std::string path = variable("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
    std::string_view rest = path;
    while (true) {
        const auto colon = rest.find(':');
        const std::string dir(rest.substr(0, colon));
        if (!dir.empty()) {
            const fs::path candidate = fs::path(dir) / name;
            if (::access(candidate.c_str(), X_OK) == 0) {
                return candidate;
            }
        }
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        rest = rest.substr(colon + 1);
    }
}

Result<int> SystemRunner::run(const Command& command, int output_fd, const KeepGoing& keep_going) {
    return execute(command, output_fd, output_fd, keep_going);
}

Result<int> SystemRunner::execute(const Command& command, int stdout_fd, int stderr_fd,
                                  const KeepGoing& keep_going) {
    if (command.argv.empty()) {
        return fail("no command to run");
    }
    auto program = find_program(command.argv.front());
    if (!program) {
        return fail("{} is not on PATH", command.argv.front());
    }
    Prepared prepared;
    prepared.program = program->string();
    prepared.words = command.argv;
    auto environment = m_environment;
    for (const auto& [key, value] : command.variables) {
        environment.insert_or_assign(key, value);
    }
    for (const auto& [key, value] : environment) {
        prepared.entries.push_back(key + "=" + value);
    }
    for (auto& word : prepared.words) {
        prepared.argv.push_back(word.data());
    }
    prepared.argv.push_back(nullptr);
    for (auto& entry : prepared.entries) {
        prepared.envp.push_back(entry.data());
    }
    prepared.envp.push_back(nullptr);

    int input[2];
    if (::pipe2(input, O_CLOEXEC) != 0) {
        return fail("cannot run {}: {}", command.argv.front(), util::errno_text(errno));
    }
    util::Fd input_read(input[0]);
    util::Fd input_write(input[1]);
    const pid_t pid = ::fork();
    if (pid < 0) {
        return fail("cannot run {}: fork: {}", command.argv.front(), util::errno_text(errno));
    }
    if (pid == 0) {
        exec_child(prepared, command.directory, input_read.get(), stdout_fd, stderr_fd);
    }
    input_read.close();
    // Small inputs (a password) fit the pipe; a reader that never reads must not hang us.
    ::fcntl(input_write.get(), F_SETFL, O_NONBLOCK);
    std::size_t written = 0;
    while (written < command.input.size()) {
        const ssize_t n = ::write(input_write.get(), command.input.data() + written,
                                  command.input.size() - written);
        if (n <= 0) {
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    input_write.close();
    bool stopping = false;
    auto kill_at = std::chrono::steady_clock::time_point::max();
    for (int round = 0;; ++round) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            if (stopping) {
                return fail("{} was stopped", command.argv.front());
            }
            return exit_code(status);
        }
        if (done < 0 && errno != EINTR) {
            return fail("cannot wait for {}: {}", command.argv.front(), util::errno_text(errno));
        }
        if (!stopping && keep_going && round % 5 == 4 && !keep_going()) {
            stopping = true;
            ::kill(-pid, SIGTERM);
            kill_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        }
        if (stopping && std::chrono::steady_clock::now() >= kill_at) {
            ::kill(-pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(round < 50 ? 2 : 20));
    }
}

Result<std::string> SystemRunner::capture(const Command& command, int output_fd) {
    util::Fd out(::memfd_create("ferry-capture", MFD_CLOEXEC));
    if (!out) {
        return fail("cannot run {}: {}", command.argv.front(), util::errno_text(errno));
    }
    auto code = execute(command, out.get(), output_fd, {});
    if (!code) {
        return std::unexpected(code.error());
    }
    if (*code != 0) {
        return fail("{} exited with {}", command.argv.front(), *code);
    }
    ::lseek(out.get(), 0, SEEK_SET);
    return util::read_fd(out.get(), command.argv.front());
}

}  // namespace ferry::env
