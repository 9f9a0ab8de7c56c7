#include "ferry/run/follow.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <thread>

#include "ferry/run/distribution.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/util/fd.hpp"

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

std::size_t tail_offset(std::string_view text, std::size_t lines) {
    if (lines == 0) {
        return text.size();
    }
    std::size_t end = text.size();
    if (end > 0 && text[end - 1] == '\n') {
        --end;  // the final newline ends the last line, it does not start another
    }
    std::size_t found = 0;
    while (end > 0) {
        const auto newline = text.rfind('\n', end - 1);
        if (newline == std::string_view::npos) {
            return 0;
        }
        if (++found == lines) {
            return newline + 1;
        }
        end = newline;
    }
    return 0;
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

// One followed log file: its descriptor once it exists, and the line not yet ended.
struct Followed {
    LogSource source;
    util::Fd fd;
    std::string pending;
    bool first_read = true;
};

// Writes the whole lines of `text` (each with the prefix) and keeps the rest for later.
void write_lines(std::ostream& out, Followed& log, std::string_view text) {
    log.pending.append(text);
    const auto last_newline = log.pending.rfind('\n');
    if (last_newline == std::string::npos) {
        return;
    }
    if (log.source.prefix.empty()) {
        out.write(log.pending.data(), static_cast<std::streamsize>(last_newline + 1));
    } else {
        std::size_t start = 0;
        while (start <= last_newline) {
            const auto end = log.pending.find('\n', start);
            out << log.source.prefix;
            out.write(log.pending.data() + start, static_cast<std::streamsize>(end + 1 - start));
            start = end + 1;
        }
    }
    out.flush();
    log.pending.erase(0, last_newline + 1);
}

// Reads what the file has now; true when there was anything.
bool drain(std::ostream& out, Followed& log, std::optional<std::size_t> tail, char* buffer,
           std::size_t size) {
    std::string chunk;
    for (;;) {
        const ssize_t got = ::read(log.fd.get(), buffer, size);
        if (got <= 0) {
            break;
        }
        chunk.append(buffer, static_cast<std::size_t>(got));
    }
    if (log.first_read && tail) {
        chunk.erase(0, tail_offset(chunk, *tail));  // only the last lines of what is there
    }
    log.first_read = false;
    write_lines(out, log, chunk);
    return !chunk.empty();
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
    std::vector<Followed> logs;
    for (const auto& source : sources) {
        logs.push_back(
            {{started.directory / source.path, source.prefix, source.optional}, {}, {}, true});
    }
    const auto all_open = [&] {
        return std::all_of(logs.begin(), logs.end(),
                           [](const Followed& log) { return bool(log.fd) || log.source.optional; });
    };
    std::vector<char> buffer(65536);
    for (;;) {
        if (options.interrupted && options.interrupted()) {
            for (auto& log : logs) {
                if (!log.pending.empty()) {
                    out << log.source.prefix << log.pending << std::flush;  // nothing read is lost
                }
            }
            return std::optional<RunRecord>{};
        }
        if (Steady::now() - last_check >= milliseconds(200) || !all_open()) {
            last_check = Steady::now();
            TRY_ASSIGN(auto status, refresh(workspace, name, options, last_reap));
            report(options, seen, status);
            for (auto& log : logs) {
                if (!log.fd) {
                    log.fd = util::Fd(::open(log.source.path.c_str(), O_RDONLY | O_CLOEXEC));
                }
            }
            ended = is_terminal(status);  // then drain what is left and stop
        }
        bool got_any = false;
        for (auto& log : logs) {
            if (log.fd && drain(out, log, tail, buffer.data(), buffer.size())) {
                got_any = true;
            }
        }
        if (ended && !got_any) {
            for (auto& log : logs) {
                if (!log.pending.empty()) {
                    out << log.source.prefix << log.pending << '\n' << std::flush;
                }
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
    const auto ranks = DistributionPlan::from_json(distribution).ranks();
    if (rank) {
        sources.push_back({rank_log(*rank), ""});
        return sources;
    }
    for (std::int64_t i = 0; i < ranks; ++i) {
        sources.push_back({rank_log(i), fmt::format("[rank {}] ", i)});
    }
    return sources;
}

}  // namespace ferry::run
