#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/snapshot/walk.hpp"
#include "ferry/store/workspace.hpp"

// A code directory taken as a snapshot, the same way wherever code is stored (a job's, a
// component's): its ignore files honoured, ferry's own directories left out.
namespace ferry::snapshot {

// The hard limit: `flag` (a --snapshot-limit SIZE), else FERRY_SNAPSHOT_LIMIT, else the default.
[[nodiscard]] Result<std::uint64_t> code_limit(const Context& ctx, std::string_view flag = {});

// Lists `code` with its ignore files, leaving out FERRY_HOME and every workspace; warns on
// stderr what the listing deserves; refuses a listing without files or over `limit`.
[[nodiscard]] Result<Listing> list_code(const Context& ctx, const std::filesystem::path& code,
                                        std::uint64_t limit);

// Stores a listing of list_code, and says what it cost on stderr at a terminal (or with -v).
[[nodiscard]] Result<SnapshotCost> store_code(const Context& ctx, store::Workspace& workspace,
                                              const Listing& listing, std::uint64_t limit,
                                              const StoreProgress& progress = {});

}  // namespace ferry::snapshot
