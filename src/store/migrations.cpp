#include "ferry/store/migrations.hpp"

#include <array>

namespace ferry::store {

namespace {

constexpr std::array k_workspace = {
    Migration{1, R"sql(
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    )sql"},
    // An index of the blobs in objects/, so sizes and counts need no directory walk.
    Migration{2, R"sql(
        CREATE TABLE blobs (
            sha256    TEXT PRIMARY KEY,
            size      INTEGER NOT NULL,
            stored_at TEXT NOT NULL
        );
    )sql"},
    // Stored snapshots: the manifest blob is the id.
    Migration{3, R"sql(
        CREATE TABLE snapshots (
            id         TEXT PRIMARY KEY REFERENCES blobs(sha256),
            files      INTEGER NOT NULL,
            bytes      INTEGER NOT NULL,
            created_at TEXT NOT NULL
        );
    )sql"},
    // Computes created by the user (`local` also exists without a row), runs, and the
    // time of every status a run went through.
    Migration{4, R"sql(
        CREATE TABLE computes (
            name       TEXT PRIMARY KEY,
            type       TEXT NOT NULL,
            spec       TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE runs (
            seq            INTEGER PRIMARY KEY AUTOINCREMENT,
            name           TEXT NOT NULL UNIQUE,
            display_name   TEXT NOT NULL,
            experiment     TEXT NOT NULL,
            compute        TEXT NOT NULL,
            runtime        TEXT NOT NULL,
            status         TEXT NOT NULL,
            holds_slot     INTEGER NOT NULL DEFAULT 0,
            created_at     TEXT NOT NULL,
            created_ms     INTEGER NOT NULL,
            started_at     TEXT,
            started_ms     INTEGER,
            ended_at       TEXT,
            ended_ms       INTEGER,
            snapshot       TEXT REFERENCES snapshots(id),
            command        TEXT NOT NULL,
            spec           TEXT NOT NULL,
            plan           TEXT NOT NULL,
            directory      TEXT NOT NULL,
            submitted_by   TEXT NOT NULL,
            supervisor_pid INTEGER,
            boot_id        TEXT,
            heartbeat_ms   INTEGER,
            cancel_grace   INTEGER,
            exit_code      INTEGER,
            reason         TEXT NOT NULL DEFAULT '',
            error          TEXT NOT NULL DEFAULT '',
            artifacts      TEXT REFERENCES blobs(sha256)
        );
        CREATE INDEX runs_by_status ON runs(status, compute);
        CREATE INDEX runs_by_experiment ON runs(experiment);
        CREATE TABLE run_events (
            run    INTEGER NOT NULL REFERENCES runs(seq),
            status TEXT NOT NULL,
            at     TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX run_events_by_run ON run_events(run);
    )sql"},
    // Registered assets: immutable NAME:VERSION records of environments, data and models
    // (each kind's own fields in `body`); and the environment each run was given, with how it
    // was materialized.
    Migration{5, R"sql(
        CREATE TABLE assets (
            kind        TEXT NOT NULL,
            name        TEXT NOT NULL,
            version     TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            tags        TEXT NOT NULL DEFAULT '{}',
            properties  TEXT NOT NULL DEFAULT '{}',
            body        TEXT NOT NULL,
            archived    INTEGER NOT NULL DEFAULT 0,
            created_at  TEXT NOT NULL,
            PRIMARY KEY (kind, name, version)
        );
        -- What a URL dataset's first use fetched (content, sizes, sha256, the server's
        -- validators), the one thing about an asset that is written after its creation.
        CREATE TABLE asset_pins (
            kind       TEXT NOT NULL,
            name       TEXT NOT NULL,
            version    TEXT NOT NULL,
            pin        TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (kind, name, version)
        );
        ALTER TABLE runs ADD COLUMN environment TEXT NOT NULL DEFAULT 'null';
        -- What the supervisor has to say after the end (an output it could not register).
        ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
    )sql"},
    // A run on a cluster: its scheduler's job id, and what the scheduler says of it (the
    // reason it is pending, the nodes it runs on).
    Migration{6, R"sql(
        ALTER TABLE runs ADD COLUMN scheduler TEXT NOT NULL DEFAULT 'null';
    )sql"},
    // What a run's submit added to the store of its snapshot's files; NULL for runs recorded
    // before ferry kept it (the snapshot's own files and bytes are in `snapshots`).
    Migration{7, R"sql(
        ALTER TABLE runs ADD COLUMN snapshot_new_files INTEGER;
        ALTER TABLE runs ADD COLUMN snapshot_new_bytes INTEGER;
    )sql"},
    // What a run tracked (MLflow's data model): metrics as points (key, step, time, value),
    // params (set once) and tags (set again at will).
    Migration{8, R"sql(
        CREATE TABLE run_metrics (
            run       INTEGER NOT NULL REFERENCES runs(seq),
            key       TEXT NOT NULL,
            step      INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            value     REAL NOT NULL
        );
        CREATE INDEX run_metrics_by_key ON run_metrics(run, key, step);
        CREATE TABLE run_params (
            run   INTEGER NOT NULL REFERENCES runs(seq),
            key   TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run, key)
        );
        CREATE TABLE run_tags (
            run   INTEGER NOT NULL REFERENCES runs(seq),
            key   TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (run, key)
        );
    )sql"},
    // A run's job tags are its first tags and its literal inputs its first params, as the
    // command line got them (booleans True/False): so for runs recorded before.
    Migration{9, R"sql(
        INSERT OR IGNORE INTO run_tags(run, key, value)
            SELECT runs.seq, tag.key, CASE tag.type WHEN 'true' THEN 'True'
                WHEN 'false' THEN 'False' ELSE CAST(tag.value AS TEXT) END
            FROM runs, json_each(runs.spec, '$.tags') AS tag
            WHERE json_valid(runs.spec) AND tag.type NOT IN ('null', 'object', 'array');
        INSERT OR IGNORE INTO run_params(run, key, value)
            SELECT runs.seq, input.key, CASE input.type WHEN 'true' THEN 'True'
                WHEN 'false' THEN 'False' ELSE CAST(input.value AS TEXT) END
            FROM runs, json_each(runs.spec, '$.inputs') AS input
            WHERE json_valid(runs.spec) AND input.type NOT IN ('null', 'object', 'array');
    )sql"},
    // Nested runs: a run a job's MLflow client creates is a child of the job's run (`parent`,
    // its name), lives and ends with it; the datasets a run's client logged as its inputs.
    Migration{10, R"sql(
        ALTER TABLE runs ADD COLUMN parent TEXT;
        CREATE INDEX runs_by_parent ON runs(parent);
        CREATE TABLE run_inputs (
            run     INTEGER NOT NULL REFERENCES runs(seq),
            dataset TEXT NOT NULL,
            tags    TEXT NOT NULL
        );
        CREATE INDEX run_inputs_by_run ON run_inputs(run);
    )sql"},
    // Each metric's summary, kept as its points are stored: the last point (by step, then
    // time, then as stored: a new point wins a tie, its rowid being the largest), the range
    // and the count, so that comparing or searching runs reads a row a metric, not every
    // point. Backfilled from the points already stored.
    Migration{11, R"sql(
        CREATE TABLE run_metric_summaries (
            run            INTEGER NOT NULL REFERENCES runs(seq),
            key            TEXT NOT NULL,
            last_value     REAL NOT NULL,
            last_step      INTEGER NOT NULL,
            last_timestamp INTEGER NOT NULL,
            last_rowid     INTEGER NOT NULL,
            min_value      REAL NOT NULL,
            max_value      REAL NOT NULL,
            count          INTEGER NOT NULL,
            PRIMARY KEY (run, key)
        );
        INSERT INTO run_metric_summaries
            SELECT g.run, g.key, l.value, l.step, l.timestamp, l.rowid, g.low, g.high, g.n
            FROM (SELECT run, key, min(value) AS low, max(value) AS high, count(*) AS n,
                         (SELECT rowid FROM run_metrics AS x WHERE x.run = m.run
                          AND x.key = m.key ORDER BY step DESC, timestamp DESC, rowid DESC
                          LIMIT 1) AS last
                  FROM run_metrics AS m GROUP BY run, key) AS g
            JOIN run_metrics AS l ON l.rowid = g.last;
        CREATE TRIGGER run_metrics_summarized AFTER INSERT ON run_metrics BEGIN
            INSERT INTO run_metric_summaries VALUES (new.run, new.key, new.value, new.step,
                new.timestamp, new.rowid, new.value, new.value, 1)
            ON CONFLICT (run, key) DO UPDATE SET
                last_value = iif((excluded.last_step, excluded.last_timestamp)
                    >= (last_step, last_timestamp), excluded.last_value, last_value),
                last_step = iif((excluded.last_step, excluded.last_timestamp)
                    >= (last_step, last_timestamp), excluded.last_step, last_step),
                last_timestamp = iif((excluded.last_step, excluded.last_timestamp)
                    >= (last_step, last_timestamp), excluded.last_timestamp, last_timestamp),
                last_rowid = iif((excluded.last_step, excluded.last_timestamp)
                    >= (last_step, last_timestamp), excluded.last_rowid, last_rowid),
                min_value = min(min_value, excluded.min_value),
                max_value = max(max_value, excluded.max_value),
                count = count + 1;
        END;
    )sql"},
    // Sweep trials: a child run with a supervisor of its own, its number in the sweep and the
    // values sampled for it ({"number": N, "values": {...}}); a nested run of an MLflow client
    // has none. Why a cancel was asked for, when it was not a person's ("early termination:
    // ..."), which the run's end then says.
    Migration{12, R"sql(
        ALTER TABLE runs ADD COLUMN trial TEXT;
        ALTER TABLE runs ADD COLUMN cancel_reason TEXT;
    )sql"},
    // Archived runs (az ml job archive): kept, but left out of `run list` unless asked for.
    Migration{13, R"sql(
        ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
    )sql"},
    // Environments of Azure registries and curated ones mapped to a registered environment
    // ("NAME:VERSION") or to "host" (`ferry env map`). Datastores: a directory and the URL
    // prefixes it stands for (a JSON array), `ferry datastore create`.
    Migration{14, R"sql(
        CREATE TABLE env_maps (
            reference  TEXT PRIMARY KEY,
            target     TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE datastores (
            name        TEXT PRIMARY KEY,
            path        TEXT NOT NULL,
            claims      TEXT NOT NULL,
            description TEXT NOT NULL,
            created_at  TEXT NOT NULL
        );
    )sql"},
    // Status events numbered by AUTOINCREMENT, their number (`id`, the rowid) kept: a number
    // is never given again once the newest runs are deleted with their events, so a live page
    // that has seen events up to N misses none after (`ferry ui`'s /api/events?after=N). Events
    // of no run (written with the foreign keys off) are left behind.
    Migration{15, R"sql(
        CREATE TABLE run_events_numbered (
            id     INTEGER PRIMARY KEY AUTOINCREMENT,
            run    INTEGER NOT NULL REFERENCES runs(seq),
            status TEXT NOT NULL,
            at     TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        INSERT INTO run_events_numbered (id, run, status, at, detail)
            SELECT rowid, run, status, at, detail FROM run_events
            WHERE run IN (SELECT seq FROM runs) ORDER BY rowid;
        DROP TABLE run_events;
        ALTER TABLE run_events_numbered RENAME TO run_events;
        CREATE INDEX run_events_by_run ON run_events(run);
    )sql"},
};

constexpr std::array k_registry = {
    Migration{1, R"sql(
        CREATE TABLE workspaces (
            name       TEXT PRIMARY KEY,
            path       TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
    )sql"},
};

}  // namespace

std::span<const Migration> workspace_migrations() {
    return k_workspace;
}
std::span<const Migration> registry_migrations() {
    return k_registry;
}

Result<int> migrate(Database& db, std::span<const Migration> migrations) {
    const int latest = migrations.empty() ? 0 : migrations.back().version;
    // Cheap check first: most opens find the schema current and take no write lock.
    TRY_ASSIGN(auto current, db.user_version());
    if (current == latest) {
        return latest;
    }
    int reached = 0;
    TRY(db.transaction([&]() -> Result<void> {
        // Read again under the write lock: another process may have migrated meanwhile.
        TRY_ASSIGN(auto version, db.user_version());
        if (version > latest) {
            return fail(
                "database {} has schema version {}, newer than this ferry knows ({}); "
                "upgrade ferry",
                db.path().string(), version, latest);
        }
        for (const auto& migration : migrations) {
            if (migration.version <= version) {
                continue;
            }
            if (auto applied = db.exec(migration.sql); !applied) {
                return std::unexpected(with_context(
                    applied.error(), fmt::format("migration to schema {}", migration.version)));
            }
        }
        reached = latest;
        return db.exec(fmt::format("PRAGMA user_version = {}", latest));
    }));
    return reached;
}

}  // namespace ferry::store
