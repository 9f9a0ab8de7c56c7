#include "ferry/run/follow.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <ostream>
#include <thread>

#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/util/fd.hpp"

namespace ferry::run {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The run's status, after ending the run when its supervisor is gone (checked each second).
Result<Status> refresh(store::Workspace& workspace, std::string_view name,
                       const FollowOptions& options, Clock::time_point& last_reap) {
    if (Clock::now() - last_reap >= milliseconds(1000)) {
        last_reap = Clock::now();
        if (auto reaped = reap_lost_runs(workspace, options.now, name); !reaped) {
            return std::unexpected(reaped.error());
        }
    }
    auto status = find_status(workspace.db(), name);
    if (!status) {
        return std::unexpected(status.error());
    }
    if (!*status) {
        return fail("run {} was deleted while being followed", name);
    }
    return **status;
}

// The whole record, once the run has ended.
Result<std::optional<RunRecord>> ended_record(store::Workspace& workspace, std::string_view name) {
    auto run = get_run(workspace.db(), name, workspace.name());
    if (!run) {
        return std::unexpected(run.error());
    }
    return std::optional<RunRecord>{std::move(*run)};
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
    auto last_reap = Clock::time_point{};
    std::optional<Status> seen;
    // Short runs are common (CI smoke tests): look often at first, then less and less.
    const auto began = Clock::now();
    auto pause = milliseconds(10);
    for (;;) {
        auto status = refresh(workspace, name, options, last_reap);
        if (!status) {
            return std::unexpected(status.error());
        }
        report(options, seen, *status);
        if (is_terminal(*status)) {
            return ended_record(workspace, name);
        }
        for (auto slept = milliseconds(0); slept < pause; slept += milliseconds(10)) {
            if (options.interrupted && options.interrupted()) {
                return std::optional<RunRecord>{};
            }
            std::this_thread::sleep_for(milliseconds(10));
        }
        if (Clock::now() - began > milliseconds(500)) {
            pause = std::min(pause * 2, milliseconds(100));
        }
    }
}

Result<std::optional<RunRecord>> stream_log(store::Workspace& workspace, std::string_view name,
                                            std::ostream& out, std::optional<std::size_t> tail,
                                            const FollowOptions& options) {
    auto last_reap = Clock::time_point{};
    auto last_check = Clock::time_point{};
    std::optional<Status> seen;
    util::Fd log;
    std::string pending;  // a line not yet ended
    bool first_read = true;
    bool ended = false;
    auto started = get_run(workspace.db(), name, workspace.name());
    if (!started) {
        return std::unexpected(started.error());
    }
    const fs::path log_path = std_log(started->directory);
    char buffer[65536];
    for (;;) {
        if (options.interrupted && options.interrupted()) {
            if (!pending.empty()) {
                out << pending << std::flush;
            }
            return std::optional<RunRecord>{};
        }
        if (Clock::now() - last_check >= milliseconds(200) || !log) {
            last_check = Clock::now();
            auto status = refresh(workspace, name, options, last_reap);
            if (!status) {
                return std::unexpected(status.error());
            }
            report(options, seen, *status);
            if (!log) {
                log = util::Fd(::open(log_path.c_str(), O_RDONLY | O_CLOEXEC));
            }
            ended = is_terminal(*status);  // then drain what is left and stop
        }
        bool got_any = false;
        if (log) {
            if (first_read && tail) {
                // Only the last lines of what is there now.
                std::string existing;
                for (;;) {
                    const ssize_t got = ::read(log.get(), buffer, sizeof buffer);
                    if (got <= 0) {
                        break;
                    }
                    existing.append(buffer, static_cast<std::size_t>(got));
                }
                const auto start = tail_offset(existing, *tail);
                const auto last_newline = existing.rfind('\n');
                if (last_newline != std::string::npos && last_newline + 1 > start) {
                    out.write(existing.data() + start,
                              static_cast<std::streamsize>(last_newline + 1 - start));
                    out.flush();
                    pending = existing.substr(last_newline + 1);
                } else {
                    pending = existing.substr(start);
                }
            }
            first_read = false;
            for (;;) {
                const ssize_t got = ::read(log.get(), buffer, sizeof buffer);
                if (got <= 0) {
                    break;
                }
                got_any = true;
                pending.append(buffer, static_cast<std::size_t>(got));
            }
            const auto last_newline = pending.rfind('\n');
            if (last_newline != std::string::npos) {
                out.write(pending.data(), static_cast<std::streamsize>(last_newline + 1));
                out.flush();
                pending.erase(0, last_newline + 1);
            }
        }
        if (ended && !got_any) {
            if (!pending.empty()) {
                out << pending << '\n' << std::flush;
            }
            return ended_record(workspace, name);
        }
        if (!got_any) {
            std::this_thread::sleep_for(milliseconds(20));
        }
    }
}

}  // namespace ferry::run
