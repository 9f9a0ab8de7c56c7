#include "ferry/store/assets.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "ferry/util/escape.hpp"

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

// The kind a row stores; every row was written from an AssetKind.
AssetKind kind_of(std::string_view name) {
    for (const auto kind :
         {AssetKind::environment, AssetKind::data, AssetKind::model, AssetKind::component}) {
        if (asset_kind_name(kind) == name) {
            return kind;
        }
    }
    return AssetKind::data;
}

AssetRecord from_row(const Statement& stmt) {
    AssetRecord record;
    record.kind = kind_of(stmt.text(0));
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

Result<std::string> next_version(Database& db, AssetKind kind, std::string_view name) {
    TRY_ASSIGN(auto versions,
               db.query_all("SELECT version FROM assets WHERE kind = ?1 AND name = ?2", first_text,
                            asset_kind_name(kind), name));
    std::int64_t highest = 0;
    for (const auto& version : versions) {
        highest = std::max(highest, numeric(version).value_or(0));
    }
    return std::to_string(highest + 1);
}

}  // namespace

bool is_valid_version(std::string_view version) {
    if (version.empty() || version.size() > 255 ||
        std::isalnum(static_cast<unsigned char>(version.front())) == 0 ||
        version.find("..") != std::string_view::npos) {
        return false;
    }
    return std::ranges::all_of(version, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
    });
}

Result<void> check_new_version(Database& db, AssetKind kind, std::string_view name,
                               std::string_view version) {
    if (version.empty()) {
        return {};
    }
    if (!is_valid_version(version)) {
        return usage_error(
            "invalid version '{}' of {} '{}': use letters, digits, '-', '_' and '.', starting "
            "with a letter or digit, without '..'",
            util::escape_control(version), asset_noun(kind), name);
    }
    TRY_ASSIGN(auto existing,
               db.query_one("SELECT 1 FROM assets WHERE kind = ?1 AND name = ?2 AND version = ?3",
                            first_integer, asset_kind_name(kind), name, version));
    if (!existing) {
        return {};
    }
    auto next = next_version(db, kind, name);
    return usage_error(
        "{} '{}:{}' already exists; a version is never overwritten (leave out the version to "
        "register {}:{})",
        asset_noun(kind), name, version, name, next ? *next : "the next one");
}

Result<AssetRecord> create_asset(Database& db, AssetRecord record, std::string_view now,
                                 const CompleteAsset& complete) {
    TRY(db.transaction([&]() -> Result<void> {
        if (record.version.empty()) {
            TRY_ASSIGN(record.version, next_version(db, record.kind, record.name));
        } else {
            TRY(check_new_version(db, record.kind, record.name, record.version));
        }
        if (complete) {
            complete(record);
        }
        return db.execute(
            "INSERT INTO assets(kind, name, version, description, tags, properties, body, "
            "archived, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
            asset_kind_name(record.kind), record.name, record.version, record.description,
            text_of(record.tags), text_of(record.properties), record.body.dump(), now);
    }));
    record.created_at = std::string(now);
    record.archived = false;
    return record;
}

Result<std::optional<AssetRecord>> find_asset(Database& db, AssetKind kind, std::string_view name,
                                              std::string_view version) {
    if (version.empty()) {
        return db.query_one(
            fmt::format("SELECT {} FROM assets WHERE kind = ?1 AND name = ?2 AND archived = 0 "
                        "ORDER BY rowid DESC LIMIT 1",
                        k_columns),
            from_row, asset_kind_name(kind), name);
    }
    return db.query_one(
        fmt::format("SELECT {} FROM assets WHERE kind = ?1 AND name = ?2 AND version = ?3",
                    k_columns),
        from_row, asset_kind_name(kind), name, version);
}

Result<std::vector<AssetRecord>> list_assets(Database& db, AssetKind kind, bool all_versions,
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
    return db.query_all(sql, from_row, asset_kind_name(kind));
}

Result<std::int64_t> set_asset_archived(Database& db, AssetKind kind, std::string_view name,
                                        std::string_view version, bool archived) {
    // RETURNING gives a row for each version changed.
    TRY_ASSIGN(auto changed,
               version.empty()
                   ? db.query_all("UPDATE assets SET archived = ?3 WHERE kind = ?1 AND name = ?2 "
                                  "RETURNING 1",
                                  first_integer, asset_kind_name(kind), name, archived)
                   : db.query_all("UPDATE assets SET archived = ?3 WHERE kind = ?1 AND name = ?2 "
                                  "AND version = ?4 RETURNING 1",
                                  first_integer, asset_kind_name(kind), name, archived, version));
    return static_cast<std::int64_t>(changed.size());
}

std::string_view asset_kind_name(AssetKind kind) {
    switch (kind) {
        case AssetKind::environment:
            return "environment";
        case AssetKind::data:
            return "data";
        case AssetKind::model:
            return "model";
        case AssetKind::component:
            return "component";
    }
    return "data";
}

std::string_view asset_noun(AssetKind kind) {
    return kind == AssetKind::data ? "dataset" : asset_kind_name(kind);
}

}  // namespace ferry::store
