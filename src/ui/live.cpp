// The ui's live updates.
#include "live.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ferry/run/describe.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/query.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/text.hpp"

namespace ferry::ui {

namespace {

// A log longer than this is sent from its last this many bytes.
constexpr std::uint64_t k_log_start = 1 << 20;
// At most this many bytes of a log a look, and points a look.
constexpr std::size_t k_log_read = 256 * 1024;
constexpr std::size_t k_points_read = 5000;

}  // namespace

std::string sse_event(std::string_view name, const Json& data) {
    return fmt::format("event: {}\ndata: {}\n\n", name,
                       data.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Result<std::string> RunsFeed::look(store::Workspace& workspace) {
    TRY_ASSIGN(const auto changes, run::runs_changed_after(workspace.db(), m_after));
    m_after = changes.last;
    if (changes.runs.empty()) {
        return std::string();
    }
    Json records = Json::array();
    const auto now = m_now_ms();
    for (const auto& name : changes.runs) {
        TRY_ASSIGN(const auto found, run::find_run(workspace.db(), name));
        if (!found) {
            records.push_back({{"name", name}, {"deleted", true}});
            continue;
        }
        // The list's record, and the parent of a child run (which a top-level list leaves out).
        records.push_back(run::run_summary(*found, now));
        if (!found->parent.empty()) {
            records.back()["parent"] = found->parent;
        }
    }
    return sse_event("runs", {{"after", m_after}, {"runs", std::move(records)}});
}

Result<std::string> RunFeed::look(store::Workspace& workspace) {
    TRY_ASSIGN(const auto record, run::get_run(workspace.db(), m_run, workspace.name()));
    std::string events;
    m_directory = record.directory;
    auto summary = run::run_summary(record, m_now_ms());
    if (const auto status = summary["status"].get<std::string>(); status != m_status) {
        m_status = status;
        events += sse_event("status", summary);
    }
    TRY_ASSIGN(const auto points,
               track::points_after(workspace.db(), m_run, m_points, k_points_read));
    if (!points.empty()) {
        Json logged = Json::array();
        for (const auto& [number, point] : points) {
            logged.push_back({{"key", point.key},
                              {"value", point.value},
                              {"step", point.step},
                              {"timestamp", point.timestamp_ms}});
            m_points = number;
        }
        events += sse_event("metric", logged);
    }
    for (const auto& source : run::log_sources(record, std::nullopt)) {
        const std::string path = source.path.string();
        if (!m_logs.contains(path)) {
            m_logs[path] = Log{path, source.rank, 0, false};
        }
    }
    m_terminal = run::is_terminal(record.status);
    return events;
}

std::string RunFeed::read_logs() {
    std::string events;
    bool drained = true;
    for (auto& [path, log] : m_logs) {
        const util::Fd fd(::open((m_directory / path).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;
        }
        const auto size = static_cast<std::uint64_t>(st.st_size);
        if (size < log.offset) {
            log = Log{path, log.rank};  // truncated or replaced: read it anew
        }
        if (!log.started) {
            log.started = true;
            log.align = size > k_log_start;
            log.offset = log.align ? size - k_log_start : 0;
        }
        if (size <= log.offset) {
            continue;
        }
        std::string text(
            static_cast<std::size_t>(std::min<std::uint64_t>(size - log.offset, k_log_read)), '\0');
        const ssize_t got =
            ::pread(fd.get(), text.data(), text.size(), static_cast<off_t>(log.offset));
        text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
        if (log.offset + text.size() < size) {
            drained = false;
        }
        std::size_t begin = 0;
        if (log.align) {
            const auto newline = text.find('\n');
            if (newline == std::string::npos) {
                log.offset += text.size();
                continue;
            }
            begin = newline + 1;
            log.align = false;
        }
        // Whole lines; a run that has ended writes no more, so its last piece goes too.
        const auto last = text.rfind('\n');
        std::size_t end = last == std::string::npos || last < begin ? begin : last + 1;
        // A line longer than a read goes in pieces.
        if ((m_terminal && log.offset + text.size() == size) ||
            (end == begin && text.size() == k_log_read)) {
            end = text.size();
        }
        const std::uint64_t skipped = begin > 0 ? log.offset + begin : 0;
        log.offset += end;
        if (end <= begin) {
            continue;
        }
        Json lines = Json::array();
        for (const auto line : util::lines(std::string_view(text).substr(begin, end - begin))) {
            lines.push_back(std::string(line));
        }
        events += sse_event("log", {{"log", path},
                                    {"rank", log.rank ? Json(*log.rank) : Json(nullptr)},
                                    {"skipped", skipped ? log.offset - end + begin : 0},
                                    {"lines", std::move(lines)}});
    }
    if (m_terminal && drained && !m_done) {
        m_done = true;
        events += sse_event("end", {{"status", m_status}});
    }
    return events;
}

}  // namespace ferry::ui
