#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/walk.hpp"

namespace ferry::snapshot {

// A SHA-256 in lowercase hex, without a heap allocation.
using HexDigest = std::array<char, 64>;

struct CachedDigest {
    std::string_view path;
    StatKey stat;
    HexDigest sha256;
};

// What a previous snapshot of the same directory learnt: path and stat to digest, so an
// unchanged file costs a stat, not a read. Racy entries (modified no earlier than the cache
// was written, within the filesystem's timestamp granularity) are not trusted, as in git's
// index.
class StatCache {
public:
    StatCache() = default;
    StatCache(StatCache&&) = default;  // the views move with the string's buffer
    StatCache& operator=(StatCache&&) = default;
    StatCache(const StatCache&) = delete;
    StatCache& operator=(const StatCache&) = delete;

    // A missing, foreign or damaged cache file reads as empty.
    [[nodiscard]] static StatCache load(const std::filesystem::path& file, std::string_view root);
    // Entries must be sorted by path.
    [[nodiscard]] static Result<void> save(const std::filesystem::path& file, std::string_view root,
                                           const std::vector<CachedDigest>& entries);

    [[nodiscard]] std::optional<HexDigest> lookup(std::string_view path, const StatKey& stat) const;
    [[nodiscard]] std::size_t size() const { return m_entries.size(); }
    // When the file was written (ns since the epoch; 0 for an empty cache).
    [[nodiscard]] std::int64_t written_ns() const { return m_written_ns; }

private:
    // Paths point into the file's bytes, kept here; the digests stay raw until looked up.
    struct Slot {
        std::string_view path;
        StatKey stat;
        const char* digest;
    };
    std::string m_data;
    std::vector<Slot> m_entries;
    std::int64_t m_written_ns = 0;
    mutable std::size_t m_next = 0;  // where the last lookup ended
};

}  // namespace ferry::snapshot
