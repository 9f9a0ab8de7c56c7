#include "ferry/run/record.hpp"

#include <charconv>

namespace ferry::run {

namespace {

constexpr std::string_view k_columns =
    "seq, name, display_name, experiment, compute, runtime, status, holds_slot, created_at, "
    "created_ms, started_at, started_ms, ended_at, ended_ms, snapshot, command, spec, plan, "
    "directory, submitted_by, supervisor_pid, boot_id, heartbeat_ms, cancel_grace, exit_code, "
    "reason, error, artifacts, environment, notes, scheduler";

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

RunRecord read_row(const store::Statement& stmt) {
    RunRecord run;
    run.seq = stmt.integer(0);
    run.name = stmt.text(1);
    run.display_name = stmt.text(2);
    run.experiment = stmt.text(3);
    run.compute = stmt.text(4);
    run.runtime = stmt.text(5);
    run.status = parse_status(stmt.text(6)).value_or(Status::failed);
    run.holds_slot = stmt.integer(7) != 0;
    run.created = Stamp{stmt.text(8), stmt.integer(9)};
    run.started = optional_stamp(stmt, 10);
    run.ended = optional_stamp(stmt, 12);
    run.snapshot = stmt.optional_text(14).value_or("");
    run.command = stmt.text(15);
    run.spec = parse_json(stmt.text(16));
    run.plan = parse_json(stmt.text(17));
    run.directory = stmt.text(18);
    run.submitted_by = stmt.text(19);
    run.supervisor_pid = optional_integer(stmt, 20);
    run.boot_id = stmt.optional_text(21).value_or("");
    run.heartbeat_ms = optional_integer(stmt, 22);
    run.cancel_grace = optional_integer(stmt, 23);
    if (auto code = optional_integer(stmt, 24)) {
        run.exit_code = static_cast<int>(*code);
    }
    run.reason = parse_reason(stmt.text(25));
    run.error = stmt.text(26);
    run.artifacts = stmt.optional_text(27).value_or("");
    run.environment = parse_json(stmt.text(28));
    run.notes = parse_json(stmt.text(29));
    run.scheduler = parse_json(stmt.text(30));
    return run;
}

Result<std::vector<RunRecord>> read_rows(store::Statement& stmt) {
    std::vector<RunRecord> runs;
    for (;;) {
        auto row = stmt.step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return runs;
        }
        runs.push_back(read_row(stmt));
    }
}

Result<std::vector<RunRecord>> query(store::Database& db, std::string_view where_and_order,
                                     const std::function<void(store::Statement&)>& bind = {}) {
    auto stmt = db.prepare(fmt::format("SELECT {} FROM runs {}", k_columns, where_and_order));
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    if (bind) {
        bind(*stmt);
    }
    return read_rows(*stmt);
}

Result<void> add_event(store::Database& db, std::string_view name, Status status, const Stamp& now,
                       std::string_view detail) {
    auto stmt = db.prepare(
        "INSERT INTO run_events(run, status, at, detail) "
        "SELECT seq, ?2, ?3, ?4 FROM runs WHERE name = ?1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name).bind(2, status_name(status)).bind(3, now.text).bind(4, detail);
    return stmt->run();
}

// The status of a run inside a transaction; nullopt when there is no such run.
Result<std::optional<Status>> current_status(store::Database& db, std::string_view name) {
    auto stmt = db.prepare("SELECT status FROM runs WHERE name = ?1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name);
    auto row = stmt->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    if (!*row) {
        return std::optional<Status>{};
    }
    return parse_status(stmt->text(0));
}

Result<void> exec_bound(store::Database& db, std::string_view sql,
                        const std::function<void(store::Statement&)>& bind) {
    auto stmt = db.prepare(sql);
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    bind(*stmt);
    return stmt->run();
}

// Inside a transaction: the run is Preparing and holds a slot of its compute.
Result<void> take_slot(store::Database& db, std::string_view name, const Stamp& now) {
    auto updated =
        exec_bound(db, "UPDATE runs SET status = 'Preparing', holds_slot = 1 WHERE name = ?1",
                   [&](store::Statement& s) { s.bind(1, name); });
    if (!updated) {
        return updated;
    }
    return add_event(db, name, Status::preparing, now, "");
}

}  // namespace

Result<RunRecord> insert_run(store::Database& db, const NewRun& run, const Stamp& now) {
    auto done = db.transaction([&]() -> Result<void> {
        auto existing = current_status(db, run.name);
        if (!existing) {
            return std::unexpected(existing.error());
        }
        if (*existing) {
            return fail("run {} already exists; choose another name", run.name);
        }
        auto inserted = exec_bound(
            db,
            "INSERT INTO runs(name, display_name, experiment, compute, runtime, status, "
            "created_at, created_ms, snapshot, command, spec, plan, directory, submitted_by, "
            "environment) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
            "?15)",
            [&](store::Statement& stmt) {
                stmt.bind(1, run.name)
                    .bind(2, run.display_name)
                    .bind(3, run.experiment)
                    .bind(4, run.compute)
                    .bind(5, run.runtime)
                    .bind(6, status_name(Status::not_started))
                    .bind(7, now.text)
                    .bind(8, now.ms);
                if (run.snapshot.empty()) {
                    stmt.bind_null(9);
                } else {
                    stmt.bind(9, run.snapshot);
                }
                stmt.bind(10, run.command)
                    .bind(11, run.spec.dump())
                    .bind(12, run.plan.dump())
                    .bind(13, run.directory.string())
                    .bind(14, run.submitted_by)
                    .bind(15, run.environment.dump());
            });
        if (!inserted) {
            return inserted;
        }
        return add_event(db, run.name, Status::not_started, now, "submitted");
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    auto found = find_run(db, run.name);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return fail("run {} vanished right after it was recorded", run.name);
    }
    return **found;
}

Result<std::optional<Status>> find_status(store::Database& db, std::string_view name) {
    return current_status(db, name);
}

Result<std::optional<RunRecord>> find_run(store::Database& db, std::string_view name) {
    auto runs = query(db, "WHERE name = ?1", [&](store::Statement& s) { s.bind(1, name); });
    if (!runs) {
        return std::unexpected(runs.error());
    }
    if (runs->empty()) {
        return std::optional<RunRecord>{};
    }
    return std::optional<RunRecord>{std::move(runs->front())};
}

Result<RunRecord> get_run(store::Database& db, std::string_view name, std::string_view workspace) {
    auto found = find_run(db, name);
    if (!found) {
        return std::unexpected(found.error());
    }
    if (!*found) {
        return fail("no run named '{}' in workspace '{}' (see 'ferry run list')", name, workspace);
    }
    return std::move(**found);
}

Result<std::optional<RunRecord>> newest_run(store::Database& db) {
    auto runs = query(db, "ORDER BY seq DESC LIMIT 1");
    if (!runs) {
        return std::unexpected(runs.error());
    }
    if (runs->empty()) {
        return std::optional<RunRecord>{};
    }
    return std::optional<RunRecord>{std::move(runs->front())};
}

Result<std::pair<std::vector<RunRecord>, std::int64_t>> list_runs(store::Database& db,
                                                                  const RunFilter& filter) {
    const std::string where = "WHERE (?1 = '' OR experiment = ?1) AND (?2 = '' OR status = ?2)";
    const std::string status =
        filter.status ? std::string(status_name(*filter.status)) : std::string();
    auto count = db.prepare("SELECT count(*) FROM runs " + where);
    if (!count) {
        return std::unexpected(count.error());
    }
    count->bind(1, filter.experiment).bind(2, status);
    if (auto row = count->step(); !row) {
        return std::unexpected(row.error());
    }
    const std::int64_t total = count->integer(0);
    auto runs = query(db, where + " ORDER BY seq DESC LIMIT ?3", [&](store::Statement& s) {
        s.bind(1, filter.experiment).bind(2, status).bind(3, filter.limit.value_or(-1));
    });
    if (!runs) {
        return std::unexpected(runs.error());
    }
    return std::pair{std::move(*runs), total};
}

Result<std::vector<RunRecord>> unfinished_runs(store::Database& db) {
    return query(db, "WHERE status NOT IN ('Completed', 'Failed', 'Canceled') ORDER BY seq");
}

Result<std::vector<Event>> run_events(store::Database& db, std::int64_t seq) {
    auto stmt =
        db.prepare("SELECT status, at, detail FROM run_events WHERE run = ?1 ORDER BY rowid");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, seq);
    std::vector<Event> events;
    for (;;) {
        auto row = stmt->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return events;
        }
        events.push_back(
            {parse_status(stmt->text(0)).value_or(Status::failed), stmt->text(1), stmt->text(2)});
    }
}

Result<std::vector<std::string>> run_names(store::Database& db) {
    auto stmt = db.prepare("SELECT name FROM runs ORDER BY seq DESC");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    std::vector<std::string> names;
    for (;;) {
        auto row = stmt->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return names;
        }
        names.push_back(stmt->text(0));
    }
}

Result<bool> transition(store::Database& db, std::string_view name,
                        std::initializer_list<Status> from, Status to, const Stamp& now,
                        std::string_view detail) {
    bool moved = false;
    auto done = db.transaction([&]() -> Result<void> {
        auto status = current_status(db, name);
        if (!status) {
            return std::unexpected(status.error());
        }
        if (!*status || std::find(from.begin(), from.end(), **status) == from.end()) {
            return {};
        }
        const bool starts = to == Status::running;
        auto updated = exec_bound(
            db,
            starts ? "UPDATE runs SET status = ?2, started_at = ?3, started_ms = ?4 WHERE name = ?1"
                   : "UPDATE runs SET status = ?2 WHERE name = ?1",
            [&](store::Statement& s) {
                s.bind(1, name).bind(2, status_name(to));
                if (starts) {
                    s.bind(3, now.text).bind(4, now.ms);
                }
            });
        if (!updated) {
            return updated;
        }
        moved = true;
        return add_event(db, name, to, now, detail);
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    return moved;
}

Result<bool> finish(store::Database& db, std::string_view name, const Ending& ending,
                    const Stamp& now) {
    bool ended = false;
    auto done = db.transaction([&]() -> Result<void> {
        auto status = current_status(db, name);
        if (!status) {
            return std::unexpected(status.error());
        }
        if (!*status || is_terminal(**status)) {
            return {};
        }
        auto updated =
            exec_bound(db,
                       "UPDATE runs SET status = ?2, ended_at = ?3, ended_ms = ?4, exit_code = ?5, "
                       "reason = ?6, error = ?7, holds_slot = 0, "
                       "artifacts = CASE WHEN ?8 = '' THEN artifacts ELSE ?8 END WHERE name = ?1",
                       [&](store::Statement& s) {
                           s.bind(1, name)
                               .bind(2, status_name(ending.status))
                               .bind(3, now.text)
                               .bind(4, now.ms);
                           if (ending.exit_code) {
                               s.bind(5, static_cast<std::int64_t>(*ending.exit_code));
                           } else {
                               s.bind_null(5);
                           }
                           s.bind(6, reason_name(ending.reason))
                               .bind(7, ending.error)
                               .bind(8, ending.artifacts);
                       });
        if (!updated) {
            return updated;
        }
        ended = true;
        return add_event(db, name, ending.status, now, ending.error);
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    return ended;
}

Result<void> set_supervisor(store::Database& db, std::string_view name, std::int64_t pid,
                            std::string_view boot_id, const Stamp& now) {
    return exec_bound(db,
                      "UPDATE runs SET supervisor_pid = ?2, boot_id = ?3, heartbeat_ms = ?4 "
                      "WHERE name = ?1",
                      [&](store::Statement& s) {
                          s.bind(1, name).bind(2, pid).bind(3, boot_id).bind(4, now.ms);
                      });
}

Result<void> heartbeat(store::Database& db, std::string_view name, const Stamp& now) {
    return exec_bound(db, "UPDATE runs SET heartbeat_ms = ?2 WHERE name = ?1",
                      [&](store::Statement& s) { s.bind(1, name).bind(2, now.ms); });
}

Result<void> set_artifacts(store::Database& db, std::string_view name,
                           std::string_view manifest_id) {
    return exec_bound(db, "UPDATE runs SET artifacts = ?2 WHERE name = ?1",
                      [&](store::Statement& s) { s.bind(1, name).bind(2, manifest_id); });
}

Result<void> set_environment(store::Database& db, std::string_view name, const Json& environment) {
    return exec_bound(db, "UPDATE runs SET environment = ?2 WHERE name = ?1",
                      [&](store::Statement& s) { s.bind(1, name).bind(2, environment.dump()); });
}

Result<void> set_scheduler(store::Database& db, std::string_view name, const Json& scheduler) {
    return exec_bound(db, "UPDATE runs SET scheduler = ?2 WHERE name = ?1",
                      [&](store::Statement& s) { s.bind(1, name).bind(2, scheduler.dump()); });
}

Result<bool> begin_preparing(store::Database& db, std::string_view name, const Stamp& now) {
    bool begun = false;
    auto done = db.transaction([&]() -> Result<void> {
        auto status = current_status(db, name);
        if (!status) {
            return std::unexpected(status.error());
        }
        if (!*status || **status != Status::not_started) {
            return {};
        }
        begun = true;
        return take_slot(db, name, now);
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    return begun;
}

Result<void> add_note(store::Database& db, std::string_view name, std::string_view note) {
    return exec_bound(db, "UPDATE runs SET notes = json_insert(notes, '$[#]', ?2) WHERE name = ?1",
                      [&](store::Statement& s) { s.bind(1, name).bind(2, note); });
}

Result<Status> request_cancel(store::Database& db, std::string_view name,
                              std::int64_t grace_seconds, const Stamp& now) {
    Status before = Status::not_started;
    auto done = db.transaction([&]() -> Result<void> {
        auto status = current_status(db, name);
        if (!status) {
            return std::unexpected(status.error());
        }
        if (!*status) {
            return fail("no run named '{}'", name);
        }
        before = **status;
        if (is_terminal(before)) {
            return {};
        }
        if (auto asked =
                exec_bound(db, "UPDATE runs SET cancel_grace = ?2 WHERE name = ?1",
                           [&](store::Statement& s) { s.bind(1, name).bind(2, grace_seconds); });
            !asked) {
            return asked;
        }
        if (before == Status::cancel_requested) {
            return {};
        }
        if (auto updated = exec_bound(db, "UPDATE runs SET status = ?2 WHERE name = ?1",
                                      [&](store::Statement& s) {
                                          s.bind(1, name).bind(
                                              2, status_name(Status::cancel_requested));
                                      });
            !updated) {
            return updated;
        }
        return add_event(db, name, Status::cancel_requested, now,
                         fmt::format("grace {} s", grace_seconds));
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    return before;
}

namespace {

// Whether the queued run may take a slot: fewer than `slots` runs of its compute hold one,
// and no run of the compute queued before it still waits.
Result<bool> slot_is_free(store::Database& db, std::string_view name, std::int64_t slots) {
    auto stmt = db.prepare(
        "SELECT r.status, "
        "  (SELECT count(*) FROM runs a WHERE a.compute = r.compute AND a.holds_slot = 1), "
        "  (SELECT count(*) FROM runs q WHERE q.compute = r.compute AND q.status = 'Queued' "
        "     AND q.seq < r.seq) "
        "FROM runs r WHERE r.name = ?1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name);
    auto row = stmt->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    return *row && stmt->text(0) == status_name(Status::queued) && stmt->integer(1) < slots &&
           stmt->integer(2) == 0;
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
    auto done = db.transaction([&]() -> Result<void> {
        auto again = slot_is_free(db, name, slots);
        if (!again) {
            return std::unexpected(again.error());
        }
        if (!*again) {
            return {};
        }
        claimed = true;
        return take_slot(db, name, now);
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    return claimed;
}

Result<std::optional<std::int64_t>> next_queued_supervisor(store::Database& db,
                                                           std::string_view compute) {
    auto stmt = db.prepare(
        "SELECT supervisor_pid FROM runs WHERE compute = ?1 AND status = 'Queued' "
        "AND supervisor_pid IS NOT NULL ORDER BY seq LIMIT 1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, compute);
    auto row = stmt->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    if (!*row) {
        return std::optional<std::int64_t>{};
    }
    return std::optional<std::int64_t>{stmt->integer(0)};
}

Result<ComputeLoad> compute_load(store::Database& db, std::string_view compute) {
    auto stmt = db.prepare(
        "SELECT coalesce(sum(holds_slot AND status != 'Queued'), 0), "
        "coalesce(sum(status = 'Queued'), 0) FROM runs "
        "WHERE compute = ?1 AND status NOT IN ('Completed', 'Failed', 'Canceled')");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, compute);
    if (auto row = stmt->step(); !row) {
        return std::unexpected(row.error());
    }
    return ComputeLoad{stmt->integer(0), stmt->integer(1)};
}

}  // namespace ferry::run
