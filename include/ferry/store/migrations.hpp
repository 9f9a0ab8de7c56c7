#pragma once

#include <span>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/store/database.hpp"

namespace ferry::store {

// One forward step of a schema; versions start at 1 and are consecutive.
struct Migration {
    int version;
    std::string_view sql;
};

// Brings the database to the newest version in `migrations`, in one transaction, and
// returns that version. A database newer than this ferry is refused, not touched.
[[nodiscard]] Result<int> migrate(Database& db, std::span<const Migration> migrations);

// The schema of a workspace database (workspace.db).
[[nodiscard]] std::span<const Migration> workspace_migrations();
// The schema of the registry of workspaces (FERRY_HOME/registry.db).
[[nodiscard]] std::span<const Migration> registry_migrations();

}  // namespace ferry::store
