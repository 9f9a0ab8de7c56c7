#include "ferry/store/assets.hpp"

#include <algorithm>
#include <charconv>

namespace ferry::store {

namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view k_columns =
    "kind, name, version, description, tags, properties, body, archived, created_at";

StringPairs pairs_of(const std::string& text) {
    StringPairs pairs;
    const Json json = Json::parse(text, nullptr, false);
    if (json.is_object()) {
        for (const auto& [key, value] : json.items()) {
            pairs.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
        }
    }
    return pairs;
}

std::string text_of(const StringPairs& pairs) {
    Json json = Json::object();
    for (const auto& [key, value] : pairs) {
        json[key] = value;
    }
    return json.dump();
}

AssetRecord from_row(const Statement& stmt) {
    AssetRecord record;
    record.kind = stmt.text(0);
    record.name = stmt.text(1);
    record.version = stmt.text(2);
    record.description = stmt.text(3);
    record.tags = pairs_of(stmt.text(4));
    record.properties = pairs_of(stmt.text(5));
    record.body = Json::parse(stmt.text(6), nullptr, false);
    record.archived = stmt.integer(7) != 0;
    record.created_at = stmt.text(8);
    return record;
}

Result<std::vector<AssetRecord>> collect(Statement& stmt) {
    std::vector<AssetRecord> records;
    for (;;) {
        auto row = stmt.step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return records;
        }
        records.push_back(from_row(stmt));
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

Result<std::string> next_version(Database& db, const AssetRecord& record) {
    auto versions = db.prepare("SELECT version FROM assets WHERE kind = ?1 AND name = ?2");
    if (!versions) {
        return std::unexpected(versions.error());
    }
    versions->bind(1, record.kind).bind(2, record.name);
    std::int64_t highest = 0;
    for (;;) {
        auto row = versions->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            return std::to_string(highest + 1);
        }
        highest = std::max(highest, numeric(versions->text(0)).value_or(0));
    }
}

}  // namespace

Result<void> check_new_version(Database& db, std::string_view kind, std::string_view what,
                               std::string_view name, std::string_view version) {
    if (version.empty()) {
        return {};
    }
    auto existing =
        db.prepare("SELECT 1 FROM assets WHERE kind = ?1 AND name = ?2 AND version = ?3");
    if (!existing) {
        return std::unexpected(existing.error());
    }
    existing->bind(1, kind).bind(2, name).bind(3, version);
    auto row = existing->step();
    if (!row) {
        return std::unexpected(row.error());
    }
    if (!*row) {
        return {};
    }
    AssetRecord probe;
    probe.kind = std::string(kind);
    probe.name = std::string(name);
    auto next = next_version(db, probe);
    return fail(
        "{} '{}:{}' already exists; a version is never overwritten (leave out the version to "
        "register {}:{})",
        what, name, version, name, next ? *next : "the next one");
}

Result<AssetRecord> create_asset(Database& db, AssetRecord record, std::string_view what,
                                 std::string_view now) {
    auto done = db.transaction([&]() -> Result<void> {
        if (record.version.empty()) {
            auto next = next_version(db, record);
            if (!next) {
                return std::unexpected(next.error());
            }
            record.version = std::move(*next);
        } else if (auto fresh =
                       check_new_version(db, record.kind, what, record.name, record.version);
                   !fresh) {
            return fresh;
        }
        auto insert = db.prepare(
            "INSERT INTO assets(kind, name, version, description, tags, properties, body, "
            "archived, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)");
        if (!insert) {
            return std::unexpected(insert.error());
        }
        insert->bind(1, record.kind)
            .bind(2, record.name)
            .bind(3, record.version)
            .bind(4, record.description)
            .bind(5, text_of(record.tags))
            .bind(6, text_of(record.properties))
            .bind(7, record.body.dump())
            .bind(8, now);
        return insert->run();
    });
    if (!done) {
        return std::unexpected(done.error());
    }
    record.created_at = std::string(now);
    record.archived = false;
    return record;
}

Result<std::optional<AssetRecord>> find_asset(Database& db, std::string_view kind,
                                              std::string_view name, std::string_view version) {
    auto stmt = db.prepare(
        version.empty()
            ? fmt::format("SELECT {} FROM assets WHERE kind = ?1 AND name = ?2 AND archived = 0 "
                          "ORDER BY rowid DESC LIMIT 1",
                          k_columns)
            : fmt::format("SELECT {} FROM assets WHERE kind = ?1 AND name = ?2 AND version = ?3",
                          k_columns));
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, kind).bind(2, name);
    if (!version.empty()) {
        stmt->bind(3, version);
    }
    auto records = collect(*stmt);
    if (!records) {
        return std::unexpected(records.error());
    }
    if (records->empty()) {
        return std::optional<AssetRecord>{};
    }
    return std::optional<AssetRecord>{std::move(records->front())};
}

Result<std::vector<AssetRecord>> list_assets(Database& db, std::string_view kind, bool all_versions,
                                             bool include_archived) {
    const std::string visible = include_archived ? "1" : "archived = 0";
    const std::string sql =
        all_versions
            ? fmt::format("SELECT {} FROM assets WHERE kind = ?1 AND {} ORDER BY name, rowid",
                          k_columns, visible)
            : fmt::format(
                  "SELECT {0} FROM assets a WHERE kind = ?1 AND {1} AND rowid = (SELECT "
                  "max(rowid) FROM assets WHERE kind = a.kind AND name = a.name AND {1}) "
                  "ORDER BY name",
                  k_columns, visible);
    auto stmt = db.prepare(sql);
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, kind);
    return collect(*stmt);
}

Result<std::int64_t> set_asset_archived(Database& db, std::string_view kind, std::string_view name,
                                        std::string_view version, bool archived) {
    auto stmt = db.prepare(version.empty()
                               ? "UPDATE assets SET archived = ?3 WHERE kind = ?1 AND name = ?2 "
                                 "RETURNING 1"
                               : "UPDATE assets SET archived = ?3 WHERE kind = ?1 AND name = ?2 "
                                 "AND version = ?4 RETURNING 1");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, kind).bind(2, name).bind(3, std::int64_t{archived ? 1 : 0});
    if (!version.empty()) {
        stmt->bind(4, version);
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

}  // namespace ferry::store
