#pragma once

#include <chrono>
#include <cstdint>

#include "ferry/core/error.hpp"
#include "ferry/store/workspace.hpp"

// `workspace gc`: removes what no record needs. It holds the blob lease exclusive while it
// lists what records name and deletes the rest, and every writer holds it shared from the
// first blob it stores or finds until its record is committed: a blob a concurrent submit
// stores or reuses is never collected.
namespace ferry::maintain {

// Materialized caches unused this long go.
inline constexpr int k_default_cache_days = 30;
// A temporary file this old is no blob being written.
inline constexpr std::chrono::hours k_stale_temporary{1};

struct GcOptions {
    bool dry_run = false;
    int cache_days = k_default_cache_days;
};

struct Reclaimed {
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    void add(const Reclaimed& other) {
        files += other.files;
        bytes += other.bytes;
    }
};

struct GcReport {
    Reclaimed orphans;       // blobs no record names
    Reclaimed temporary;     // stale files of objects/tmp/
    Reclaimed damaged;       // blobs set aside in objects/damaged/
    Reclaimed caches;        // cache/stat/, content/, tensorboard/ entries unused that long
    std::uint64_t kept = 0;  // blobs records name
    [[nodiscard]] Reclaimed total() const;
};

[[nodiscard]] Result<GcReport> collect_garbage(store::Workspace& workspace,
                                               const GcOptions& options,
                                               std::chrono::system_clock::time_point now);

}  // namespace ferry::maintain
