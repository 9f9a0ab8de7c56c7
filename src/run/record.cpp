#include "ferry/run/record.hpp"

#include "ferry/run/plan.hpp"
#include "ferry/util/text.hpp"

#include <algorithm>
#include <charconv>

namespace ferry::run {

namespace {

// What RunSummary holds, as read_summary reads them; the whole row's columns start with them.
constexpr std::string_view k_summary_columns =
    "seq, name, experiment, compute, status, created_at, created_ms, started_at, started_ms, "
    "ended_at, ended_ms, heartbeat_ms, exit_code, archived, "
    "(SELECT json_group_object(key, value) FROM run_tags WHERE run = runs.seq)";
constexpr int k_summary_count = 15;  // the columns above: read_row reads the rest after them

// The whole row, as read_row reads it.
const std::string& all_columns() {
    static const std::string columns = fmt::format(
        "{}, display_name, runtime, holds_slot, snapshot, command, spec, plan, directory, "
        "submitted_by, supervisor_pid, boot_id, cancel_grace, reason, error, artifacts, "
        "environment, notes, scheduler, snapshot_new_files, snapshot_new_bytes, "
        "(SELECT files FROM snapshots WHERE id = runs.snapshot), "
        "(SELECT bytes FROM snapshots WHERE id = runs.snapshot), parent, trial, cancel_reason",
        k_summary_columns);
    return columns;
}

std::optional<std::int64_t> optional_integer(const store::Statement& stmt, int column) {
    const auto text = stmt.optional_text(column);
    if (!text) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    std::from_chars(text->data(), text->data() + text->size(), value);
    return value;
}

std::optional<Stamp> optional_stamp(const store::Statement& stmt, int text_column) {
    auto text = stmt.optional_text(text_column);
    if (!text) {
        return std::nullopt;
    }
    return Stamp{*text, optional_integer(stmt, text_column + 1).value_or(0)};
}

Json parse_json(const std::string& text) {
    return Json::parse(text, nullptr, false);
}

RunSummary read_summary(const store::Statement& stmt) {
    RunSummary run;
    run.seq = stmt.integer(0);
    run.name = stmt.text(1);
    run.experiment = stmt.text(2);
    run.compute = stmt.text(3);
    run.status = parse_status(stmt.text(4)).value_or(Status::failed);
    run.created = Stamp{stmt.text(5), stmt.integer(6)};
    run.started = optional_stamp(stmt, 7);
    run.ended = optional_stamp(stmt, 9);
    run.heartbeat_ms = optional_integer(stmt, 11);
    if (auto code = optional_integer(stmt, 12)) {
        run.exit_code = static_cast<int>(*code);
    }
    run.archived = stmt.integer(13) != 0;
    run.tags = parse_json(stmt.optional_text(14).value_or("{}"));
    return run;
}

RunRecord read_row(const store::Statement& stmt) {
    RunRecord run;
    static_cast<RunSummary&>(run) = read_summary(stmt);
    constexpr int at = k_summary_count;  // the first column after the summary's
    run.display_name = stmt.text(at);
    run.runtime = stmt.text(at + 1);
    run.holds_slot = stmt.integer(at + 2) != 0;
    run.snapshot = stmt.optional_text(at + 3).value_or("");
    run.command = stmt.text(at + 4);
    run.spec = parse_json(stmt.text(at + 5));
    run.plan = parse_json(stmt.text(at + 6));
    run.directory = stmt.text(at + 7);
    run.submitted_by = stmt.text(at + 8);
    run.supervisor_pid = optional_integer(stmt, at + 9);
    run.boot_id = stmt.optional_text(at + 10).value_or("");
    run.cancel_grace = optional_integer(stmt, at + 11);
    run.reason = parse_reason(stmt.text(at + 12));
    run.error = stmt.text(at + 13);
    run.artifacts = stmt.optional_text(at + 14).value_or("");
    run.environment = parse_json(stmt.text(at + 15));
    run.notes = parse_json(stmt.text(at + 16));
    run.scheduler = parse_json(stmt.text(at + 17));
    run.snapshot_figures = SnapshotFigures{.files = optional_integer(stmt, at + 20),
                                           .bytes = optional_integer(stmt, at + 21),
                                           .new_files = optional_integer(stmt, at + 18),
                                           .new_bytes = optional_integer(stmt, at + 19)};
    run.parent = stmt.optional_text(at + 22).value_or("");
    run.trial = parse_json(stmt.optional_text(at + 23).value_or("null"));
    run.cancel_reason = stmt.optional_text(at + 24).value_or("");
    return run;
}

// The status column of a row; nullopt for a name no status has.
std::optional<Status> read_status(const store::Statement& row) {
    return parse_status(row.text(0));
}

// The runs WHERE/ORDER BY `clause` selects, with `values` bound to its parameters.
template <typename... Values>
Result<std::vector<RunRecord>> query(store::Database& db, std::string_view clause,
                                     const Values&... values) {
    return db.query_all(fmt::format("SELECT {} FROM runs {}", all_columns(), clause), read_row,
                        values...);
}

// The first run `clause` selects.
template <typename... Values>
Result<std::optional<RunRecord>> query_first(store::Database& db, std::string_view clause,
                                             const Values&... values) {
    return db.query_one(fmt::format("SELECT {} FROM runs {}", all_columns(), clause), read_row,
                        values...);
}

Result<void> add_event(store::Database& db, std::string_view name, Status status, const Stamp& now,
                       std::string_view detail) {
    return db.execute(
        "INSERT INTO run_events(run, status, at, detail) "
        "SELECT seq, ?2, ?3, ?4 FROM runs WHERE name = ?1",
        name, status_name(status), now.text, detail);
}

// The status of a run inside a transaction; nullopt when there is no such run.
Result<std::optional<Status>> current_status(store::Database& db, std::string_view name) {
    TRY_ASSIGN(auto status,
               db.query_one("SELECT status FROM runs WHERE name = ?1", read_status, name));
    return status.value_or(std::nullopt);
}

// Inside a transaction: the run is Preparing and holds a slot of its compute.
Result<void> take_slot(store::Database& db, std::string_view name, const Stamp& now) {
    TRY(db.execute("UPDATE runs SET status = 'Preparing', holds_slot = 1 WHERE name = ?1", name));
    return add_event(db, name, Status::preparing, now, "");
}

// The job's tags are the run's first tags, its literal inputs its first params.
Result<void> record_first_tracking(store::Database& db, const NewRun& run) {
    const auto pairs = [&](const char* field, const char* table) -> Result<void> {
        if (!run.spec.is_object() || !run.spec.contains(field) || !run.spec[field].is_object()) {
            return {};
        }
        for (const auto& [key, value] : run.spec[field].items()) {
            if (value.is_primitive() && !value.is_null()) {
                TRY(db.execute(fmt::format("INSERT INTO {}(run, key, value) SELECT seq, ?2, ?3 "
                                           "FROM runs WHERE name = ?1",
                                           table),
                               run.name, key, literal_text(value)));
            }
        }
        return {};
    };
    TRY(pairs("tags", "run_tags"));
    return pairs("inputs", "run_params");
}

// The runs `filter` matches as `read` makes them from `columns`, and how many matched in all.
template <typename Row>
Result<std::pair<std::vector<Row>, std::int64_t>> listed(store::Database& db,
                                                         const RunFilter& filter,
                                                         std::string_view columns,
                                                         Row (*read)(const store::Statement&)) {
    // ?3 is [[KEY, VALUE or null], ...]: no wanted tag may be missing from the run's tags.
    // ?4 is the limit, ?5 the parent; the search's values follow from ?6.
    const auto search = track::to_sql(filter.search, filter.order, 6);
    const std::string where =
        "WHERE (?1 = '' OR experiment = ?1) AND (?2 = '' OR status = ?2) AND (?5 = '' OR "
        "parent = ?5)" +
        std::string(filter.top_level_only ? " AND parent IS NULL" : "") +
        std::string(filter.hide_archived ? " AND archived = 0" : "") +
        " AND NOT EXISTS ("
        "SELECT 1 FROM json_each(?3) AS wanted WHERE NOT EXISTS ("
        "SELECT 1 FROM run_tags AS tag WHERE tag.run = runs.seq "
        "AND tag.key = wanted.value ->> 0 "
        "AND (wanted.value ->> 1 IS NULL OR tag.value = wanted.value ->> 1)))" +
        (search.where.empty() ? std::string() : " AND (" + search.where + ")");
    const std::string status =
        filter.status ? std::string(status_name(*filter.status)) : std::string();
    nlohmann::json tags = nlohmann::json::array();
    for (const auto& [key, value] : filter.tags) {
        tags.push_back({key, value ? nlohmann::json(*value) : nlohmann::json(nullptr)});
    }
    const auto prepared = [&](const std::string& sql) -> Result<store::Statement> {
        TRY_ASSIGN(auto statement, db.prepare(sql));
        statement.bind_all(filter.experiment, status, tags.dump());
        statement.bind(5, filter.parent);
        track::bind(statement, search);
        return statement;
    };
    TRY_ASSIGN(auto count, prepared("SELECT count(*) FROM runs " + where));
    TRY_ASSIGN(const bool counted, count.step());
    const std::int64_t total = counted ? count.integer(0) : 0;
    const std::string order = search.order_by.empty() ? "" : search.order_by + ", ";
    TRY_ASSIGN(auto select, prepared(fmt::format("SELECT {} FROM runs {} ORDER BY {}seq DESC "
                                                 "LIMIT ?4",
                                                 columns, where, order)));
    select.bind(4, filter.limit.value_or(-1));
    std::vector<Row> runs;
    const std::int64_t limit = filter.limit.value_or(total);
    runs.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 0, total)));
    for (;;) {
        TRY_ASSIGN(const bool row, select.step());
        if (!row) {
            return std::pair{std::move(runs), total};
        }
        runs.push_back(read(select));
    }
}

}  // namespace

// The nested runs still live when their parent ends end with it, as it did.
Result<void> end_children(store::Database& db, std::string_view parent, Status status,
                          const Stamp& now) {
    TRY_ASSIGN(const auto children,
               db.query_all(
                   "SELECT name FROM runs WHERE parent = ?1 AND trial IS NULL AND status NOT IN "
                   "('Completed', 'Failed', 'Canceled')",
                   [](const store::Statement& row) { return row.text(0); }, parent));
    const std::string why = fmt::format("ended with its parent run {}", parent);
    for (const auto& child : children) {
        TRY(
            db.execute("UPDATE runs SET status = ?2, ended_at = ?3, ended_ms = ?4, error = ?5 "
                       "WHERE name = ?1",
                       child, status_name(status), now.text, now.ms, why));
        TRY(add_event(db, child, status, now, why));
    }
    return {};
}

Result<RunRecord> insert_run(store::Database& db, const NewRun& run, const Stamp& now) {
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto existing, current_status(db, run.name));
        if (existing) {
            return usage_error("run {} already exists; choose another name", run.name);
        }
        const auto snapshot =
            run.snapshot.empty() ? std::nullopt : std::optional<std::string_view>(run.snapshot);
        TRY(db.execute(
            "INSERT INTO runs(name, display_name, experiment, compute, runtime, status, "
            "created_at, created_ms, snapshot, command, spec, plan, directory, submitted_by, "
            "environment, snapshot_new_files, snapshot_new_bytes, parent, trial) VALUES (?1, ?2, "
            "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            run.name, run.display_name, run.experiment, run.compute, run.runtime,
            status_name(Status::not_started), now.text, now.ms, snapshot, run.command,
            run.spec.dump(), run.plan.dump(), run.directory.string(), run.submitted_by,
            run.environment.dump(), run.snapshot_added.new_files, run.snapshot_added.new_bytes,
            run.parent.empty() ? std::nullopt : std::optional<std::string_view>(run.parent),
            run.trial.is_null() ? std::nullopt : std::optional<std::string>(run.trial.dump())));
        TRY(record_first_tracking(db, run));
        return add_event(db, run.name, Status::not_started, now, "submitted");
    }));
    TRY_ASSIGN(auto found, find_run(db, run.name));
    if (!found) {
        return fail("run {} vanished right after it was recorded", run.name);
    }
    return *found;
}

Result<std::optional<Status>> find_status(store::Database& db, std::string_view name) {
    return current_status(db, name);
}

Result<std::optional<RunRecord>> find_run(store::Database& db, std::string_view name) {
    return query_first(db, "WHERE name = ?1", name);
}

Result<RunRecord> get_run(store::Database& db, std::string_view name, std::string_view workspace) {
    TRY_ASSIGN(auto found, find_run(db, name));
    if (!found) {
        TRY_ASSIGN(const auto names, run_names(db));
        return usage_error("no run named '{}' in workspace '{}'{} (see 'ferry run list')", name,
                           workspace, util::did_you_mean(name, names));
    }
    return std::move(*found);
}

Result<std::optional<RunRecord>> newest_run(store::Database& db) {
    return query_first(db, "ORDER BY seq DESC LIMIT 1");
}

Result<std::pair<std::vector<RunRecord>, std::int64_t>> list_runs(store::Database& db,
                                                                  const RunFilter& filter) {
    return listed(db, filter, all_columns(), read_row);
}

Result<std::pair<std::vector<RunSummary>, std::int64_t>> list_summaries(store::Database& db,
                                                                        const RunFilter& filter) {
    return listed(db, filter, k_summary_columns, read_summary);
}

Result<std::vector<RunRecord>> unfinished_runs(store::Database& db) {
    // Nested runs have no supervisor of their own: they end with their parent. A sweep's
    // trials have one.
    return query(db,
                 "WHERE status NOT IN ('Completed', 'Failed', 'Canceled') AND (parent IS NULL OR "
                 "trial IS NOT NULL) ORDER BY seq");
}

Result<std::vector<Event>> run_events(store::Database& db, std::int64_t seq) {
    return db.query_all(
        "SELECT status, at, detail FROM run_events WHERE run = ?1 ORDER BY rowid",
        [](const store::Statement& row) {
            return Event{read_status(row).value_or(Status::failed), row.text(1), row.text(2)};
        },
        seq);
}

Result<std::vector<std::string>> run_names(store::Database& db) {
    return db.query_all("SELECT name FROM runs ORDER BY seq DESC", store::first_text);
}

Result<std::vector<std::pair<std::string, std::int64_t>>> experiments(store::Database& db) {
    return db.query_all(
        "SELECT experiment, count(*) FROM runs GROUP BY experiment ORDER BY max(seq) DESC",
        [](const store::Statement& row) {
            return std::pair{row.text(0), row.integer(1)};
        });
}

Result<std::vector<std::pair<std::string, Status>>> run_statuses(store::Database& db) {
    return db.query_all(
        "SELECT name, status FROM runs ORDER BY seq DESC", [](const store::Statement& row) {
            return std::pair{row.text(0), parse_status(row.text(1)).value_or(Status::failed)};
        });
}

Result<bool> transition(store::Database& db, std::string_view name,
                        std::initializer_list<Status> from, Status to, const Stamp& now,
                        std::string_view detail) {
    bool moved = false;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto status, current_status(db, name));
        if (!status || std::find(from.begin(), from.end(), *status) == from.end()) {
            return {};
        }
        TRY(to == Status::running
                ? db.execute("UPDATE runs SET status = ?2, started_at = coalesce(started_at, ?3), "
                             "started_ms = coalesce(started_ms, ?4) WHERE name = ?1",
                             name, status_name(to), now.text, now.ms)
                : db.execute("UPDATE runs SET status = ?2 WHERE name = ?1", name, status_name(to)));
        moved = true;
        return add_event(db, name, to, now, detail);
    }));
    return moved;
}

Result<bool> finish(store::Database& db, std::string_view name, const Ending& ending,
                    const Stamp& now,
                    const std::optional<std::optional<std::int64_t>>& supervisor) {
    bool ended = false;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto status, current_status(db, name));
        if (!status || is_terminal(*status)) {
            return {};
        }
        if (supervisor) {
            TRY_ASSIGN(const auto recorded,
                       db.query_one("SELECT supervisor_pid IS ?2 FROM runs WHERE name = ?1",
                                    store::first_integer, name, *supervisor));
            if (recorded.value_or(0) == 0) {
                return {};  // a new supervisor took the run on since (a resumed sweep)
            }
        }
        TRY(
            db.execute("UPDATE runs SET status = ?2, ended_at = ?3, ended_ms = ?4, exit_code = ?5, "
                       "reason = ?6, error = ?7, holds_slot = 0, "
                       "artifacts = CASE WHEN ?8 = '' THEN artifacts ELSE ?8 END WHERE name = ?1",
                       name, status_name(ending.status), now.text, now.ms, ending.exit_code,
                       reason_name(ending.reason), ending.error, ending.artifacts));
        ended = true;
        TRY(add_event(db, name, ending.status, now, ending.error));
        return end_children(db, name, ending.status, now);
    }));
    return ended;
}

Result<void> reopen(store::Database& db, std::string_view name, const Stamp& now,
                    std::string_view detail) {
    return db.transaction([&]() -> Result<void> {
        TRY(
            db.execute("UPDATE runs SET status = 'Preparing', ended_at = NULL, ended_ms = NULL, "
                       "exit_code = NULL, reason = '', error = '', supervisor_pid = NULL, "
                       "boot_id = NULL, heartbeat_ms = ?2, cancel_grace = NULL, "
                       "cancel_reason = NULL, holds_slot = 0 WHERE name = ?1",
                       name, now.ms));
        return add_event(db, name, Status::preparing, now, detail);
    });
}

Result<bool> begin_preparing(store::Database& db, std::string_view name, const Stamp& now) {
    bool begun = false;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto status, current_status(db, name));
        if (!status || *status != Status::not_started) {
            return {};
        }
        begun = true;
        return take_slot(db, name, now);
    }));
    return begun;
}

Result<Status> request_cancel(store::Database& db, std::string_view name,
                              std::int64_t grace_seconds, const Stamp& now,
                              std::string_view reason) {
    Status before = Status::not_started;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto status, current_status(db, name));
        if (!status) {
            return usage_error("no run named '{}'", name);
        }
        before = *status;
        if (is_terminal(before)) {
            return {};
        }
        TRY(
            db.execute("UPDATE runs SET cancel_grace = ?2, cancel_reason = coalesce("
                       "cancel_reason, nullif(?3, '')) WHERE name = ?1",
                       name, grace_seconds, reason));
        if (before == Status::cancel_requested) {
            return {};
        }
        TRY(db.execute("UPDATE runs SET status = ?2 WHERE name = ?1", name,
                       status_name(Status::cancel_requested)));
        return add_event(db, name, Status::cancel_requested, now,
                         fmt::format("grace {} s", grace_seconds));
    }));
    return before;
}

namespace {

// Whether the queued run may take a slot: fewer than `slots` runs of its compute hold one,
// and no run of the compute queued before it still waits.
Result<bool> slot_is_free(store::Database& db, std::string_view name, std::int64_t slots) {
    TRY_ASSIGN(
        auto free,
        db.query_one(
            "SELECT r.status, "
            "  (SELECT count(*) FROM runs a WHERE a.compute = r.compute AND a.holds_slot = 1), "
            "  (SELECT count(*) FROM runs q WHERE q.compute = r.compute AND q.status = 'Queued' "
            "     AND q.seq < r.seq) "
            "FROM runs r WHERE r.name = ?1",
            [slots](const store::Statement& row) {
                return row.text(0) == status_name(Status::queued) && row.integer(1) < slots &&
                       row.integer(2) == 0;
            },
            name));
    return free.value_or(false);
}

}  // namespace

Result<bool> claim_slot(store::Database& db, std::string_view name, std::int64_t slots,
                        const Stamp& now) {
    // Asked first without the write lock, which many queued supervisors would contend for.
    auto free = slot_is_free(db, name, slots);
    if (!free || !*free) {
        return free;
    }
    bool claimed = false;
    TRY(db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto again, slot_is_free(db, name, slots));
        if (!again) {
            return {};
        }
        claimed = true;
        return take_slot(db, name, now);
    }));
    return claimed;
}

}  // namespace ferry::run
