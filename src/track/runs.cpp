#include "ferry/track/runs.hpp"

#include <chrono>

#include <fmt/format.h>

#include "ferry/util/time.hpp"

namespace ferry::track {

namespace {

using Json = nlohmann::json;

constexpr std::string_view k_ended = "('Completed', 'Failed', 'Canceled')";

std::string utc_of(std::int64_t ms) {
    return util::format_utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

Refused not_found(std::string_view run) {
    return {Refusal::not_found, fmt::format("Run '{}' not found", run)};
}

std::optional<std::int64_t> optional_integer(const store::Statement& row, int column) {
    return row.optional_text(column) ? std::optional(row.integer(column)) : std::nullopt;
}

}  // namespace

Result<std::optional<RunInfo>> find_run_info(store::Database& db, std::string_view run) {
    return db.query_one(
        "SELECT name, display_name, experiment, status, parent, submitted_by, started_ms, "
        "ended_ms FROM runs WHERE name = ?1",
        [](const store::Statement& row) {
            return RunInfo{row.text(0),
                           row.text(1),
                           row.text(2),
                           row.text(3),
                           row.optional_text(4).value_or(""),
                           row.text(5),
                           optional_integer(row, 6),
                           optional_integer(row, 7)};
        },
        run);
}

Result<std::variant<std::string, Refused>> create_nested(store::Database& db,
                                                         const NestedRun& run) {
    std::variant<std::string, Refused> outcome = not_found(run.parent);
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto parent, find_run_info(db, run.parent));
        if (!parent) {
            return {};
        }
        if (parent->status == "Completed" || parent->status == "Failed" ||
            parent->status == "Canceled") {
            outcome = Refused{Refusal::invalid_state,
                              fmt::format("The run {} has ended ({}): it takes no nested runs",
                                          run.parent, parent->status)};
            return {};
        }
        TRY_ASSIGN(auto children, db.query_one("SELECT count(*) FROM runs WHERE parent = ?1",
                                               store::first_integer, run.parent));
        const std::string name = fmt::format("{}_{}", run.parent, children.value_or(0) + 1);
        const std::string display = run.display_name.empty() ? name : run.display_name;
        const std::string at = utc_of(run.start_ms);
        TRY(db.execute(
            "INSERT INTO runs (name, display_name, experiment, compute, runtime, status, "
            "created_at, created_ms, started_at, started_ms, command, spec, plan, directory, "
            "submitted_by, parent) SELECT ?2, ?3, experiment, compute, runtime, 'Running', ?4, "
            "?5, ?4, ?5, '', '{}', '{}', directory || '/nested/' || ?2, submitted_by, name "
            "FROM runs WHERE name = ?1",
            run.parent, name, display, at, run.start_ms));
        TRY(db.execute(
            "INSERT INTO run_events (run, status, at, detail) SELECT seq, 'Running', "
            "?2, ?3 FROM runs WHERE name = ?1",
            name, at, fmt::format("nested run of {}, made by its MLflow client", run.parent)));
        // The client's own tags win: its mlflow.parentRunId names the run it nested this in.
        std::vector<std::pair<std::string, std::string>> tags = {{"mlflow.parentRunId", run.parent},
                                                                 {"mlflow.runName", display}};
        tags.insert(tags.end(), run.tags.begin(), run.tags.end());
        for (const auto& [key, value] : tags) {
            TRY(
                db.execute("INSERT INTO run_tags (run, key, value) SELECT seq, ?2, ?3 FROM runs "
                           "WHERE name = ?1 ON CONFLICT (run, key) DO UPDATE SET value = "
                           "excluded.value",
                           name, key, value));
        }
        outcome = name;
        return {};
    }));
    return outcome;
}

Result<std::optional<Refused>> end_nested(store::Database& db, std::string_view run,
                                          std::string_view status, std::int64_t end_ms) {
    std::optional<Refused> refused;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto info, find_run_info(db, run));
        if (!info || info->parent.empty()) {
            refused = not_found(run);
            return {};
        }
        const std::string at = utc_of(end_ms);
        TRY_ASSIGN(auto ended,
                   db.query_all(fmt::format("UPDATE runs SET status = ?2, ended_at = ?3, "
                                            "ended_ms = ?4 WHERE name = ?1 AND status NOT IN {} "
                                            "RETURNING seq",
                                            k_ended),
                                store::first_integer, run, status, at, end_ms));
        if (!ended.empty()) {
            TRY(
                db.execute("INSERT INTO run_events (run, status, at, detail) VALUES (?1, ?2, "
                           "?3, 'ended by its MLflow client')",
                           ended.front(), status, at));
        }
        return {};
    }));
    return refused;
}

Result<std::optional<Refused>> delete_nested(store::Database& db, std::string_view run) {
    std::optional<Refused> refused;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto info, find_run_info(db, run));
        if (!info) {
            refused = not_found(run);
            return {};
        }
        if (info->parent.empty()) {
            refused = Refused{Refusal::invalid_state,
                              fmt::format("The run {} is the job's own: `ferry run delete {}` "
                                          "deletes it once it has ended",
                                          run, run)};
            return {};
        }
        for (const auto* table : {"run_metrics", "run_metric_summaries", "run_params", "run_tags",
                                  "run_inputs", "run_events"}) {
            TRY(db.execute(fmt::format("DELETE FROM {} WHERE run = (SELECT seq FROM runs WHERE "
                                       "name = ?1)",
                                       table),
                           run));
        }
        return db.execute("DELETE FROM runs WHERE name = ?1", run);
    }));
    return refused;
}

Result<std::optional<Refused>> log_inputs(store::Database& db, std::string_view run,
                                          const std::vector<std::pair<Json, Json>>& inputs) {
    std::optional<Refused> refused;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto info, find_run_info(db, run));
        if (!info) {
            refused = not_found(run);
            return {};
        }
        for (const auto& [dataset, tags] : inputs) {
            TRY(
                db.execute("INSERT INTO run_inputs (run, dataset, tags) SELECT seq, ?2, ?3 FROM "
                           "runs WHERE name = ?1",
                           run, dataset.dump(), tags.dump()));
        }
        return {};
    }));
    return refused;
}

Result<Json> dataset_inputs(store::Database& db, std::string_view run) {
    TRY_ASSIGN(auto rows, db.query_all(
                              "SELECT i.dataset, i.tags FROM run_inputs i JOIN runs r ON r.seq = "
                              "i.run WHERE r.name = ?1 ORDER BY i.rowid",
                              [](const store::Statement& row) {
                                  return Json{{"dataset", Json::parse(row.text(0))},
                                              {"tags", Json::parse(row.text(1))}};
                              },
                              run));
    return Json(std::move(rows));
}

Result<std::vector<std::string>> experiment_names(store::Database& db) {
    return db.query_all("SELECT DISTINCT experiment FROM runs ORDER BY experiment",
                        store::first_text);
}

Result<std::vector<std::string>> search_runs(store::Database& db, const RunSearch& search) {
    const auto query = to_sql(search.filter, search.order, 4);
    const std::string sql = fmt::format(
        "SELECT name FROM runs WHERE experiment IN (SELECT value FROM json_each(?1)){} "
        "ORDER BY {}seq DESC LIMIT ?2 OFFSET ?3",
        query.where.empty() ? std::string() : " AND (" + query.where + ")",
        query.order_by.empty() ? std::string() : query.order_by + ", ");
    TRY_ASSIGN(auto statement, db.prepare(sql));
    statement.bind_all(Json(search.experiments).dump(), search.limit, search.offset);
    bind(statement, query);
    std::vector<std::string> names;
    for (;;) {
        TRY_ASSIGN(const bool row, statement.step());
        if (!row) {
            return names;
        }
        names.push_back(statement.text(0));
    }
}

}  // namespace ferry::track
