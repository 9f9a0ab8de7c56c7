#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"

namespace ferry::store {

namespace fs = std::filesystem;

class BlobWriter;

struct StoredBlob {
    std::string sha256;
    std::uint64_t size = 0;
    bool added = false;  // false when the store already had these bytes
};

// Immutable content-addressed blobs under objects/ab/cdef...: written to a temporary
// file, fsync'd, then linked into place; a blob that exists is never rewritten.
class BlobStore {
public:
    explicit BlobStore(fs::path objects_dir) : m_dir(std::move(objects_dir)) {}

    [[nodiscard]] Result<void> initialize() const;
    [[nodiscard]] Result<StoredBlob> put_file(const fs::path& source) const;
    // Reads the descriptor to its end.
    [[nodiscard]] Result<StoredBlob> put_fd(int fd, std::string_view what) const;
    [[nodiscard]] Result<StoredBlob> put_bytes(std::string_view bytes) const;
    [[nodiscard]] bool has(std::string_view sha256) const;
    // Where the blob lives; empty for a malformed digest.
    [[nodiscard]] fs::path path_of(std::string_view sha256) const;
    [[nodiscard]] const fs::path& directory() const { return m_dir; }

private:
    [[nodiscard]] Result<StoredBlob> publish(BlobWriter& writer) const;
    fs::path m_dir;
};

}  // namespace ferry::store
