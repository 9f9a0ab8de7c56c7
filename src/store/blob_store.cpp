#include "ferry/store/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>

#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::store {

namespace {

constexpr mode_t k_blob_mode = 0444;
constexpr std::size_t k_chunk = 1 << 20;

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
    return util::create_directories(m_dir / "tmp", 0700);
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

Result<StoredBlob> BlobStore::publish(BlobWriter& writer, util::Durable durable) const {
    StoredBlob blob{writer.digest(), writer.size(), false};
    const fs::path destination = path_of(blob.sha256);
    TRY(util::create_directories(destination.parent_path(), 0700));
    TRY_ASSIGN(auto linked, writer.temp().commit_link(destination, durable));
    blob.added = linked;
    return blob;
}

Result<StoredBlob> BlobStore::put_fd(int fd, std::string_view what, util::Durable durable) const {
    TRY_ASSIGN(auto temp, util::TempFile::create_in(m_dir / "tmp", k_blob_mode));
    BlobWriter writer(std::move(temp));
    std::string buffer(k_chunk, '\0');
    for (;;) {
        const ssize_t got = ::read(fd, buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot read {}: {}", what, util::errno_text(errno));
        }
        if (got == 0) {
            break;
        }
        TRY(writer.write({buffer.data(), static_cast<std::size_t>(got)}));
    }
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

Result<void> BlobStore::sync() const {
    util::Fd fd(::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || ::syncfs(fd.get()) != 0) {
        return fail("cannot sync {}: {}", m_dir.string(), util::errno_text(errno));
    }
    return {};
}

}  // namespace ferry::store
