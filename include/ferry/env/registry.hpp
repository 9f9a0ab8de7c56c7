#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/env/definition.hpp"
#include "ferry/store/database.hpp"

// Registered environments: immutable NAME:VERSION records in the workspace database.
namespace ferry::env {

struct EnvironmentRecord {
    Environment environment;  // name, version, kind, hash, definition
    std::string description;
    spec::StringMap tags;
    bool archived = false;
    std::string created_at;
};

// Registers a version; an empty version takes the next integer after the highest numeric
// one, in the same transaction, so parallel creates never collide. An existing explicit
// version is refused: versions are never overwritten.
[[nodiscard]] Result<EnvironmentRecord> create_environment(store::Database& db,
                                                           EnvironmentRecord record,
                                                           std::string_view now);

// NAME:VERSION, or with an empty version the newest version that is not archived.
[[nodiscard]] Result<std::optional<EnvironmentRecord>> find_environment(store::Database& db,
                                                                        std::string_view name,
                                                                        std::string_view version);

// The newest version of each name, or every version; archived ones only when asked.
[[nodiscard]] Result<std::vector<EnvironmentRecord>> list_environments(store::Database& db,
                                                                       bool all_versions,
                                                                       bool include_archived);

// Archives (or restores) one version, or every version of the name when `version` is empty.
// Returns how many records changed.
[[nodiscard]] Result<std::int64_t> set_archived(store::Database& db, std::string_view name,
                                                std::string_view version, bool archived);

}  // namespace ferry::env
