#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

// Following a run from another process: waiting for its end, and streaming its log live.
namespace ferry::run {

// A log file of a run (relative to its directory) and what to put before each of its lines.
struct LogSource {
    fs::path path;
    std::string prefix;
    bool optional = false;  // may never exist (an environment's build log on a cache hit)
    std::optional<std::int64_t> rank;  // a distributed run's rank that writes it
};

struct FollowOptions {
    std::function<bool()> interrupted;           // Ctrl-C: stop following, the run goes on
    const Seams* seams = nullptr;                // for ending the run if its supervisor is lost
    std::function<void(Status)> status_changed;  // each status seen, the first one included
    // Each line of a log as one JSON object on its own line (JSON Lines): {"type": "log",
    // "log", "rank", "time", "text"}, and "partial": true on a piece of a line longer than a
    // block; otherwise lines as they are, each after its source's prefix.
    bool json_lines = false;
    // Also every regular file that appears below this folder of the run directory (its
    // ./logs), never through a link, each line prefixed "[logs/NAME] "; at most
    // k_max_folder_logs of them.
    std::optional<fs::path> log_folder;
    // Called with each look at the run's status (about 5 times a second) and once more after
    // its end, before the stream returns: what the caller follows besides the logs (the
    // metrics it logs). An error stops the stream.
    std::function<Result<void>()> checked;
    // Called with each look at the run's status: logs to follow from then on, besides the
    // sources given (a sweep's trials as they start); one already followed is left as it is.
    std::function<Result<std::vector<LogSource>>()> more_sources;
};

inline constexpr std::size_t k_max_folder_logs = 64;

// Waits until the run has ended; nullopt when interrupted.
[[nodiscard]] Result<std::optional<RunRecord>> wait_for_end(store::Workspace& workspace,
                                                            std::string_view name,
                                                            const FollowOptions& options);

// The logs `run stream` follows: the one log of a single process; of a distributed run the
// log of `rank`, or with nullopt every rank's, each line prefixed "[rank N] ".
[[nodiscard]] std::vector<LogSource> log_sources(const RunRecord& run,
                                                 std::optional<std::int64_t> rank);

// Copies the logs to `out` as they grow, whole lines at a time, from the start or from their
// last `tail` lines, until the run has ended and the logs are drained (nullopt when
// interrupted first). Waits for logs that do not exist yet.
[[nodiscard]] Result<std::optional<RunRecord>> stream_log(store::Workspace& workspace,
                                                          std::string_view name, std::ostream& out,
                                                          std::optional<std::size_t> tail,
                                                          const FollowOptions& options,
                                                          const std::vector<LogSource>& sources);

// The offset where the last `lines` lines of `text` start.
[[nodiscard]] std::size_t tail_offset(std::string_view text, std::size_t lines);

// Logs are read, and a line held, at most this many bytes at a time.
inline constexpr std::size_t k_log_block = 65536;
// The bytes [offset, offset + length) of a text (fewer when it cannot read them all).
using ReadBlock = std::function<std::string_view(std::uint64_t offset, std::size_t length)>;
// The same for a text of `size` bytes read backwards a block at a time: a tail of a log of
// any size costs one block of memory.
[[nodiscard]] std::uint64_t tail_offset(std::uint64_t size, std::size_t lines,
                                        const ReadBlock& read_block);

}  // namespace ferry::run
