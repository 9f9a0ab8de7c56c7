#include "ferry/store/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>

#include "ferry/util/fs.hpp"
#include "ferry/util/lock.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::store {

namespace {

constexpr mode_t k_blob_mode = 0444;
constexpr std::size_t k_chunk = 1 << 20;
constexpr std::string_view k_losses = "losses";  // its mtime: the last blob set aside

// Reads the whole descriptor in chunks, handing each to `take`.
template <typename Take>
Result<std::uint64_t> read_chunks(int fd, std::string_view what, Take&& take) {
    std::string buffer(k_chunk, '\0');
    std::uint64_t total = 0;
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot read {}: {}", what, util::errno_text(errno));
        }
        if (got == 0) {
            return total;
        }
        total += static_cast<std::uint64_t>(got);
        TRY(take(std::string_view(buffer.data(), static_cast<std::size_t>(got))));
    }
}

}  // namespace

// Hashes bytes while writing them to a temporary file inside the store.
class BlobWriter {
public:
    explicit BlobWriter(util::TempFile temp) : m_temp(std::move(temp)) {}
    [[nodiscard]] Result<void> write(std::string_view bytes) {
        m_hash.update(bytes);
        m_size += bytes.size();
        return m_temp.write_all(bytes);
    }
    // Hashes what the temporary file already holds (written by a copy).
    [[nodiscard]] Result<void> hash_existing() {
        std::string buffer(k_chunk, '\0');
        for (off_t offset = 0;;) {
            const ssize_t got = ::pread(m_temp.fd(), buffer.data(), buffer.size(), offset);
            if (got < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return fail("cannot read {}: {}", m_temp.path().string(), util::errno_text(errno));
            }
            if (got == 0) {
                return {};
            }
            m_hash.update(buffer.data(), static_cast<std::size_t>(got));
            m_size += static_cast<std::uint64_t>(got);
            offset += got;
        }
    }
    util::TempFile& temp() { return m_temp; }
    std::string digest() { return m_hash.hex_digest(); }
    [[nodiscard]] std::uint64_t size() const { return m_size; }

private:
    util::TempFile m_temp;
    util::Sha256 m_hash;
    std::uint64_t m_size = 0;
};

Result<void> BlobStore::initialize() const {
    TRY(util::create_directories(m_dir, 0700));
    TRY(util::create_directories(m_dir / "tmp", 0700));
    // The lock of gc, made now so that the first command to store a blob changes nothing else.
    const fs::path lock = m_dir / "gc.lock";
    const util::Fd fd(::open(lock.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) {
        return fail("cannot create {}: {}", lock.string(), util::errno_text(errno));
    }
    return {};
}

fs::path BlobStore::path_of(std::string_view sha256) const {
    if (!util::is_sha256_hex(sha256)) {
        return {};
    }
    return m_dir / std::string(sha256.substr(0, 2)) / std::string(sha256.substr(2));
}

bool BlobStore::has(std::string_view sha256) const {
    const fs::path path = path_of(sha256);
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool BlobStore::has(std::string_view sha256, std::uint64_t size) const {
    const fs::path path = path_of(sha256);
    struct stat st {};
    return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           static_cast<std::uint64_t>(st.st_size) == size;
}

Result<StoredBlob> BlobStore::publish(BlobWriter& writer, util::Durable durable) const {
    StoredBlob blob{writer.digest(), writer.size(), false};
    const fs::path destination = path_of(blob.sha256);
    TRY(util::create_directories(destination.parent_path(), 0700));
    // A stored blob of another size was damaged (truncated, appended to): these bytes, which
    // hash to its name, take its place.
    struct stat st {};
    if (::stat(destination.c_str(), &st) == 0 &&
        static_cast<std::uint64_t>(st.st_size) != blob.size) {
        TRY(set_aside(blob.sha256));
    }
    TRY_ASSIGN(auto linked, writer.temp().commit_link(destination, durable));
    blob.added = linked;
    return blob;
}

Result<std::uint64_t> BlobStore::copy_out(std::string_view sha256, int to,
                                          std::string_view what) const {
    const fs::path path = path_of(sha256);
    util::Fd from(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!from) {
        const int error = errno;
        if (error == ENOENT) {
            std::ignore = note_loss();  // caches of digests must not name it again
        }
        return fail("blob {} of {} is missing from the store: {}", sha256, what,
                    util::errno_text(error));
    }
    util::Sha256 hash;
    TRY_ASSIGN(const auto size, read_chunks(from.get(), path.string(), [&](std::string_view bytes) {
                   hash.update(bytes);
                   return util::write_all(to, bytes, what);
               }));
    if (hash.hex_digest() != sha256) {
        std::ignore = set_aside(sha256);
        return fail(
            "blob {} of {} is damaged (its bytes no longer match their hash); it was set aside "
            "in {}, and storing the same content again repairs it",
            sha256, what, (m_dir / "damaged").string());
    }
    return size;
}

Result<bool> BlobStore::intact(std::string_view sha256) const {
    const fs::path path = path_of(sha256);
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) {
            return false;
        }
        return fail("cannot read {}: {}", path.string(), util::errno_text(errno));
    }
    util::Sha256 hash;
    TRY(read_chunks(fd.get(), path.string(), [&](std::string_view bytes) -> Result<void> {
        hash.update(bytes);
        return {};
    }));
    return hash.hex_digest() == sha256;
}

Result<void> BlobStore::set_aside(std::string_view sha256) const {
    const fs::path path = path_of(sha256);
    if (path.empty()) {
        return fail("'{}' is not a blob's name", sha256);
    }
    TRY(util::create_directories(m_dir / "damaged", 0700));
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const fs::path aside =
        m_dir / "damaged" /
        fmt::format("{}.{}", sha256,
                    std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
    if (::rename(path.c_str(), aside.c_str()) != 0 && errno != ENOENT) {
        return fail("cannot set {} aside: {}", path.string(), util::errno_text(errno));
    }
    return note_loss();
}

Result<void> BlobStore::note_loss() const {
    // Its mtime tells caches of digests (the snapshot's stat cache) that they may name a blob
    // the store no longer has.
    util::Fd marker(::open((m_dir / k_losses).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!marker || ::futimens(marker.get(), nullptr) != 0) {
        return fail("cannot note a lost blob in {}: {}", (m_dir / k_losses).string(),
                    util::errno_text(errno));
    }
    return {};
}

std::int64_t BlobStore::last_loss_ns() const {
    struct stat st {};
    if (::stat((m_dir / k_losses).c_str(), &st) != 0) {
        return 0;
    }
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

Result<StoredBlob> BlobStore::put_fd(int fd, std::string_view what, util::Durable durable) const {
    TRY_ASSIGN(auto temp, util::TempFile::create_in(m_dir / "tmp", k_blob_mode));
    BlobWriter writer(std::move(temp));
    TRY(read_chunks(fd, what, [&](std::string_view bytes) { return writer.write(bytes); }));
    return publish(writer, durable);
}

Result<StoredBlob> BlobStore::put_file(const fs::path& source, util::Durable durable) const {
    util::Fd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return fail("cannot read {}: {}", source.string(), util::errno_text(errno));
    }
    return put_fd(fd.get(), source.string(), durable);
}

Result<StoredBlob> BlobStore::put_bytes(std::string_view bytes, util::Durable durable) const {
    TRY_ASSIGN(auto temp, util::TempFile::create_in(m_dir / "tmp", k_blob_mode));
    BlobWriter writer(std::move(temp));
    TRY(writer.write(bytes));
    return publish(writer, durable);
}

Result<StoredBlob> BlobStore::put_copy(int fd, std::string_view what, util::Durable durable) const {
    TRY_ASSIGN(auto temp, util::TempFile::create_in(m_dir / "tmp", k_blob_mode));
    TRY(util::copy_contents(fd, temp.fd(), what));
    // The name comes from the copy, so a source changing meanwhile cannot corrupt the store.
    BlobWriter writer(std::move(temp));
    TRY(writer.hash_existing());
    return publish(writer, durable);
}

Result<BlobLease> BlobStore::lease(LeaseKind kind) const {
    TRY_ASSIGN(auto fd, util::lock_file(m_dir / "gc.lock", kind == LeaseKind::shared
                                                               ? util::LockKind::shared
                                                               : util::LockKind::exclusive));
    return BlobLease(std::move(fd));
}

Result<void> BlobStore::sync() const {
    util::Fd fd(::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::syncfs(fd.get()) != 0) {
        return fail("cannot sync {}: {}", m_dir.string(), util::errno_text(errno));
    }
    return {};
}

}  // namespace ferry::store
