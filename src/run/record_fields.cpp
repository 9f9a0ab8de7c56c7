// What one statement each sets or reads of the runs: a run's supervisor, heartbeat, environment,
// scheduler, notes and artifacts, the archived flag of `run archive` and `run restore` (which
// `run list` reads), and a compute's load and next queued supervisor.
#include "ferry/run/record.hpp"

namespace ferry::run {

Result<void> set_supervisor(store::Database& db, std::string_view name, std::int64_t pid,
                            std::string_view boot_id, const Stamp& now) {
    return db.execute(
        "UPDATE runs SET supervisor_pid = ?2, boot_id = ?3, heartbeat_ms = ?4 WHERE name = ?1",
        name, pid, boot_id, now.ms);
}

Result<void> heartbeat(store::Database& db, std::string_view name, const Stamp& now) {
    return db.execute("UPDATE runs SET heartbeat_ms = ?2 WHERE name = ?1", name, now.ms);
}

Result<void> set_environment(store::Database& db, std::string_view name, const Json& environment) {
    return db.execute("UPDATE runs SET environment = ?2 WHERE name = ?1", name, environment.dump());
}

Result<void> set_scheduler(store::Database& db, std::string_view name, const Json& scheduler) {
    return db.execute("UPDATE runs SET scheduler = ?2 WHERE name = ?1", name, scheduler.dump());
}

Result<void> add_note(store::Database& db, std::string_view name, std::string_view note) {
    return db.execute("UPDATE runs SET notes = json_insert(notes, '$[#]', ?2) WHERE name = ?1",
                      name, note);
}

Result<void> set_artifacts(store::Database& db, std::string_view name,
                           std::string_view manifest_id) {
    return db.execute("UPDATE runs SET artifacts = ?2 WHERE name = ?1", name, manifest_id);
}

Result<std::size_t> set_runs_archived(store::Database& db, std::span<const std::string> names,
                                      bool archived, std::string_view workspace) {
    std::size_t changed = 0;
    TRY(db.transaction([&]() -> Result<void> {
        for (const auto& name : names) {
            TRY_ASSIGN(const auto run, get_run(db, name, workspace));
            if (run.archived != archived) {
                TRY(db.execute("UPDATE runs SET archived = ?2 WHERE name = ?1", name,
                               archived ? 1 : 0));
                ++changed;
            }
        }
        return {};
    }));
    return changed;
}

Result<std::optional<std::int64_t>> next_queued_supervisor(store::Database& db,
                                                           std::string_view compute) {
    return db.query_one(
        "SELECT supervisor_pid FROM runs WHERE compute = ?1 AND status = 'Queued' "
        "AND supervisor_pid IS NOT NULL ORDER BY seq LIMIT 1",
        store::first_integer, compute);
}

Result<ComputeLoad> compute_load(store::Database& db, std::string_view compute) {
    TRY_ASSIGN(auto load,
               db.query_one(
                   "SELECT coalesce(sum(holds_slot AND status != 'Queued'), 0), "
                   "coalesce(sum(status = 'Queued'), 0) FROM runs "
                   "WHERE compute = ?1 AND status NOT IN ('Completed', 'Failed', 'Canceled')",
                   [](const store::Statement& row) {
                       return ComputeLoad{row.integer(0), row.integer(1)};
                   },
                   compute));
    return load.value_or(ComputeLoad{});
}

}  // namespace ferry::run
