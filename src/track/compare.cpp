#include "ferry/track/compare.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ferry::track {

namespace {

// Words in a metric's name that make a smaller value the better one.
constexpr std::array<std::string_view, 8> k_smaller_is_better = {
    "loss", "err", "mse", "mae", "perplexity", "time", "latency", "duration"};

// Each run's index in `runs`, by its seq; names that are no run's are left out.
Result<std::unordered_map<std::int64_t, std::size_t>> run_indexes(
    store::Database& db, const std::vector<std::string>& runs) {
    TRY_ASSIGN(auto rows, db.query_all(
                              "SELECT runs.seq, wanted.key FROM json_each(?1) AS wanted "
                              "JOIN runs ON runs.name = wanted.value",
                              [](const store::Statement& row) {
                                  return std::pair{row.integer(0), row.integer(1)};
                              },
                              nlohmann::json(runs).dump()));
    std::unordered_map<std::int64_t, std::size_t> indexes;
    for (const auto& [seq, index] : rows) {
        indexes.emplace(seq, static_cast<std::size_t>(index));
    }
    return indexes;
}

// Every metric's summary of the runs, in one query.
Result<void> add_summaries(store::Database& db, const std::string& seqs,
                           const std::unordered_map<std::int64_t, std::size_t>& indexes,
                           std::vector<RunData>& data) {
    TRY_ASSIGN(auto rows, db.query_all(
                              "SELECT run, key, last_value, last_timestamp, last_step, "
                              "min_value, max_value, count FROM run_metric_summaries WHERE run "
                              "IN (SELECT value FROM json_each(?1))",
                              [](const store::Statement& row) {
                                  return std::pair{row.integer(0), read_summary(row, 1)};
                              },
                              seqs));
    for (auto& [seq, summary] : rows) {
        auto& metrics = data[indexes.at(seq)].metrics;
        metrics.emplace(summary.last.key, std::move(summary));
    }
    return {};
}

// Every param (or tag) of the runs, in one query.
Result<void> add_pairs(store::Database& db, std::string_view table, const std::string& seqs,
                       const std::unordered_map<std::int64_t, std::size_t>& indexes,
                       std::vector<RunData>& data) {
    TRY_ASSIGN(auto rows, db.prepare(fmt::format("SELECT run, key, value FROM {} WHERE run IN "
                                                 "(SELECT value FROM json_each(?1))",
                                                 table)));
    rows.bind(1, seqs);
    for (;;) {
        TRY_ASSIGN(const bool row, rows.step());
        if (!row) {
            return {};
        }
        RunData& run = data[indexes.at(rows.integer(0))];
        (table == "run_params" ? run.params : run.tags).emplace(rows.text(1), rows.text(2));
    }
}

bool better(Direction direction, double value, double than) {
    return direction == Direction::maximize ? value > than : value < than;
}

// The run whose last value is best, finite values only; the first of equals.
std::optional<std::size_t> best_of(const MetricRow& row) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < row.values.size(); ++i) {
        const auto& summary = row.values[i];
        if (!summary || !std::isfinite(summary->last.value)) {
            continue;
        }
        if (!best || better(row.direction, summary->last.value, row.values[*best]->last.value)) {
            best = i;
        }
    }
    return best;
}

}  // namespace

std::string_view direction_name(Direction direction) {
    return direction == Direction::maximize ? "max" : "min";
}

Direction direction_of(std::string_view key) {
    std::string lower(key);
    std::ranges::transform(lower, lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool smaller = std::ranges::any_of(k_smaller_is_better, [&](std::string_view word) {
        return lower.find(word) != std::string::npos;
    });
    return smaller ? Direction::minimize : Direction::maximize;
}

Result<std::vector<RunData>> runs_data(store::Database& db, const std::vector<std::string>& runs) {
    std::vector<RunData> data(runs.size());
    TRY_ASSIGN(const auto indexes, run_indexes(db, runs));
    if (indexes.empty()) {
        return data;
    }
    nlohmann::json seqs = nlohmann::json::array();
    for (const auto& [seq, index] : indexes) {
        seqs.push_back(seq);
    }
    const std::string text = seqs.dump();
    TRY(add_summaries(db, text, indexes, data));
    TRY(add_pairs(db, "run_params", text, indexes, data));
    TRY(add_pairs(db, "run_tags", text, indexes, data));
    return data;
}

Comparison compare(std::vector<std::string> runs, const std::vector<RunData>& data,
                   const std::map<std::string, Direction>& directions) {
    const std::size_t count = data.size();
    std::map<std::string, ParamRow> params;
    std::map<std::string, MetricRow> metrics;
    for (std::size_t i = 0; i < count; ++i) {
        for (const auto& [key, value] : data[i].params) {
            auto& row = params[key];
            row.values.resize(count);
            row.values[i] = value;
        }
        for (const auto& [key, summary] : data[i].metrics) {
            auto& row = metrics[key];
            row.values.resize(count);
            row.values[i] = summary;
        }
    }
    Comparison comparison{.runs = std::move(runs), .params = {}, .metrics = {}};
    for (auto& [key, row] : params) {
        row.key = key;
        row.differs =
            std::ranges::any_of(row.values, [&](const auto& v) { return v != row.values[0]; });
        comparison.params.push_back(std::move(row));
    }
    for (auto& [key, row] : metrics) {
        row.key = key;
        const auto given = directions.find(key);
        row.direction = given != directions.end() ? given->second : direction_of(key);
        row.best = best_of(row);
        comparison.metrics.push_back(std::move(row));
    }
    return comparison;
}

Result<Comparison> compare_runs(store::Database& db, const std::vector<std::string>& runs,
                                const std::map<std::string, Direction>& directions) {
    TRY_ASSIGN(const auto data, runs_data(db, runs));
    return compare(runs, data, directions);
}

}  // namespace ferry::track
