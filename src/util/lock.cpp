#include "ferry/util/lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "ferry/util/fs.hpp"

namespace ferry::util {

Result<Fd> lock_file(const std::filesystem::path& path, LockKind kind) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644));
    if (!fd && errno == EISDIR) {
        fd = Fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    if (!fd) {
        return fail("cannot open {}: {}", path.string(), errno_text(errno));
    }
    const int operation = kind == LockKind::shared ? LOCK_SH : LOCK_EX;
    while (::flock(fd.get(), operation) != 0) {
        if (errno != EINTR) {
            return fail("cannot lock {}: {}", path.string(), errno_text(errno));
        }
    }
    return fd;
}

}  // namespace ferry::util
