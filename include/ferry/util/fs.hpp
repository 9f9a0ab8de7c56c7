#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/util/fd.hpp"

// Non-throwing filesystem helpers; every error names the path involved.
namespace ferry::util {

namespace fs = std::filesystem;

enum class Durable { yes, no };

// A file created next to its destination, removed unless committed. Where the filesystem allows
// (O_TMPFILE and /proc), it has no name until it is committed, so a process killed while writing
// it leaves nothing behind; path() is then the name it would get on the way to a rename.
class TempFile {
public:
    [[nodiscard]] static Result<TempFile> create_in(const fs::path& dir, mode_t mode);
    ~TempFile();
    TempFile(TempFile&&) noexcept;
    TempFile& operator=(TempFile&&) = delete;
    TempFile(const TempFile&) = delete;

    [[nodiscard]] int fd() const { return m_fd.get(); }
    [[nodiscard]] const fs::path& path() const { return m_path; }
    [[nodiscard]] Result<void> write_all(std::string_view data);
    // Closes the file (fsync'd first when durable) and renames it over `destination`.
    [[nodiscard]] Result<void> commit_rename(const fs::path& destination,
                                             Durable durable = Durable::yes);
    // Closes the file (fsync'd first when durable), then links it at `destination`; returns
    // false when a file already exists there (which is left as it was).
    [[nodiscard]] Result<bool> commit_link(const fs::path& destination,
                                           Durable durable = Durable::yes);

private:
    TempFile(Fd fd, fs::path path, bool unnamed)
        : m_fd(std::move(fd)), m_path(std::move(path)), m_unnamed(unnamed) {}
    [[nodiscard]] Result<void> sync(Durable durable);
    // Gives an unnamed file the name `destination`; false (errno set) when it cannot.
    [[nodiscard]] bool name_as(const fs::path& destination);
    Fd m_fd;
    fs::path m_path;
    bool m_unnamed = false;
    bool m_done = false;
};

[[nodiscard]] std::string errno_text(int error_number);

// Creates the directory and missing parents; the leaf gets `mode`.
[[nodiscard]] Result<void> create_directories(const fs::path& dir, mode_t mode);
[[nodiscard]] Result<std::string> read_file(const fs::path& path);
// Reads a descriptor to its end, straight into the string; `size_hint` (the size fstat gave)
// saves the regrowing. Errors name `what`.
[[nodiscard]] Result<std::string> read_fd(int fd, std::string_view what, std::size_t size_hint = 0);
// Writes through a temporary file and a rename, so readers see old or new, never half.
[[nodiscard]] Result<void> write_file_atomic(const fs::path& path, std::string_view content,
                                             mode_t mode, Durable durable = Durable::yes);
[[nodiscard]] Result<void> fsync_directory(const fs::path& dir);
[[nodiscard]] Result<bool> exists(const fs::path& path);
[[nodiscard]] Result<void> remove_all(const fs::path& path);
// Opens the relative `path` below `dir_fd` without following a symbolic link anywhere on the
// way (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS; on kernels without it, only the
// last component is protected). Returns the descriptor, or -1 with errno set.
[[nodiscard]] int open_beneath(int dir_fd, const char* path, int flags);
// Copies all of `from` (from its start) into `to` (at its start): a reflink where the
// filesystem can share blocks, else copy_file_range, else read and write.
[[nodiscard]] Result<void> copy_contents(int from, int to, std::string_view what);
// Writes all of `data` to the descriptor (short writes and EINTR retried).
[[nodiscard]] Result<void> write_all(int fd, std::string_view data, std::string_view what);

}  // namespace ferry::util
