#include "ferry/run/process.hpp"

#include <dirent.h>
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
#include <charconv>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

extern char** environ;

namespace ferry::run {

namespace {

// Every numeric entry of /proc.
std::vector<pid_t> all_pids() {
    std::vector<pid_t> pids;
    DIR* proc = opendir("/proc");
    if (proc == nullptr) {
        return pids;
    }
    while (const dirent* entry = readdir(proc)) {
        pid_t pid = 0;
        const char* name = entry->d_name;
        const char* end = name + std::strlen(name);
        auto [ptr, ec] = std::from_chars(name, end, pid);
        if (ec == std::errc() && ptr == end && pid > 0) {
            pids.push_back(pid);
        }
    }
    closedir(proc);
    return pids;
}

std::string read_small(const std::string& path) {
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return {};
    }
    auto text = util::read_fd(fd.get(), path);
    return text ? *text : std::string();
}

struct ProcStat {
    char state = '?';
    pid_t parent = 0;
};

// State and parent from /proc/PID/stat; the command name may hold spaces and parentheses,
// so the fields are read after its last ')'.
std::optional<ProcStat> read_stat(pid_t pid) {
    const std::string text = read_small("/proc/" + std::to_string(pid) + "/stat");
    const auto close = text.rfind(')');
    if (close == std::string::npos || close + 4 >= text.size()) {
        return std::nullopt;
    }
    ProcStat stat;
    stat.state = text[close + 2];
    const char* begin = text.data() + close + 4;
    std::from_chars(begin, text.data() + text.size(), stat.parent);
    return stat;
}

std::vector<std::string> split_nul(const std::string& text) {
    std::vector<std::string> words;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\0', start);
        words.push_back(text.substr(start, end == std::string::npos ? end : end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return words;
}

// What the forked child of start_job_process needs, all prepared before fork.
struct Launch {
    const JobProcess* process = nullptr;
    int log_fd = -1;
    int null_fd = -1;
    int report_fd = -1;
};

[[noreturn]] void child_fail(int report_fd, int stage) {
    const int payload[2] = {stage, errno};
    std::ignore = ::write(report_fd, payload, sizeof payload);
    ::_exit(125);
}

// In the child, between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_job(const Launch& launch, char* const* argv, char* const* envp) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    const JobProcess& process = *launch.process;
    if (!process.mounts.empty()) {
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
            child_fail(launch.report_fd, 1);
        }
        for (const auto& [source, target] : process.mounts) {
            if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
                ::mount(nullptr, target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                        nullptr) != 0) {
                child_fail(launch.report_fd, 2);
            }
        }
    }
    if (::chdir(process.working_directory.c_str()) != 0) {
        child_fail(launch.report_fd, 3);
    }
    ::dup2(launch.null_fd, 0);
    ::dup2(launch.log_fd, 1);
    ::dup2(launch.log_fd, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::execve(process.program.c_str(), argv, envp);
    child_fail(launch.report_fd, 4);
}

}  // namespace

std::string boot_id() {
    std::string text = read_small("/proc/sys/kernel/random/boot_id");
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

bool process_alive(pid_t pid) {
    if (pid <= 0) {
        return false;
    }
    if (::kill(pid, 0) != 0 && errno != EPERM) {
        return false;
    }
    const auto stat = read_stat(pid);
    return stat && stat->state != 'Z' && stat->state != 'X';
}

std::vector<std::string> command_line(pid_t pid) {
    return split_nul(read_small("/proc/" + std::to_string(pid) + "/cmdline"));
}

std::vector<pid_t> descendants(pid_t root) {
    std::multimap<pid_t, pid_t> children;
    std::map<pid_t, char> states;
    for (const pid_t pid : all_pids()) {
        if (auto stat = read_stat(pid)) {
            children.emplace(stat->parent, pid);
            states[pid] = stat->state;
        }
    }
    std::vector<pid_t> found;
    std::vector<pid_t> frontier{root};
    while (!frontier.empty()) {
        const pid_t parent = frontier.back();
        frontier.pop_back();
        auto [first, last] = children.equal_range(parent);
        for (auto it = first; it != last; ++it) {
            frontier.push_back(it->second);
            if (states[it->second] != 'Z' && states[it->second] != 'X') {
                found.push_back(it->second);
            }
        }
    }
    return found;
}

std::vector<pid_t> processes_with_environment(const std::vector<std::string>& entries) {
    std::vector<pid_t> found;
    const pid_t self = ::getpid();
    for (const pid_t pid : all_pids()) {
        if (pid == self) {
            continue;
        }
        const auto environment = split_nul(read_small("/proc/" + std::to_string(pid) + "/environ"));
        bool all = !entries.empty();
        for (const auto& wanted : entries) {
            if (std::find(environment.begin(), environment.end(), wanted) == environment.end()) {
                all = false;
                break;
            }
        }
        if (all && process_alive(pid)) {
            found.push_back(pid);
        }
    }
    return found;
}

Result<void> spawn_detached(const std::vector<std::string>& argv, const fs::path& log) {
    // Everything the children need is made before fork: they may only call async-signal-safe
    // functions.
    std::vector<char*> args;
    for (const auto& word : argv) {
        args.push_back(const_cast<char*>(word.c_str()));
    }
    args.push_back(nullptr);
    // A submit from inside a job must not pass the job's identity on: the supervisor would
    // look like a process of that job and die with it.
    std::vector<char*> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (!text.starts_with("FERRY_RUN_ID=") && !text.starts_with("FERRY_OUTPUTS_DIR=")) {
            environment.push_back(*entry);
        }
    }
    environment.push_back(nullptr);
    util::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!log_fd) {
        return fail("cannot open {}: {}", log.string(), util::errno_text(errno));
    }
    util::Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        return fail("cannot start the supervisor: {}", util::errno_text(errno));
    }
    util::Fd read_end(report[0]);
    util::Fd write_end(report[1]);
    const pid_t middle = ::fork();
    if (middle < 0) {
        return fail("cannot start the supervisor: fork: {}", util::errno_text(errno));
    }
    if (middle == 0) {
        ::setsid();
        const pid_t child = ::fork();
        if (child != 0) {
            ::_exit(child < 0 ? 1 : 0);
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::dup2(null_fd.get(), 0);
        ::dup2(log_fd.get(), 1);
        ::dup2(log_fd.get(), 2);
        // Descriptors the caller left inheritable (a database, a terminal) stay behind.
        ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        ::execve(args[0], args.data(), environment.data());
        const int error = errno;
        std::ignore = ::write(write_end.get(), &error, sizeof error);
        ::_exit(127);
    }
    write_end.close();
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    int error = 0;
    ssize_t got = 0;
    do {
        got = ::read(read_end.get(), &error, sizeof error);
    } while (got < 0 && errno == EINTR);
    if (got == sizeof error) {
        return fail("cannot start the supervisor {}: {}", argv[0], util::errno_text(error));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return fail("cannot start the supervisor: fork failed");
    }
    return {};
}

bool terminate_all(const std::function<std::vector<pid_t>()>& signalled,
                   std::chrono::milliseconds grace, const std::function<void()>& reap) {
    const auto deadline = std::chrono::steady_clock::now() + grace;
    // A process stuck in the kernel (state D) cannot die yet; do not wait on it for ever.
    const auto give_up = deadline + std::chrono::seconds(10);
    bool killed = false;
    // SIGTERM once per process (new ones are caught as they appear): a second one would cut
    // short the cleanup its handler does.
    std::set<pid_t> termed;
    for (;;) {
        if (reap) {
            reap();
        }
        const auto pids = signalled();
        if (pids.empty() || std::chrono::steady_clock::now() >= give_up) {
            return killed;
        }
        const bool late = std::chrono::steady_clock::now() >= deadline;
        for (const pid_t pid : pids) {
            if (late) {
                ::kill(pid, SIGKILL);
            } else if (termed.insert(pid).second) {
                ::kill(pid, SIGTERM);
                ::kill(pid, SIGCONT);  // a stopped process cannot act on SIGTERM until it runs
            }
        }
        killed = killed || late;
        std::this_thread::sleep_for(std::chrono::milliseconds(late ? 10 : 50));
    }
}

Result<fs::path> own_executable() {
    std::error_code ec;
    fs::path path = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return fail("cannot find the ferry binary (/proc/self/exe): {}", ec.message());
    }
    return path;
}

}  // namespace ferry::run

namespace ferry::run {

Result<pid_t> start_job_process(const JobProcess& process) {
    util::Fd log_fd(::open(process.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    util::Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!log_fd || !null_fd) {
        return fail("cannot open {}: {}", process.log.string(), util::errno_text(errno));
    }
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        return fail("cannot start the job: {}", util::errno_text(errno));
    }
    util::Fd read_end(report[0]);
    util::Fd write_end(report[1]);
    Launch launch;
    launch.process = &process;
    launch.log_fd = log_fd.get();
    launch.null_fd = null_fd.get();
    launch.report_fd = write_end.get();

    std::vector<std::string> words = process.argv;
    std::vector<char*> argv;
    for (auto& word : words) {
        argv.push_back(word.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> entries;
    for (const auto& [key, value] : process.environment) {
        entries.push_back(key + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& entry : entries) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    const pid_t pid = ::fork();
    if (pid < 0) {
        return fail("cannot start the job: fork: {}", util::errno_text(errno));
    }
    if (pid == 0) {
        exec_job(launch, argv.data(), envp.data());
    }
    write_end.close();
    int payload[2] = {0, 0};
    ssize_t got = 0;
    do {
        got = ::read(read_end.get(), payload, sizeof payload);
    } while (got < 0 && errno == EINTR);
    if (got == sizeof payload) {
        static constexpr std::array<std::string_view, 5> k_stages = {
            "", "a private mount namespace for read-only inputs", "a read-only mount of an input",
            "the working directory", "exec"};
        const auto stage = static_cast<std::size_t>(payload[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        return fail("cannot start the job: {}: {}",
                    stage < k_stages.size() ? k_stages[stage] : "exec",
                    util::errno_text(payload[1]));
    }
    return pid;
}

std::map<std::string, std::string> own_environment() {
    std::map<std::string, std::string> variables;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto eq = text.find('=');
        if (eq != std::string_view::npos) {
            variables[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
        }
    }
    return variables;
}

}  // namespace ferry::run
