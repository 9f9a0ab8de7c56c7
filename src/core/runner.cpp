#include "ferry/core/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/program.hpp"
#include "ferry/util/spawn.hpp"

namespace ferry {

namespace {

int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<std::string> entries_of(const std::map<std::string, std::string>& variables) {
    std::vector<std::string> entries;
    entries.reserve(variables.size());
    for (const auto& [key, value] : variables) {
        entries.push_back(key + "=" + value);
    }
    return entries;
}

// Writes `input` to the command's stdin and closes it. Small inputs (a password) fit the
// pipe; a reader that never reads must not hang us.
void feed(util::Fd& input_write, const std::string& input) {
    ::fcntl(input_write.get(), F_SETFL, O_NONBLOCK);
    std::size_t written = 0;
    while (written < input.size()) {
        const ssize_t n =
            ::write(input_write.get(), input.data() + written, input.size() - written);
        if (n <= 0) {
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    input_write.close();
}

}  // namespace

std::optional<std::string> SystemRunner::variable(std::string_view name) const {
    if (auto found = m_environment.find(std::string(name)); found != m_environment.end()) {
        return found->second;
    }
    return std::nullopt;
}

std::optional<fs::path> SystemRunner::find_program(std::string_view name) const {
    return util::find_program_on(name, variable("PATH").value_or("/usr/local/bin:/usr/bin:/bin"));
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
    auto environment = m_environment;
    for (const auto& [key, value] : command.variables) {
        environment.insert_or_assign(key, value);
    }
    int input[2];
    if (::pipe2(input, O_CLOEXEC) != 0) {
        return fail("cannot run {}: {}", command.argv.front(), util::errno_text(errno));
    }
    util::Fd input_read(input[0]);
    util::Fd input_write(input[1]);
    util::Spawn spawn{.program = *program,
                      .argv = command.argv,
                      .environment = entries_of(environment),
                      .directory = command.directory,
                      .stdin_fd = input_read.get(),
                      .stdout_fd = stdout_fd,
                      .stderr_fd = stderr_fd};
    auto started = util::spawn(spawn);
    if (!started) {
        return fail("cannot run {}: {}", command.argv.front(), started.error().message);
    }
    const pid_t pid = *started;
    input_read.close();
    feed(input_write, command.input);
    bool stopping = false;
    auto kill_at = std::chrono::steady_clock::time_point::max();
    const auto limit = command.time_limit.count() > 0
                           ? std::chrono::steady_clock::now() + command.time_limit
                           : std::chrono::steady_clock::time_point::max();
    for (int round = 0;; ++round) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) {
            if (stopping && std::chrono::steady_clock::now() >= limit) {
                return fail("{} did not finish within {} s and was stopped", command.argv.front(),
                            command.time_limit.count());
            }
            if (stopping) {
                return fail("{} was stopped", command.argv.front());
            }
            return exit_code(status);
        }
        if (done < 0 && errno != EINTR) {
            return fail("cannot wait for {}: {}", command.argv.front(), util::errno_text(errno));
        }
        if (!stopping && round % 5 == 4 &&
            ((keep_going && !keep_going()) || std::chrono::steady_clock::now() >= limit)) {
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
    TRY_ASSIGN(const int code, execute(command, out.get(), output_fd, {}));
    if (code != 0) {
        return fail("{} exited with {}", command.argv.front(), code);
    }
    ::lseek(out.get(), 0, SEEK_SET);
    return util::read_fd(out.get(), command.argv.front());
}

Result<pid_t> SystemRunner::start(const JobProcess& process) {
    util::Fd log_fd(::open(process.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!log_fd) {
        return fail("cannot open {}: {}", process.log.string(), util::errno_text(errno));
    }
    util::Fd cgroup_fd;
    if (!process.cgroup.empty()) {
        const fs::path procs = process.cgroup / "cgroup.procs";
        cgroup_fd = util::Fd(::open(procs.c_str(), O_WRONLY | O_CLOEXEC));
        if (!cgroup_fd) {
            return fail("cannot open {}: {}", procs.string(), util::errno_text(errno));
        }
    }
    util::Spawn spawn{.program = process.program,
                      .argv = process.argv,
                      .environment = entries_of(process.environment),
                      .directory = process.working_directory,
                      .stdout_fd = log_fd.get(),
                      .stderr_fd = log_fd.get(),
                      .die_with_parent = true,
                      .read_only_mounts = process.mounts,
                      .cgroup_procs_fd = cgroup_fd.get()};
    auto pid = util::spawn(spawn);
    if (!pid) {
        return fail("cannot start the job: {}", pid.error().message);
    }
    return *pid;
}

}  // namespace ferry
