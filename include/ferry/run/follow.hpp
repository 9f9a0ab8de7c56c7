#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <optional>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/workspace.hpp"

// Following a run from another process: waiting for its end, and streaming its log live.
namespace ferry::run {

struct FollowOptions {
    std::function<bool()> interrupted;           // Ctrl-C: stop following, the run goes on
    std::function<Stamp()> now;                  // the clock of the lost-supervisor check
    std::function<void(Status)> status_changed;  // each status seen, the first one included
};

// Waits until the run has ended; nullopt when interrupted.
[[nodiscard]] Result<std::optional<RunRecord>> wait_for_end(store::Workspace& workspace,
                                                            std::string_view name,
                                                            const FollowOptions& options);

// Copies the run's log to `out` as it grows, whole lines at a time, from the start or from
// its last `tail` lines, until the run has ended and the log is drained (nullopt when
// interrupted first). Waits for the log when the run has not started yet.
[[nodiscard]] Result<std::optional<RunRecord>> stream_log(store::Workspace& workspace,
                                                          std::string_view name, std::ostream& out,
                                                          std::optional<std::size_t> tail,
                                                          const FollowOptions& options);

// The offset where the last `lines` lines of `text` start.
[[nodiscard]] std::size_t tail_offset(std::string_view text, std::size_t lines);

}  // namespace ferry::run
