// Fields of a run's record set by one statement each: its supervisor, heartbeat and artifacts,
// and the archived flag of `run archive` and `run restore`, which `run list` reads.
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

}  // namespace ferry::run
