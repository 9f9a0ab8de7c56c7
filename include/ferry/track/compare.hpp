#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/store/database.hpp"
#include "ferry/track/store.hpp"

// Runs side by side (`ferry run compare`): each param with whether the runs disagree on it,
// each metric's last value per run with the best run marked, the direction of "best" said by
// the user or read from the metric's name.
namespace ferry::track {

enum class Direction { maximize, minimize };

// "max" or "min", as -o json records it.
[[nodiscard]] std::string_view direction_name(Direction direction);
// Minimize when the name (any case) holds loss, err (error), mse, mae, perplexity, time,
// latency or duration; maximize otherwise (accuracy, f1, auc, precision, score...).
[[nodiscard]] Direction direction_of(std::string_view key);

// What each run tracked, in the order of `runs`, from a few queries for all of them (not one
// per run); a name that is no run's gets empty data.
[[nodiscard]] Result<std::vector<RunData>> runs_data(store::Database& db,
                                                     const std::vector<std::string>& runs);

struct ParamRow {
    std::string key;
    std::vector<std::optional<std::string>> values;  // one per run; nullopt: not logged
    bool differs = false;  // not every run has the same value (a missing one counts)
};

struct MetricRow {
    std::string key;
    Direction direction = Direction::maximize;
    std::vector<std::optional<Summary>> values;  // one per run; nullopt: not logged
    std::optional<std::size_t> best;             // the run with the best last value; ties: first
};

struct Comparison {
    std::vector<std::string> runs;
    std::vector<ParamRow> params;    // every param any run has, by key
    std::vector<MetricRow> metrics;  // every metric any run logged, by key
};

// The comparison of runs whose data is `data` (one per run, in order); `directions` win over
// direction_of.
[[nodiscard]] Comparison compare(std::vector<std::string> runs, const std::vector<RunData>& data,
                                 const std::map<std::string, Direction>& directions);
// runs_data, then compare.
[[nodiscard]] Result<Comparison> compare_runs(store::Database& db,
                                              const std::vector<std::string>& runs,
                                              const std::map<std::string, Direction>& directions);

}  // namespace ferry::track
