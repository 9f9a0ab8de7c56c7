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

enum class LeaseKind { shared, exclusive };

// A lock on objects/gc.lock, released with the object. Whoever stores or reuses blobs holds it
// shared until the record that names them is committed; `workspace gc` holds it exclusive
// while it lists what records name and deletes the rest, so it never collects a blob that a
// writer has just found present.
class BlobLease {
public:
    explicit BlobLease(util::Fd fd) : m_fd(std::move(fd)) {}

private:
    util::Fd m_fd;
};

struct StoredBlob {
    std::string sha256;
    std::uint64_t size = 0;
    bool added = false;  // false when the store already had these bytes
};

// Immutable content-addressed blobs under objects/ab/cdef...: written to a temporary
// file, fsync'd, then linked into place; a blob that exists is never rewritten. A blob found
// damaged (its bytes no longer hash to its name) is set aside under objects/damaged/, so
// that the next put of the same content stores it again.
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
    // Whether it has the blob at this size (a cheap check: a blob of another size is damaged).
    [[nodiscard]] bool has(std::string_view sha256, std::uint64_t size) const;
    // Writes the blob's bytes to `to`, hashing them on the way; a blob whose bytes do not
    // match its name is set aside and the copy fails, naming it and `what` it was.
    [[nodiscard]] Result<std::uint64_t> copy_out(std::string_view sha256, int to,
                                                 std::string_view what) const;
    // Whether the blob's bytes still hash to its name (reads it whole); false when missing.
    [[nodiscard]] Result<bool> intact(std::string_view sha256) const;
    // Moves a damaged blob to objects/damaged/ and notes the time of the loss.
    [[nodiscard]] Result<void> set_aside(std::string_view sha256) const;
    // When a blob was last set aside (ns since the epoch; 0: never): digests remembered
    // before then may name blobs the store no longer has.
    [[nodiscard]] std::int64_t last_loss_ns() const;
    // Notes the time of a loss (a blob set aside, found missing or collected).
    [[nodiscard]] Result<void> note_loss() const;
    // Waits for the lease: shared beside other writers, exclusive alone.
    [[nodiscard]] Result<BlobLease> lease(LeaseKind kind) const;
    // Where the blob lives; empty for a malformed digest.
    [[nodiscard]] fs::path path_of(std::string_view sha256) const;
    [[nodiscard]] const fs::path& directory() const { return m_dir; }

private:
    [[nodiscard]] Result<StoredBlob> publish(BlobWriter& writer, util::Durable durable) const;
    fs::path m_dir;
};

}  // namespace ferry::store
