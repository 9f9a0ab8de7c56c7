#include "ferry/run/follow.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <thread>
#include <tuple>

#include "ferry/run/distribution.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/time.hpp"

namespace ferry::run {

namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The run's status, after ending the run when its supervisor is gone (checked each second).
Result<Status> refresh(store::Workspace& workspace, std::string_view name,
                       const FollowOptions& options, Steady::time_point& last_reap) {
    if (Steady::now() - last_reap >= milliseconds(1000)) {
        last_reap = Steady::now();
        if (options.seams != nullptr) {
            TRY(reap_lost_runs(workspace, *options.seams, name));
        }
    }
    TRY_ASSIGN(auto status, find_status(workspace.db(), name));
    if (!status) {
        return fail("run {} was deleted while being followed", name);
    }
    return *status;
}

// The whole record, once the run has ended.
Result<std::optional<RunRecord>> ended_record(store::Workspace& workspace, std::string_view name) {
    TRY_ASSIGN(auto run, get_run(workspace.db(), name, workspace.name()));
    return std::optional<RunRecord>{std::move(run)};
}

void report(const FollowOptions& options, std::optional<Status>& seen, Status status) {
    if (seen != status) {
        seen = status;
        if (options.status_changed) {
            options.status_changed(status);
        }
    }
}

}  // namespace

std::uint64_t tail_offset(std::uint64_t size, std::size_t lines, const ReadBlock& read_block) {
    if (lines == 0) {
        return size;
    }
    std::size_t found = 0;
    for (std::uint64_t end = size; end > 0;) {
        const std::uint64_t begin = end - std::min<std::uint64_t>(end, k_log_block);
        const std::string_view block = read_block(begin, static_cast<std::size_t>(end - begin));
        for (std::size_t i = block.size(); i-- > 0;) {
            // The final newline ends the last line, it does not start another.
            if (block[i] == '\n' && begin + i + 1 != size && ++found == lines) {
                return begin + i + 1;
            }
        }
        end = begin;
    }
    return 0;
}

std::size_t tail_offset(std::string_view text, std::size_t lines) {
    return tail_offset(text.size(), lines, [&](std::uint64_t offset, std::size_t length) {
        return text.substr(offset, length);
    });
}

Result<std::optional<RunRecord>> wait_for_end(store::Workspace& workspace, std::string_view name,
                                              const FollowOptions& options) {
    auto last_reap = Steady::time_point{};
    std::optional<Status> seen;
    // Short runs are common (CI smoke tests): look often at first, then less and less.
    const auto began = Steady::now();
    auto pause = milliseconds(10);
    for (;;) {
        TRY_ASSIGN(auto status, refresh(workspace, name, options, last_reap));
        report(options, seen, status);
        if (is_terminal(status)) {
            return ended_record(workspace, name);
        }
        for (auto slept = milliseconds(0); slept < pause; slept += milliseconds(10)) {
            if (options.interrupted && options.interrupted()) {
                return std::optional<RunRecord>{};
            }
            std::this_thread::sleep_for(milliseconds(10));
        }
        if (Steady::now() - began > milliseconds(500)) {
            pause = std::min(pause * 2, milliseconds(100));
        }
    }
}

namespace {

// One followed log file: its descriptor once it exists, and the line not yet ended (at most
// k_log_block bytes of it: a longer line goes out in pieces, `mid_line` after the first).
struct Followed {
    LogSource source;  // its path made absolute
    fs::path name;     // its path in the run directory
    bool json_lines = false;
    util::Fd fd;
    std::string pending;
    bool first_read = true;
    bool mid_line = false;
    bool from_folder = false;  // found below FollowOptions::log_folder
};

// Writes the line begun, ending it with `ending` (nothing, or a newline).
void write_pending(std::ostream& out, Followed& log, std::string_view ending) {
    if (log.json_lines) {
        nlohmann::ordered_json line = {
            {"type", "log"},
            {"log", log.name.string()},
            {"rank", log.source.rank ? nlohmann::ordered_json(*log.source.rank) : nullptr},
            {"time", util::format_utc(std::chrono::system_clock::now())},
            {"text", log.pending}};
        if (ending.empty()) {
            line["partial"] = true;
        }
        // A job may write bytes that are not UTF-8: they become U+FFFD, the line stays JSON.
        out << line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    } else {
        if (!log.mid_line) {
            out << log.source.prefix;
        }
        out << log.pending << ending;
    }
    log.pending.clear();
    log.mid_line = ending.empty();
}

// Writes the whole lines of `text` (each with the prefix) and keeps the rest for later; a line
// held longer than a block is written as it is, so that memory stays bounded.
void write_lines(std::ostream& out, Followed& log, std::string_view text) {
    for (auto newline = text.find('\n'); newline != std::string_view::npos;
         newline = text.find('\n')) {
        log.pending.append(text.substr(0, newline));
        write_pending(out, log, "\n");
        text.remove_prefix(newline + 1);
    }
    log.pending.append(text);
    if (log.pending.size() >= k_log_block) {
        write_pending(out, log, "");
    }
    out.flush();
}

// Where a log's first read starts: its last `tail` lines, read backwards a block at a time.
void seek_to_tail(const util::Fd& fd, std::size_t tail, std::vector<char>& buffer) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return;
    }
    const auto start = tail_offset(
        static_cast<std::uint64_t>(st.st_size), tail,
        [&](std::uint64_t offset, std::size_t length) {
            const ssize_t got =
                ::pread(fd.get(), buffer.data(), length, static_cast<off_t>(offset));
            return std::string_view(buffer.data(), got > 0 ? static_cast<std::size_t>(got) : 0);
        });
    std::ignore = ::lseek(fd.get(), static_cast<off_t>(start), SEEK_SET);
}

// Told of a log about to give lines, before they are written.
using BeforeLines = std::function<void(const Followed&)>;

// Reads what the file has now, a block at a time; true when there was anything.
bool drain(std::ostream& out, Followed& log, std::optional<std::size_t> tail,
           std::vector<char>& buffer, const BeforeLines& before_lines) {
    if (log.first_read && tail) {
        seek_to_tail(log.fd, *tail, buffer);  // only the last lines of what is there
    }
    log.first_read = false;
    bool got_any = false;
    for (;;) {
        const ssize_t got = ::read(log.fd.get(), buffer.data(), buffer.size());
        if (got <= 0) {
            return got_any;
        }
        if (!got_any) {
            before_lines(log);
        }
        got_any = true;
        write_lines(out, log, std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    }
}

// Opens the regular files below `directory` (an open descriptor) that are not followed yet,
// never through a link; `relative` is the directory's path in the run directory.
void open_new_logs(int directory, const fs::path& relative, const fs::path& absolute,
                   const FollowOptions& options, std::vector<Followed>& logs, int depth) {
    DIR* listing = ::fdopendir(::dup(directory));
    if (listing == nullptr) {
        return;
    }
    // Once the limit is reached, files are not even opened any more, only folders walked.
    const bool full = static_cast<std::size_t>(std::ranges::count_if(logs, [](const Followed& log) {
                          return log.from_folder;
                      })) >= k_max_folder_logs;
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(listing)) {
        const std::string_view name = entry->d_name;
        if (name != "." && name != ".." && !(full && entry->d_type == DT_REG)) {
            names.emplace_back(name);
        }
    }
    ::closedir(listing);
    std::ranges::sort(names);
    for (const auto& name : names) {
        const fs::path path = relative / name;
        if (std::ranges::any_of(logs, [&](const Followed& log) { return log.name == path; })) {
            continue;
        }
        // O_NONBLOCK: a FIFO the job left there must not hold the stream up.
        util::Fd fd(
            ::openat(directory, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode) && depth < 8) {
            open_new_logs(fd.get(), path, absolute / name, options, logs, depth + 1);
        } else if (S_ISREG(st.st_mode) &&
                   static_cast<std::size_t>(std::ranges::count_if(logs, [](const Followed& log) {
                       return log.from_folder;
                   })) < k_max_folder_logs) {
            const std::string shown = path.lexically_relative(*options.log_folder).string();
            Followed log{.source = {absolute / name, fmt::format("[logs/{}] ", shown), true, {}},
                         .name = path,
                         .json_lines = options.json_lines,
                         .from_folder = true};
            log.fd = std::move(fd);
            logs.push_back(std::move(log));
        }
    }
}

// The files of the followed folder that appeared since the last look.
void follow_folder(const fs::path& run_directory, const FollowOptions& options,
                   std::vector<Followed>& logs) {
    if (!options.log_folder) {
        return;
    }
    util::Fd folder(::open((run_directory / *options.log_folder).c_str(),
                           O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (folder) {
        open_new_logs(folder.get(), *options.log_folder, run_directory / *options.log_folder,
                      options, logs, 0);
    }
}

// The logs to follow, at their paths in the run directory.
std::vector<Followed> followed(const fs::path& run_directory, const std::vector<LogSource>& sources,
                               bool json_lines) {
    std::vector<Followed> logs;
    for (const auto& source : sources) {
        LogSource absolute = source;
        absolute.path = run_directory / source.path;
        logs.push_back(
            {.source = std::move(absolute), .name = source.path, .json_lines = json_lines});
    }
    return logs;
}

// The logs that appeared since the last look: the followed folder's files, and the sources
// the caller adds (a sweep's trials), opened where they exist.
Result<void> follow_more(const fs::path& run_directory, const FollowOptions& options,
                         std::vector<Followed>& logs) {
    follow_folder(run_directory, options, logs);
    if (!options.more_sources) {
        return {};
    }
    TRY_ASSIGN(const auto sources, options.more_sources());
    for (auto& log : followed(run_directory, sources, options.json_lines)) {
        if (std::ranges::none_of(logs,
                                 [&](const Followed& known) { return known.name == log.name; })) {
            log.fd = util::Fd(::open(log.source.path.c_str(), O_RDONLY | O_CLOEXEC));
            logs.push_back(std::move(log));
        }
    }
    return {};
}

}  // namespace

Result<std::optional<RunRecord>> stream_log(store::Workspace& workspace, std::string_view name,
                                            std::ostream& out, std::optional<std::size_t> tail,
                                            const FollowOptions& options,
                                            const std::vector<LogSource>& sources) {
    auto last_reap = Steady::time_point{};
    auto last_check = Steady::time_point{};
    std::optional<Status> seen;
    bool ended = false;
    TRY_ASSIGN(auto started, get_run(workspace.db(), name, workspace.name()));
    std::vector<Followed> logs = followed(started.directory, sources, options.json_lines);
    const auto all_open = [&] {
        return std::all_of(logs.begin(), logs.end(),
                           [](const Followed& log) { return bool(log.fd) || log.source.optional; });
    };
    std::vector<char> buffer(k_log_block);
    // The job's own lines mean it runs: a start not recorded yet is reported before them. (A
    // Slurm job can write before squeue tells the supervisor that it runs.)
    const BeforeLines job_started = [&](const Followed& log) {
        const bool by_job = log.source.rank || !log.source.optional || log.from_folder;
        if (by_job && seen && *seen < Status::running) {
            report(options, seen, Status::running);
        }
    };
    for (;;) {
        if (options.interrupted && options.interrupted()) {
            for (auto& log : logs) {
                if (!log.pending.empty()) {
                    write_pending(out, log, "");  // nothing read is lost
                    out.flush();
                }
            }
            return std::optional<RunRecord>{};
        }
        bool got_any = false;
        if (Steady::now() - last_check >= milliseconds(200) || !all_open()) {
            last_check = Steady::now();
            TRY_ASSIGN(auto status, refresh(workspace, name, options, last_reap));
            for (auto& log : logs) {
                if (!log.fd) {
                    log.fd = util::Fd(::open(log.source.path.c_str(), O_RDONLY | O_CLOEXEC));
                }
            }
            TRY(follow_more(started.directory, options, logs));
            // A run that starts says so before its lines; one that ends, after the lines it
            // wrote before the end was seen (its last lines come before Finalizing).
            if (seen && (status == Status::finalizing || is_terminal(status))) {
                for (auto& log : logs) {
                    got_any = (log.fd && drain(out, log, tail, buffer, job_started)) || got_any;
                }
            }
            report(options, seen, status);
            ended = is_terminal(status);  // then drain what is left and stop
            if (options.checked) {
                TRY(options.checked());
            }
        }
        for (auto& log : logs) {
            if (log.fd && drain(out, log, tail, buffer, job_started)) {
                got_any = true;
            }
        }
        if (ended && !got_any) {
            for (auto& log : logs) {
                if (!log.pending.empty() || log.mid_line) {
                    write_pending(out, log, "\n");
                    out.flush();
                }
            }
            if (options.checked) {
                TRY(options.checked());
            }
            return ended_record(workspace, name);
        }
        if (!got_any) {
            std::this_thread::sleep_for(milliseconds(20));
        }
    }
}

std::vector<LogSource> log_sources(const RunRecord& run, std::optional<std::int64_t> rank) {
    std::vector<LogSource> sources;
    if (run.environment.is_object()) {
        // What Preparing built comes first; a cache hit leaves no such file.
        sources.push_back({"system_logs/environment_build.txt", "[build] ", true});
    }
    const Json distribution =
        run.plan.is_object() ? run.plan.value("distribution", Json()) : Json();
    if (!distribution.is_object()) {
        sources.push_back({"user_logs/std_log.txt", ""});
        return sources;
    }
    // A distribution's processes run on each instance (a Slurm job's nodes); TensorFlow's
    // workers and parameter servers are counted across them.
    const auto per_plan = DistributionPlan::from_json(distribution);
    const auto ranks =
        per_plan.type == spec::DistributionType::tensorflow
            ? per_plan.ranks()
            : per_plan.ranks() *
                  std::max<std::int64_t>(1, run.plan.value("instances", std::int64_t{1}));
    if (rank) {
        sources.push_back({.path = rank_log(*rank), .prefix = "", .rank = *rank});
        return sources;
    }
    for (std::int64_t i = 0; i < ranks; ++i) {
        sources.push_back({.path = rank_log(i), .prefix = fmt::format("[rank {}] ", i), .rank = i});
    }
    return sources;
}

}  // namespace ferry::run
