#include "ferry/run/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/spawn.hpp"

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
    std::uint64_t start_time = 0;
};

// State, parent and start time from /proc/PID/stat; the command name may hold spaces and
// parentheses, so the fields are read after its last ')'.
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
    // The start time is field 22; the state (field 3) is the first after the name.
    std::size_t at = close + 2;
    for (int field = 3; field < 22 && at != std::string::npos; ++field) {
        at = text.find(' ', at);
        at = at == std::string::npos ? at : at + 1;
    }
    if (at != std::string::npos) {
        std::from_chars(text.data() + at, text.data() + text.size(), stat.start_time);
    }
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

std::optional<std::uint64_t> start_time(pid_t pid) {
    const auto stat = read_stat(pid);
    if (!stat || stat->state == 'Z' || stat->state == 'X') {
        return std::nullopt;
    }
    return stat->start_time;
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

Result<pid_t> spawn_detached(const std::vector<std::string>& argv,
                             const std::map<std::string, std::string>& environment,
                             const fs::path& log) {
    // A submit from inside a job must not pass the job's identity on: the supervisor would
    // look like a process of that job and die with it.
    std::vector<std::string> entries;
    for (const auto& [key, value] : environment) {
        if (key != "FERRY_RUN_ID" && key != "FERRY_OUTPUTS_DIR") {
            entries.push_back(key + "=" + value);
        }
    }
    util::Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!log_fd) {
        return fail("cannot open {}: {}", log.string(), util::errno_text(errno));
    }
    util::Spawn spawn{
        .program = argv.at(0),
        .argv = argv,
        .environment = std::move(entries),
        .stdout_fd = log_fd.get(),
        .stderr_fd = log_fd.get(),
        .session = util::Session::detached,
        .blocked_signals = {k_supervisor_signals.begin(), k_supervisor_signals.end()}};
    auto started = util::spawn(spawn);
    if (!started) {
        // That the program could not be executed goes without saying.
        std::string_view why = started.error().message;
        if (why.starts_with("exec: ")) {
            why.remove_prefix(6);
        }
        return fail("cannot start the supervisor {}: {}", argv.at(0), why);
    }
    return started;
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
