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
    auto current = db.user_version();
    if (!current) {
        return std::unexpected(current.error());
    }
    if (*current == latest) {
        return latest;
    }
    int reached = 0;
    auto migrated = db.transaction([&]() -> Result<void> {
        // Read again under the write lock: another process may have migrated meanwhile.
        auto version = db.user_version();
        if (!version) {
            return std::unexpected(version.error());
        }
        if (*version > latest) {
            return fail(
                "database {} has schema version {}, newer than this ferry knows ({}); "
                "upgrade ferry",
                db.path().string(), *version, latest);
        }
        for (const auto& migration : migrations) {
            if (migration.version <= *version) {
                continue;
            }
            if (auto applied = db.exec(migration.sql); !applied) {
                return std::unexpected(with_context(
                    applied.error(), fmt::format("migration to schema {}", migration.version)));
            }
        }
        reached = latest;
        return db.exec(fmt::format("PRAGMA user_version = {}", latest));
    });
    if (!migrated) {
        return std::unexpected(migrated.error());
    }
    return reached;
}

}  // namespace ferry::store
