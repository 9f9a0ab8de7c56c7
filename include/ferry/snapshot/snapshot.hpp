#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/walk.hpp"
#include "ferry/store/blob_store.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::snapshot {

namespace fs = std::filesystem;

// Azure ML's snapshot limits, which ferry warns about; its own hard limit refuses.
inline constexpr std::uint64_t k_warn_bytes = 300ULL * 1000 * 1000;
inline constexpr std::uint64_t k_warn_files = 2000;
inline constexpr std::uint64_t k_default_limit = 2ULL << 30;

// What a stored snapshot cost; the key names of a run record's `snapshot`.
struct SnapshotCost {
    std::string id;
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    std::uint64_t new_files = 0;
    std::uint64_t new_bytes = 0;
    std::uint64_t hashed_files = 0;  // read because the stat cache could not vouch for them
};

// The warnings a listing deserves: credentials left out, outside links, special files,
// ignore files that are links (not followed), and Azure's soft limits.
[[nodiscard]] std::vector<std::string> listing_warnings(const Listing& listing);

// The hard limit: the flag's SIZE, else FERRY_SNAPSHOT_LIMIT, else the default.
[[nodiscard]] Result<std::uint64_t> resolve_limit(std::string_view flag,
                                                  const std::optional<std::string>& variable);

// Refuses a listing over `limit` bytes, naming its largest files and directories.
[[nodiscard]] Result<void> check_limit(const Listing& listing, std::uint64_t limit);

// Refuses a listing without files: an empty code directory, or one whose every file was
// left out.
[[nodiscard]] Result<void> require_files(const Listing& listing);

// Stores every file of the listing and its manifest; unchanged files known to the stat
// cache are not read. Identical trees give the same id and store nothing new. A listing
// without files or over `limit` bytes is refused before anything is stored.
// Told (bytes read, bytes to read) now and then while files are stored, from another thread.
using StoreProgress = std::function<void(std::uint64_t, std::uint64_t)>;

[[nodiscard]] Result<SnapshotCost> store_snapshot(store::Workspace& workspace,
                                                  const Listing& listing, std::uint64_t limit,
                                                  std::string_view now,
                                                  const StoreProgress& progress = {});

// One line for stderr: "snapshot 3f2a9c1: 20,001 files, 248.0 MiB, 0 new".
[[nodiscard]] std::string describe(const SnapshotCost& cost);

// Writes a stored snapshot into `destination` (which must not exist or be empty): files as
// copies (reflinks where possible, never hard links into the store), modes and links as
// they were.
[[nodiscard]] Result<void> materialize(const store::BlobStore& blobs, std::string_view id,
                                       const fs::path& destination);

}  // namespace ferry::snapshot
