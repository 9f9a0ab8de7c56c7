#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/store/database.hpp"

// Versioned assets (environments, data, models, components): immutable NAME:VERSION records of
// one kind, in one table. Each kind keeps its own fields in `body`.
namespace ferry::store {

using StringPairs = std::vector<std::pair<std::string, std::string>>;

enum class AssetKind { environment, data, model, component };
// The kind as the table stores it: "environment", "data", "model", "component".
[[nodiscard]] std::string_view asset_kind_name(AssetKind kind);
// The kind for people: "environment", "dataset", "model", "component".
[[nodiscard]] std::string_view asset_noun(AssetKind kind);

struct AssetRecord {
    AssetKind kind = AssetKind::data;
    std::string name;
    std::string version;  // empty when creating: the next integer
    std::string description;
    StringPairs tags;
    StringPairs properties;
    nlohmann::ordered_json body = nlohmann::ordered_json::object();
    bool archived = false;
    std::string created_at;
};

// Registers a version; an empty version takes the next integer after the highest numeric one
// of the name, in the same transaction, so parallel creates never collide. An existing
// explicit version is refused: versions are never overwritten. `complete`, when given, is
// called in that transaction once the version is chosen: a body that names its own version
// (a component's spec) is made whole before it is written.
using CompleteAsset = std::function<void(AssetRecord&)>;
[[nodiscard]] Result<AssetRecord> create_asset(Database& db, AssetRecord record,
                                               std::string_view now,
                                               const CompleteAsset& complete = {});

// A version a reference can name (NAME:VERSION) and a path can hold: letters, digits, '-', '_'
// and '.', starting with a letter or digit, no "..", at most 255 bytes.
[[nodiscard]] bool is_valid_version(std::string_view version);

// Refuses an explicit version that is not valid (a usage error) or that exists (the message names
// the kind's noun and the next version); an empty version passes. Creating verbs ask first, so that
// a refusal stores no content.
[[nodiscard]] Result<void> check_new_version(Database& db, AssetKind kind, std::string_view name,
                                             std::string_view version);

// NAME:VERSION, or with an empty version the newest version that is not archived.
[[nodiscard]] Result<std::optional<AssetRecord>> find_asset(Database& db, AssetKind kind,
                                                            std::string_view name,
                                                            std::string_view version);

// The newest version of each name, or every version; archived ones only when asked.
[[nodiscard]] Result<std::vector<AssetRecord>> list_assets(Database& db, AssetKind kind,
                                                           bool all_versions,
                                                           bool include_archived);

// find_asset and list_assets with each record read through `read`, a kind's reading of its
// body (AssetRecord -> Result<T>), whose first failure is the answer.
template <typename Read>
using ReadAsset = typename std::invoke_result_t<Read, AssetRecord>::value_type;

template <typename Read>
[[nodiscard]] Result<std::optional<ReadAsset<Read>>> find_asset_as(Database& db, AssetKind kind,
                                                                   std::string_view name,
                                                                   std::string_view version,
                                                                   Read read) {
    TRY_ASSIGN(auto found, find_asset(db, kind, name, version));
    if (!found) {
        return std::optional<ReadAsset<Read>>{};
    }
    TRY_ASSIGN(auto record, read(std::move(*found)));
    return std::optional<ReadAsset<Read>>{std::move(record)};
}

template <typename Read>
[[nodiscard]] Result<std::vector<ReadAsset<Read>>> list_assets_as(Database& db, AssetKind kind,
                                                                  bool all_versions,
                                                                  bool include_archived,
                                                                  Read read) {
    TRY_ASSIGN(auto assets, list_assets(db, kind, all_versions, include_archived));
    std::vector<ReadAsset<Read>> records;
    for (auto& asset : assets) {
        TRY_ASSIGN(auto record, read(std::move(asset)));
        records.push_back(std::move(record));
    }
    return records;
}

// Archives (or restores) one version, or every version of the name when `version` is empty.
// Returns how many records changed.
[[nodiscard]] Result<std::int64_t> set_asset_archived(Database& db, AssetKind kind,
                                                      std::string_view name,
                                                      std::string_view version, bool archived);

}  // namespace ferry::store
