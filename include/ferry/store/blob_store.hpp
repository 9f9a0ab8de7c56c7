#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/util/fs.hpp"

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
    // Blobs put with Durable::no are safe on disk only after sync(): for batches, where one
    // sync of the filesystem costs less than an fsync per file.
    [[nodiscard]] Result<StoredBlob> put_file(const fs::path& source,
                                              util::Durable durable = util::Durable::yes) const;
    // Reads the descriptor to its end.
    [[nodiscard]] Result<StoredBlob> put_fd(int fd, std::string_view what,
                                            util::Durable durable = util::Durable::yes) const;
    [[nodiscard]] Result<StoredBlob> put_bytes(std::string_view bytes,
                                               util::Durable durable = util::Durable::yes) const;
    // Copies an open file into the store the cheapest way the filesystem allows (a reflink,
    // then copy_file_range, then read and write), and names it by the hash of the copy.
    [[nodiscard]] Result<StoredBlob> put_copy(int fd, std::string_view what,
                                              util::Durable durable = util::Durable::yes) const;
    // Makes every blob put so far durable.
    [[nodiscard]] Result<void> sync() const;
    [[nodiscard]] bool has(std::string_view sha256) const;
    // Where the blob lives; empty for a malformed digest.
    [[nodiscard]] fs::path path_of(std::string_view sha256) const;
    [[nodiscard]] const fs::path& directory() const { return m_dir; }

private:
    [[nodiscard]] Result<StoredBlob> publish(BlobWriter& writer, util::Durable durable) const;
    fs::path m_dir;
};

}  // namespace ferry::store
