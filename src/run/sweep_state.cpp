// A sweep's trials as the database has them, its best trial, and what `run show` tells of it.
#include <algorithm>

#include "ferry/run/sweep.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/sweep/sample.hpp"

namespace ferry::run {

namespace {

std::optional<std::int64_t> optional_integer(const store::Statement& row, int column) {
    const auto text = row.optional_text(column);
    if (!text) {
        return std::nullopt;
    }
    return row.integer(column);
}

Json trial_record(const Trial& trial) {
    Json record = {{"name", trial.name},
                   {"number", trial.number},
                   {"status", status_name(trial.status)},
                   {"values", trial.values}};
    record["metric"] = trial.metric ? Json(*trial.metric) : Json(nullptr);
    record["error"] = trial.error.empty() ? Json(nullptr) : Json(trial.error);
    record["started_ms"] = trial.started_ms ? Json(*trial.started_ms) : Json(nullptr);
    record["ended_ms"] = trial.ended_ms ? Json(*trial.ended_ms) : Json(nullptr);
    return record;
}

// Best first by the objective; trials without the metric last, by number.
void sort_by_objective(std::vector<Trial>& trials, bool maximize) {
    std::ranges::stable_sort(trials, [maximize](const Trial& a, const Trial& b) {
        if (a.metric.has_value() != b.metric.has_value()) {
            return a.metric.has_value();
        }
        if (!a.metric || *a.metric == *b.metric) {
            return a.number < b.number;
        }
        return maximize ? *a.metric > *b.metric : *a.metric < *b.metric;
    });
}

}  // namespace

Result<std::vector<Trial>> sweep_trials(store::Database& db, const RunRecord& sweep) {
    const Json objective = sweep.spec.value("objective", Json::object());
    const std::string metric = objective.value("primary_metric", std::string());
    // A trial's result: the last value it logged, or (objective_value best) its best one.
    const bool best =
        sweep.plan.value("sweep", Json::object()).value("objective_value", "") == "best";
    const std::string_view value = !best                                       ? "last"
                                   : objective.value("goal", "") == "maximize" ? "max"
                                                                               : "min";
    return db.query_all(
        "SELECT r.name, r.trial ->> '$.number', r.trial -> '$.values', r.status, r.reason, "
        "r.error, s.last_value IS NOT NULL, CASE ?3 WHEN 'last' THEN s.last_value WHEN 'max' "
        "THEN s.max_value ELSE s.min_value END, r.started_ms, r.ended_ms, coalesce(s.count, 0) "
        "FROM runs AS r LEFT JOIN run_metric_summaries AS s ON s.run = r.seq AND s.key = ?2 "
        "WHERE r.parent = ?1 AND r.trial IS NOT NULL ORDER BY r.trial ->> '$.number'",
        [](const store::Statement& row) {
            Trial trial{.name = row.text(0),
                        .number = row.integer(1),
                        .values = Json::parse(row.text(2), nullptr, false),
                        .status = parse_status(row.text(3)).value_or(Status::failed),
                        .reason = parse_reason(row.text(4)),
                        .error = row.text(5)};
            if (row.integer(6) != 0) {
                trial.metric = row.real(7);
            }
            trial.started_ms = optional_integer(row, 8);
            trial.ended_ms = optional_integer(row, 9);
            trial.reports = row.integer(10);
            return trial;
        },
        sweep.name, metric, value);
}

std::optional<std::string> best_trial(const std::vector<Trial>& trials, bool maximize) {
    std::vector<Trial> completed;
    std::ranges::copy_if(trials, std::back_inserter(completed), [](const Trial& trial) {
        return trial.status == Status::completed && trial.metric;
    });
    if (completed.empty()) {
        return std::nullopt;
    }
    sort_by_objective(completed, maximize);
    return completed.front().name;
}

Result<Json> sweep_details(store::Database& db, const RunRecord& sweep) {
    const Json& spec = sweep.spec;
    const Json objective = spec.value("objective", Json::object());
    const std::string metric = objective.value("primary_metric", std::string());
    const bool maximize = objective.value("goal", std::string()) == "maximize";
    TRY_ASSIGN(auto trials, sweep_trials(db, sweep));
    Json sampling = {{"algorithm", spec.value("sampling_algorithm", Json("random"))}};
    // The sampler's own account (space size, proposed, observed), as it stands after the
    // recorded trials.
    if (auto loaded = spec::load_job(spec.dump(), sweep.name, sweep.directory, {});
        loaded && std::holds_alternative<spec::SweepJob>(*loaded)) {
        sweep::Sampler sampler(std::get<spec::SweepJob>(*loaded),
                               sweep.plan.value("sweep", Json::object()).value("seed", 0ULL));
        for (const Trial& trial : trials) {
            sampler.take(trial.values);
            if (trial.status == Status::completed && trial.metric) {
                sampler.observe(trial.values, *trial.metric);
            }
        }
        sampling = sampler.describe();
    }
    Json counts = Json::object();
    for (const Trial& trial : trials) {
        const std::string status(status_name(trial.status));
        counts[status] = counts.value(status, 0) + 1;
    }
    const auto best = best_trial(trials, maximize);
    sort_by_objective(trials, maximize);
    Json records = Json::array();
    for (const Trial& trial : trials) {
        records.push_back(trial_record(trial));
    }
    Json shown_objective = objective;
    shown_objective["value"] =
        sweep.plan.value("sweep", Json::object()).value("objective_value", "last");
    return Json{{"sampling", std::move(sampling)},
                {"objective", std::move(shown_objective)},
                {"limits", spec.value("limits", Json::object())},
                {"early_termination", spec.value("early_termination", Json(nullptr))},
                {"trial_counts", std::move(counts)},
                {"best_trial", best ? Json(*best) : Json(nullptr)},
                {"trials", std::move(records)}};
}

}  // namespace ferry::run
