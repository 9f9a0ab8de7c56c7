#include "ferry/util/fs.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <random>
#include <system_error>

namespace ferry::util {

std::string errno_text(int error_number) {
    return std::strerror(error_number);
}

namespace {

std::string random_suffix() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    static constexpr char k_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string suffix(12, 'x');
    for (auto& c : suffix) {
        c = k_chars[generator() % (sizeof(k_chars) - 1)];
    }
    return suffix;
}

// Whether an O_TMPFILE file can be given a name: through /proc/self/fd, which needs no
// privilege. Without /proc, temporary files are named from the start.
bool can_name_unnamed_files() {
    static const bool can = ::access("/proc/self/fd", X_OK) == 0;
    return can;
}

}  // namespace

Result<TempFile> TempFile::create_in(const fs::path& dir, mode_t mode) {
    if (can_name_unnamed_files()) {
        const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
        if (fd >= 0) {
            ::fchmod(fd, mode);  // not narrowed by the umask
            return TempFile(Fd(fd), dir / (".tmp-" + random_suffix()), true);
        }
        // A filesystem without O_TMPFILE (or a missing directory, which the next open names).
    }
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path path = dir / (".tmp-" + random_suffix());
        const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd >= 0) {
            // The umask must not widen or narrow what the caller asked for.
            ::fchmod(fd, mode);
            return TempFile(Fd(fd), std::move(path), false);
        }
        if (errno != EEXIST) {
            return fail("cannot create a file in {}: {}", dir.string(), errno_text(errno));
        }
    }
    return fail("cannot create a temporary file in {}", dir.string());
}

TempFile::~TempFile() {
    if (!m_done && !m_unnamed && !m_path.empty()) {
        m_fd.close();
        ::unlink(m_path.c_str());
    }
}

TempFile::TempFile(TempFile&& other) noexcept
    : m_fd(std::move(other.m_fd)),
      m_path(std::move(other.m_path)),
      m_unnamed(other.m_unnamed),
      m_done(other.m_done) {
    other.m_path.clear();
    other.m_done = true;
}

Result<void> TempFile::write_all(std::string_view data) {
    return util::write_all(m_fd.get(), data, m_path.string());
}

Result<void> write_all(int fd, std::string_view data, std::string_view what) {
    while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot write {}: {}", what, errno_text(errno));
        }
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
}

Result<void> TempFile::sync(Durable durable) {
    if (durable == Durable::yes && ::fsync(m_fd.get()) != 0) {
        return fail("cannot sync {}: {}", m_path.string(), errno_text(errno));
    }
    return {};
}

bool TempFile::name_as(const fs::path& destination) {
    const std::string self = "/proc/self/fd/" + std::to_string(m_fd.get());
    return ::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, destination.c_str(), AT_SYMLINK_FOLLOW) == 0;
}

Result<void> TempFile::commit_rename(const fs::path& destination, Durable durable) {
    TRY(sync(durable));
    if (m_unnamed) {
        // Named at the destination when that is free; else under the temporary name, then
        // renamed over it.
        if (name_as(destination)) {
            m_fd.close();
            m_done = true;
            return durable == Durable::yes ? fsync_directory(destination.parent_path())
                                           : Result<void>{};
        }
        if (errno != EEXIST || !name_as(m_path)) {
            return fail("cannot link {} to {}: {}", m_path.string(), destination.string(),
                        errno_text(errno));
        }
        m_unnamed = false;  // a named temporary file from here on
    }
    m_fd.close();
    if (::rename(m_path.c_str(), destination.c_str()) != 0) {
        return fail("cannot rename {} to {}: {}", m_path.string(), destination.string(),
                    errno_text(errno));
    }
    m_done = true;
    if (durable == Durable::no) {
        return {};
    }
    return fsync_directory(destination.parent_path());
}

Result<bool> TempFile::commit_link(const fs::path& destination, Durable durable) {
    TRY(sync(durable));
    const bool linked =
        m_unnamed ? name_as(destination) : ::link(m_path.c_str(), destination.c_str()) == 0;
    if (!linked && errno != EEXIST) {
        return fail("cannot link {} to {}: {}", m_path.string(), destination.string(),
                    errno_text(errno));
    }
    m_fd.close();
    // The temporary name goes either way; the destination keeps its first content.
    if (!m_unnamed) {
        ::unlink(m_path.c_str());
    }
    m_done = true;
    if (linked && durable == Durable::yes) {
        TRY(fsync_directory(destination.parent_path()));
    }
    return linked;
}

Result<void> create_directories(const fs::path& dir, mode_t mode) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        return {};
    }
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        TRY(create_directories(dir.parent_path(), 0755));
    }
    if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
        return fail("cannot create directory {}: {}", dir.string(), errno_text(errno));
    }
    if (!fs::is_directory(dir, ec)) {
        return fail("cannot create directory {}: a file of that name exists", dir.string());
    }
    return {};
}

Result<std::string> read_fd(int fd, std::string_view what, std::size_t size_hint) {
    std::string content(size_hint + 1, '\0');  // one more, to see the end in one read
    std::size_t have = 0;
    for (;;) {
        if (have == content.size()) {
            content.resize(std::max<std::size_t>(content.size() * 2, 65536));
        }
        const ssize_t got = ::read(fd, content.data() + have, content.size() - have);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot read {}: {}", what, errno_text(errno));
        }
        if (got == 0) {
            content.resize(have);
            return content;
        }
        have += static_cast<std::size_t>(got);
    }
}

Result<std::string> read_file(const fs::path& path) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return fail("cannot read {}: {}", path.string(), errno_text(errno));
    }
    return read_fd(fd.get(), path.string(), static_cast<std::size_t>(st.st_size));
}

Result<void> write_file_atomic(const fs::path& path, std::string_view content, mode_t mode,
                               Durable durable) {
    fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    TRY_ASSIGN(auto temp, TempFile::create_in(dir, mode));
    TRY(temp.write_all(content));
    return temp.commit_rename(path, durable);
}

Result<void> fsync_directory(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return fail("cannot open directory {}: {}", dir.string(), errno_text(errno));
    }
    if (::fsync(fd.get()) != 0 && errno != EINVAL) {
        return fail("cannot sync directory {}: {}", dir.string(), errno_text(errno));
    }
    return {};
}

Result<bool> exists(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
        return true;
    }
    if (errno == ENOENT || errno == ENOTDIR) {
        return false;
    }
    return fail("cannot access {}: {}", path.string(), errno_text(errno));
}

Result<void> remove_all(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) {
        return fail("cannot remove {}: {}", path.string(), ec.message());
    }
    return {};
}

int open_beneath(int dir_fd, const char* path, int flags) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    const long fd = ::syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
    if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) {
        return static_cast<int>(fd);
    }
    return ::openat(dir_fd, path, flags | O_NOFOLLOW | O_CLOEXEC);  // an old kernel or seccomp
}

Result<void> copy_contents(int from, int to, std::string_view what) {
    if (::ioctl(to, FICLONE, from) == 0) {
        return {};
    }
    loff_t in = 0;
    loff_t out = 0;
    bool kernel_copy = true;
    for (;;) {
        if (kernel_copy) {
            const ssize_t copied = ::copy_file_range(from, &in, to, &out, 1 << 30, 0);
            if (copied > 0) {
                continue;
            }
            if (copied == 0) {
                return {};
            }
            if (errno == EINTR) {
                continue;
            }
            if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP &&
                errno != EBADF) {
                return fail("cannot copy {}: {}", what, errno_text(errno));
            }
            kernel_copy = false;  // go on from where it stopped, in user space
        }
        char buffer[1 << 16];
        const ssize_t got = ::pread(from, buffer, sizeof buffer, in);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot read {}: {}", what, errno_text(errno));
        }
        if (got == 0) {
            return {};
        }
        for (ssize_t done = 0; done < got;) {
            const ssize_t put =
                ::pwrite(to, buffer + done, static_cast<std::size_t>(got - done), out + done);
            if (put < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return fail("cannot copy {}: {}", what, errno_text(errno));
            }
            done += put;
        }
        in += got;
        out += got;
    }
}

}  // namespace ferry::util
