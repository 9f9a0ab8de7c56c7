#include "ferry/util/spawn.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::util {

namespace {

// The steps of the child, as the parent names them when one fails.
enum Stage : int { session = 1, namespace_, mount, directory, exec, cgroup };

// The first report of a detached grandchild: its pid, before anything can fail.
constexpr int k_pid_report = -1;

constexpr std::array<std::string_view, 7> k_stage_names = {
    "",
    "a new session",
    "a private mount namespace for read-only inputs",
    "a read-only mount of an input",
    "the working directory",
    "exec",
    "joining the cgroup"};

// What the child needs, all made before fork.
struct Prepared {
    const Spawn* spawn = nullptr;
    std::vector<char*> argv;
    std::vector<char*> envp;
    int null_fd = -1;
    int report_fd = -1;
    sigset_t blocked{};  // Spawn::blocked_signals
};

[[noreturn]] void child_fail(int report_fd, Stage stage) {
    const int payload[2] = {stage, errno};
    std::ignore = ::write(report_fd, payload, sizeof payload);
    ::_exit(stage == Stage::exec ? 127 : 125);
}

void default_signals() {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (const int signal : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) {
        ::sigaction(signal, &action, nullptr);
    }
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const Prepared& prepared) {
    const Spawn& spawn = *prepared.spawn;
    // Before anything that could start another process: none escapes the cgroup.
    if (spawn.cgroup_procs_fd >= 0 && ::write(spawn.cgroup_procs_fd, "0", 1) != 1) {
        child_fail(prepared.report_fd, Stage::cgroup);
    }
    if (spawn.session == Session::detached) {
        if (::setsid() < 0) {
            child_fail(prepared.report_fd, Stage::session);
        }
        const pid_t child = ::fork();
        if (child != 0) {
            ::_exit(child < 0 ? 1 : 0);
        }
        const int payload[2] = {k_pid_report, ::getpid()};
        std::ignore = ::write(prepared.report_fd, payload, sizeof payload);
    } else {
        ::setpgid(0, 0);
    }
    if (spawn.die_with_parent) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    }
    if (!spawn.read_only_mounts.empty()) {
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            child_fail(prepared.report_fd, Stage::namespace_);
        }
        for (const auto& [source, target] : spawn.read_only_mounts) {
            if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
                ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                        nullptr) != 0) {
                child_fail(prepared.report_fd, Stage::mount);
            }
        }
    }
    if (!spawn.directory.empty() && ::chdir(spawn.directory.c_str()) != 0) {
        child_fail(prepared.report_fd, Stage::directory);
    }
    ::dup2(spawn.stdin_fd < 0 ? prepared.null_fd : spawn.stdin_fd, 0);
    ::dup2(spawn.stdout_fd < 0 ? prepared.null_fd : spawn.stdout_fd, 1);
    ::dup2(spawn.stderr_fd < 0 ? prepared.null_fd : spawn.stderr_fd, 2);
    default_signals();
    // Kept across execve: the program unblocks them when it takes them.
    ::sigprocmask(SIG_BLOCK, &prepared.blocked, nullptr);
    // Descriptors the caller left inheritable (a database, a terminal) stay behind.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    ::execve(spawn.program.c_str(), prepared.argv.data(), prepared.envp.data());
    child_fail(prepared.report_fd, Stage::exec);
}

std::vector<char*> pointers(const std::vector<std::string>& words) {
    std::vector<char*> pointers;
    pointers.reserve(words.size() + 1);
    for (const auto& word : words) {
        pointers.push_back(const_cast<char*>(word.c_str()));
    }
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

Result<pid_t> spawn(const Spawn& spawn) {
    if (spawn.argv.empty()) {
        return fail("{}: no arguments to start it with", spawn.program.string());
    }
    Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    if (!null_fd) {
        return fail("cannot open /dev/null: {}", errno_text(errno));
    }
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        return fail("cannot start {}: {}", spawn.program.string(), errno_text(errno));
    }
    Fd read_end(report[0]);
    Fd write_end(report[1]);
    Prepared prepared;
    prepared.spawn = &spawn;
    prepared.argv = pointers(spawn.argv);
    prepared.envp = pointers(spawn.environment);
    prepared.null_fd = null_fd.get();
    prepared.report_fd = write_end.get();
    sigemptyset(&prepared.blocked);
    for (const int signal : spawn.blocked_signals) {
        sigaddset(&prepared.blocked, signal);
    }

    const pid_t pid = ::fork();
    if (pid < 0) {
        return fail("cannot start {}: fork: {}", spawn.program.string(), errno_text(errno));
    }
    if (pid == 0) {
        exec_child(prepared);
    }
    write_end.close();
    // Reports are written whole (8 bytes, under PIPE_BUF) and read one at a time: a detached
    // grandchild's pid, then a failure, if any; end of file means the program was executed.
    pid_t started = pid;
    int payload[2] = {0, 0};
    ssize_t got = 0;
    for (;;) {
        do {
            got = ::read(read_end.get(), payload, sizeof payload);
        } while (got < 0 && errno == EINTR);
        if (got != sizeof payload || payload[0] != k_pid_report) {
            break;
        }
        started = static_cast<pid_t>(payload[1]);
    }
    if (got == sizeof payload || spawn.session == Session::detached) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        if (got != sizeof payload && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
            return fail("cannot start {}: fork failed", spawn.program.string());
        }
    }
    if (got == sizeof payload) {
        const auto stage = static_cast<std::size_t>(payload[0]);
        return fail("{}: {}",
                    stage < k_stage_names.size() ? k_stage_names[stage] : k_stage_names.back(),
                    errno_text(payload[1]));
    }
    return started;
}

}  // namespace ferry::util
