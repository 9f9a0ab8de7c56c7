#include "ferry/util/cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>
#include <thread>

#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"

namespace ferry::util {

namespace {

// /proc/self/mounts writes a space, tab, newline or backslash of a path as \ and three octal
// digits.
std::string unescape_mount_field(std::string_view field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size()) {
            int value = 0;
            const auto [end, ec] =
                std::from_chars(field.data() + i + 1, field.data() + i + 4, value, 8);
            if (ec == std::errc() && end == field.data() + i + 4) {
                out.push_back(static_cast<char>(value));
                i += 3;
                continue;
            }
        }
        out.push_back(field[i]);
    }
    return out;
}

Result<void> write_control(const fs::path& file, std::string_view value) {
    Fd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) {
        return fail("cannot open {}: {}", file.string(), errno_text(errno));
    }
    return write_all(fd.get(), value, file.string());
}

}  // namespace

std::optional<fs::path> cgroup2_mount(std::string_view mounts) {
    for (const auto line : lines(mounts)) {
        const auto fields = split(line, ' ');
        if (fields.size() >= 3 && fields[2] == "cgroup2") {
            return fs::path(unescape_mount_field(fields[1]));
        }
    }
    return std::nullopt;
}

std::optional<fs::path> cgroup2_mount() {
    const auto text = read_file("/proc/self/mounts");
    return text ? cgroup2_mount(*text) : std::nullopt;
}

Result<void> create_cgroup(const fs::path& path) {
    if (::mkdir(path.parent_path().c_str(), 0755) != 0 && errno != EEXIST) {
        return fail("cannot create the cgroup {}: {}", path.parent_path().string(),
                    errno_text(errno));
    }
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        return fail("cannot create the cgroup {}: {}", path.string(), errno_text(errno));
    }
    return {};
}

Result<void> add_to_cgroup(const fs::path& path, pid_t pid) {
    return write_control(path / "cgroup.procs", std::to_string(pid));
}

Result<void> probe_cgroup(const fs::path& path) {
    const pid_t child = ::fork();
    if (child < 0) {
        return fail("cannot try the cgroup {}: fork: {}", path.string(), errno_text(errno));
    }
    if (child == 0) {
        for (;;) {
            ::pause();
        }
    }
    auto added = add_to_cgroup(path, child);
    ::kill(child, SIGKILL);
    while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
    }
    return added;
}

std::vector<pid_t> cgroup_processes(const fs::path& path) {
    std::vector<pid_t> pids;
    const auto text = read_file(path / "cgroup.procs");
    if (!text) {
        return pids;
    }
    for (const auto line : lines(*text)) {
        pid_t pid = 0;
        const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec == std::errc() && end == line.data() + line.size() && pid > 0) {
            pids.push_back(pid);
        }
    }
    return pids;
}

Result<void> kill_cgroup(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path / "cgroup.procs", ec)) {
        return {};  // gone with its processes
    }
    if (fs::exists(path / "cgroup.kill", ec)) {
        auto killed = write_control(path / "cgroup.kill", "1");
        // Removed meanwhile (by another ferry): its processes are gone with it.
        return killed || fs::exists(path, ec) ? killed : Result<void>{};
    }
    // No cgroup.kill: one pass per fork that raced the previous one.
    for (int pass = 0; pass < 100; ++pass) {
        const auto pids = cgroup_processes(path);
        if (pids.empty()) {
            return {};
        }
        for (const pid_t pid : pids) {
            ::kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return fail("cannot kill the processes of the cgroup {}: they keep forking", path.string());
}

Result<void> remove_cgroup(const fs::path& path, std::chrono::milliseconds wait) {
    if (std::error_code ec; !fs::exists(path, ec)) {
        return {};
    }
    TRY(kill_cgroup(path));
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        if (::rmdir(path.c_str()) == 0 || errno == ENOENT) {
            return {};
        }
        if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) {
            return fail("cannot remove the cgroup {}: {}", path.string(), errno_text(errno));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace ferry::util
