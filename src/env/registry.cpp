#include "ferry/env/registry.hpp"

#include <charconv>

namespace ferry::env {

namespace {

constexpr std::string_view k_columns =
    "name, version, runtime, hash, definition, description, tags, archived, created_at";

Result<EnvironmentRecord> from_row(const store::Statement& stmt) {
    EnvironmentRecord record;
    record.environment.name = stmt.text(0);
    record.environment.version = stmt.text(1);
    const auto kind = parse_kind(stmt.text(2));
    if (!kind) {
        return fail("environment {}:{} has an unknown runtime '{}'", stmt.text(0), stmt.text(1),
                    stmt.text(2));
    }
    record.environment.kind = *kind;
    record.environment.hash = stmt.text(3);
    auto definition = Definition::from_json(Json::parse(stmt.text(4), nullptr, false));
    if (!definition) {
        return std::unexpected(definition.error());
    }
    record.environment.definition = std::move(*definition);
    record.description = stmt.text(5);
    const Json tags = Json::parse(stmt.text(6), nullptr, false);
    if (tags.is_object()) {
        for (const auto& [key, value] : tags.items()) {
            record.tags.emplace_back(key,
                                     value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
    record.archived = stmt.integer(7) != 0;
    record.created_at = stmt.text(8);
    return record;
}

Result<std::vector<EnvironmentRecord>> collect(store::Statement& stmt) {
    std::vector<EnvironmentRecord> records;
    for (;;) {
        auto row = stmt.step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return records;
        }
        auto record = from_row(stmt);
        if (!record) {
            return std::unexpected(record.error());
        }
        records.push_back(std::move(*record));
    }
}

// The integer a version is, or nullopt ("1.2", "beta").
std::optional<std::int64_t> numeric(std::string_view version) {
    std::int64_t value = 0;
    const auto [end, error] =
        std::from_chars(version.data(), version.data() + version.size(), value);
    if (error != std::errc() || end != version.data() + version.size() || value < 0) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

Result<EnvironmentRecord> create_environment(store::Database& db, EnvironmentRecord record,
                                             std::string_view now) {
    auto& environment = record.environment;
    Json tags = Json::object();
    for (const auto& [key, value] : record.tags) {
        tags[key] = value;
    }
    auto done = db.transaction([&]() -> Result<void> {
        if (environment.version.empty()) {
            auto versions = db.prepare("SELECT version FROM environments WHERE name = ?1");
            if (!versions) {
                return std::unexpected(versions.error());
            }
            versions->bind(1, environment.name);
            std::int64_t highest = 0;
            for (;;) {
                auto row = versions->step();
                if (!row) {
                    return std::unexpected(row.error());
                }
                if (!*row) {
                    break;
                }
                highest = std::max(highest, numeric(versions->text(0)).value_or(0));
            }
            environment.version = std::to_string(highest + 1);
        } else {
            auto existing =
                db.prepare("SELECT 1 FROM environments WHERE name = ?1 AND version = ?2");
            if (!existing) {
                return std::unexpected(existing.error());
            }
            existing->bind(1, environment.name).bind(2, environment.version);
            auto row = existing->step();
            if (!row) {
                return std::unexpected(row.error());
            }
            if (*row) {
                return fail(
                    "environment '{}:{}' already exists; a version is never overwritten (leave "
                    "out the version to register the next one)",
                    environment.name, environment.version);
            }
        }
        auto insert = db.prepare(
            "INSERT INTO environments(name, version, runtime, hash, definition, description, "
            "tags, archived, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)");
        if (!insert) {
            return std::unexpected(insert.error());
        }
        insert->bind(1, environment.name)
            .bind(2, environment.version)
            .bind(3, kind_name(environment.kind))
            .bind(4, environment.hash)
            .bind(5, environment.definition.to_json().dump())
            .bind(6, record.description)
            .bind(7, tags.dump())
            .bind(8, now);
        return insert->run();
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    record.created_at = std::string(now);
    return record;
}

Result<std::optional<EnvironmentRecord>> find_environment(store::Database& db,
                                                          std::string_view name,
                                                          std::string_view version) {
    auto stmt =
        db.prepare(version.empty()
                       ? fmt::format("SELECT {} FROM environments WHERE name = ?1 AND archived = 0 "
                                     "ORDER BY rowid DESC LIMIT 1",
                                     k_columns)
                       : fmt::format("SELECT {} FROM environments WHERE name = ?1 AND version = ?2",
                                     k_columns));
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name);
    if (!version.empty()) {
        stmt->bind(2, version);
    }
    auto records = collect(*stmt);
    if (!records) {
        return std::unexpected(records.error());
    }
    if (records->empty()) {
        return std::optional<EnvironmentRecord>{};
    }
    return std::optional<EnvironmentRecord>{std::move(records->front())};
}

Result<std::vector<EnvironmentRecord>> list_environments(store::Database& db, bool all_versions,
                                                         bool include_archived) {
    const std::string visible = include_archived ? "1" : "archived = 0";
    const std::string sql =
        all_versions
            ? fmt::format("SELECT {} FROM environments WHERE {} ORDER BY name, rowid", k_columns,
                          visible)
            : fmt::format(
                  "SELECT {0} FROM environments e WHERE {1} AND rowid = (SELECT max(rowid) FROM "
                  "environments WHERE name = e.name AND {1}) ORDER BY name",
                  k_columns, visible);
    auto stmt = db.prepare(sql);
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    return collect(*stmt);
}

Result<std::int64_t> set_archived(store::Database& db, std::string_view name,
                                  std::string_view version, bool archived) {
    auto stmt = db.prepare(
        version.empty()
            ? "UPDATE environments SET archived = ?2 WHERE name = ?1 RETURNING 1"
            : "UPDATE environments SET archived = ?2 WHERE name = ?1 AND version = ?3 RETURNING 1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, name).bind(2, std::int64_t{archived ? 1 : 0});
    if (!version.empty()) {
        stmt->bind(3, version);
    }
    std::int64_t changed = 0;
    for (;;) {
        auto row = stmt->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return changed;
        }
        ++changed;
    }
}

}  // namespace ferry::env
