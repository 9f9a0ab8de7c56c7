#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ferry/core/error.hpp"
#include "ferry/store/workspace.hpp"
#include "http.hpp"

// The ui's live updates as Server-Sent Events: each stream is looked at every tick and writes
// what changed since its last look as events.
namespace ferry::ui {

namespace fs = std::filesystem;

using NowMs = std::function<std::int64_t()>;

// GET /api/events?after=N: `event: runs` with the run_summary records of the runs whose status
// changed after event N (the X-Ferry-Events header of the list it updates).
class RunsFeed {
public:
    RunsFeed(std::int64_t after, NowMs now_ms) : m_after(after), m_now_ms(std::move(now_ms)) {}
    // The events of one look, "" when nothing changed.
    [[nodiscard]] Result<std::string> look(store::Workspace& workspace);

private:
    std::int64_t m_after;
    NowMs m_now_ms;
};

// GET /api/runs/NAME/stream: the run's `status` (its summary, as it changes), `metric` (the
// points logged since the last look), `log` (whole lines each log gained: {"log", "rank",
// "lines"}, from the last 1 MiB of a longer log) and, once the run has ended and its logs are
// drained, `end`.
class RunFeed {
public:
    RunFeed(std::string run, NowMs now_ms) : m_run(std::move(run)), m_now_ms(std::move(now_ms)) {}
    // What changed in the database since the last look.
    [[nodiscard]] Result<std::string> look(store::Workspace& workspace);
    // What the logs gained (no database), and `end` when the run had ended at the last look.
    [[nodiscard]] std::string read_logs();
    [[nodiscard]] bool ended() const { return m_done; }

private:
    struct Log {
        std::string path;  // relative to the run directory
        std::optional<std::int64_t> rank;
        std::uint64_t offset = 0;
        bool started = false;
        bool align = false;  // started within a line: send from the next one
    };
    std::string m_run;
    NowMs m_now_ms;
    fs::path m_directory;
    std::string m_status;
    std::int64_t m_points = 0;
    std::map<std::string, Log> m_logs;
    bool m_terminal = false;  // the run had ended at the last look
    bool m_done = false;      // `end` was sent
};

// One event: "event: NAME\ndata: JSON\n\n".
[[nodiscard]] std::string sse_event(std::string_view name, const Json& data);

}  // namespace ferry::ui
