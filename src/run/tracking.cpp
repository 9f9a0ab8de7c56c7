#include "ferry/run/tracking.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>

#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/util/cgroup.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

namespace {

// A cgroup's name is one path component of at most 255 bytes.
constexpr std::size_t k_name_room = 200;

// How long a removal waits for killed processes to leave the cgroup.
constexpr std::chrono::milliseconds k_remove_wait{2000};

}  // namespace

std::optional<fs::path> run_cgroup(const Host& host, const fs::path& run_directory,
                                   std::string_view run) {
    if (!host.cgroups) {
        return std::nullopt;
    }
    const std::string hash = util::Sha256::of(run_directory.string()).substr(0, 16);
    return *host.cgroups / (hash + "-" + std::string(run.substr(0, k_name_room)));
}

Result<fs::path> create_run_cgroup(const Host& host, const fs::path& run_directory,
                                   std::string_view run) {
    auto cgroup = run_cgroup(host, run_directory, run);
    if (!cgroup) {
        return fail("no cgroup v2 hierarchy is mounted");
    }
    TRY(util::create_cgroup(*cgroup));
    if (auto probed = util::probe_cgroup(*cgroup); !probed) {
        std::ignore = util::remove_cgroup(*cgroup, k_remove_wait);
        return std::unexpected(probed.error());
    }
    return std::move(*cgroup);
}

fs::path processes_record(const fs::path& run_directory) {
    return run_directory / "job_processes";
}

Result<void> record_processes(const fs::path& run_directory, const std::vector<pid_t>& pids) {
    std::string text;
    for (const pid_t pid : pids) {
        if (const auto started = start_time(pid)) {
            text += std::to_string(pid) + " " + std::to_string(*started) + "\n";
        }
    }
    return util::write_file_atomic(processes_record(run_directory), text, 0600, util::Durable::no);
}

std::vector<pid_t> recorded_processes(const fs::path& run_directory) {
    std::vector<pid_t> pids;
    const fs::path record = processes_record(run_directory);
    struct stat owner {};
    const auto text = util::read_file(record);
    if (!text || ::stat(record.c_str(), &owner) != 0) {
        return pids;
    }
    for (const auto line : util::lines(*text)) {
        const auto words = util::split(line, ' ');
        pid_t pid = 0;
        std::uint64_t started = 0;
        if (words.size() != 2 ||
            std::from_chars(words[0].data(), words[0].data() + words[0].size(), pid).ec !=
                std::errc() ||
            std::from_chars(words[1].data(), words[1].data() + words[1].size(), started).ec !=
                std::errc()) {
            continue;
        }
        // Only processes of the record's owner: whoever wrote it could stop them anyway.
        struct stat process {};
        const std::string proc = "/proc/" + std::to_string(pid);
        if (pid > 0 && ::stat(proc.c_str(), &process) == 0 && process.st_uid == owner.st_uid &&
            start_time(pid) == started) {
            pids.push_back(pid);
        }
    }
    return pids;
}

std::vector<pid_t> run_processes(const RunRecord& run, const Host& host) {
    auto pids = processes_with_environment(
        {"FERRY_RUN_ID=" + run.name,
         "FERRY_OUTPUTS_DIR=" + (working_directory(run.directory) / "outputs").string()});
    const auto recorded = recorded_processes(run.directory);
    pids.insert(pids.end(), recorded.begin(), recorded.end());
    if (const auto cgroup = run_cgroup(host, run.directory, run.name)) {
        const auto members = util::cgroup_processes(*cgroup);
        pids.insert(pids.end(), members.begin(), members.end());
    }
    std::ranges::sort(pids);
    const auto [first, last] = std::ranges::unique(pids);
    pids.erase(first, last);
    std::erase(pids, ::getpid());
    return pids;
}

Result<void> release_run_tracking(const Host& host, const fs::path& run_directory,
                                  std::string_view run) {
    std::error_code ec;
    fs::remove(processes_record(run_directory), ec);
    const auto cgroup = run_cgroup(host, run_directory, run);
    return cgroup ? util::remove_cgroup(*cgroup, k_remove_wait) : Result<void>{};
}

}  // namespace ferry::run
