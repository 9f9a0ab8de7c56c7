#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/store/database.hpp"

// What a run tracks, in MLflow's data model: metrics as points (a key's value at a step and a
// time), params (set once: a second, different value is refused) and tags (set again at will).
namespace ferry::track {

struct Point {
    std::string key;
    double value = 0;
    std::int64_t timestamp_ms = 0;
    std::int64_t step = 0;
};

// One write, as MLflow's log-batch carries it; every part may be empty.
struct Batch {
    std::vector<Point> metrics;
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::pair<std::string, std::string>> tags;
};

// MLflow's limits on one log-batch and on its values.
inline constexpr std::size_t k_max_batch_metrics = 1000;
inline constexpr std::size_t k_max_batch_params = 100;
inline constexpr std::size_t k_max_batch_tags = 100;
inline constexpr std::size_t k_max_batch_total = 1000;
inline constexpr std::size_t k_max_key_length = 250;
inline constexpr std::size_t k_max_param_length = 6000;
inline constexpr std::size_t k_max_tag_length = 8000;

// Why a write was refused: MLflow's error codes.
enum class Refusal { invalid_parameter, not_found, invalid_state };

struct Refused {
    Refusal refusal = Refusal::invalid_parameter;
    std::string message;
};

// Records the batch in one transaction while the run has not ended; nothing of a refused
// batch is kept. A system error of the database is an Error (as every Result).
[[nodiscard]] Result<std::optional<Refused>> log_batch(store::Database& db, std::string_view run,
                                                       const Batch& batch);
// Sets tags on any run, live or ended, as `ferry run tag RUN` does from outside its job.
[[nodiscard]] Result<std::optional<Refused>> set_tags(
    store::Database& db, std::string_view run,
    const std::vector<std::pair<std::string, std::string>>& tags);
// Removes a tag; refused when the run has ended or has no such tag.
[[nodiscard]] Result<std::optional<Refused>> delete_tag(store::Database& db, std::string_view run,
                                                        std::string_view key);

// Every point of one metric, by step then time.
[[nodiscard]] Result<std::vector<Point>> metric_history(store::Database& db, std::string_view run,
                                                        std::string_view key);

// The points a run logged after the one numbered `after` (0: from its first), in the order
// they were stored, at most `limit`; each with its number, for the next call.
struct Logged {
    std::int64_t number = 0;
    Point point;
};
[[nodiscard]] Result<std::vector<Logged>> points_after(store::Database& db, std::string_view run,
                                                       std::int64_t after, std::size_t limit);

// A metric's summary: its last point (by step, then time), and its range over every point.
struct Summary {
    Point last;
    double min = 0;
    double max = 0;
    std::int64_t count = 0;
};
// A summary from a row of the table the store keeps them in (run_metric_summaries), its
// columns selected from `first` on as: key, last_value, last_timestamp, last_step,
// min_value, max_value, count.
[[nodiscard]] Summary read_summary(const store::Statement& row, int first = 0);

// What a run tracked: every metric's summary, its params and tags, each by key.
struct RunData {
    std::map<std::string, Summary> metrics;
    std::map<std::string, std::string> params;
    std::map<std::string, std::string> tags;
};
[[nodiscard]] Result<RunData> run_data(store::Database& db, std::string_view run);

}  // namespace ferry::track
