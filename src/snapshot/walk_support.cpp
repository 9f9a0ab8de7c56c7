#include "walk_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <climits>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::snapshot::detail {

namespace {

std::string normalize(std::string_view absolute) {
    return fs::path(absolute).lexically_normal().string();
}

bool is_within(std::string_view path, std::string_view root) {
    return path == root || (path.starts_with(root) && path.size() > root.size() &&
                            (root.ends_with('/') || path[root.size()] == '/'));
}

}  // namespace

std::string join(std::string_view directory, std::string_view name) {
    if (directory.empty()) {
        return std::string(name);
    }
    std::string path;
    path.reserve(directory.size() + 1 + name.size());
    path.append(directory).append("/").append(name);
    return path;
}

Result<IgnoreList> read_ignore_list(int dir_fd, const std::string& base,
                                    std::span<const std::string_view> candidates,
                                    std::vector<std::string>& warnings) {
    for (const std::string_view name : candidates) {
        const std::string source = join(base, name);
        util::Fd fd(::openat(dir_fd, std::string(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) {
            if (errno == ENOENT) {
                continue;
            }
            if (errno == ELOOP) {
                warnings.push_back(
                    fmt::format("{}: a symbolic link; ignore files are not "
                                "followed, so its rules are not used",
                                source));
                return IgnoreList{base, {}};
            }
            return fail("cannot read {}: {}", source, util::errno_text(errno));
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
            continue;  // a directory of that name is not an ignore file (nor for git)
        }
        TRY_ASSIGN(auto text,
                   util::read_fd(fd.get(), source, static_cast<std::size_t>(st.st_size)));
        return parse_ignore_file(text, source, base);
    }
    return IgnoreList{base, {}};
}

Result<std::string> read_link(int dir_fd, const std::string& name, const std::string& path) {
    std::string target(PATH_MAX, '\0');
    const ssize_t length = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (length < 0) {
        return fail("cannot read link {}: {}", path, util::errno_text(errno));
    }
    target.resize(static_cast<std::size_t>(length));
    return target;
}

std::optional<std::string> kept_target(const std::string& root, const std::string& directory,
                                       const std::string& path, const std::string& target) {
    if (target.empty()) {
        return std::nullopt;
    }
    const std::string link_directory = directory.empty() ? root : root + "/" + directory;
    const std::string lexical =
        normalize(target.starts_with('/') ? target : link_directory + "/" + target);
    const bool lexically_inside = is_within(lexical, root);
    std::string destination = lexical;
    char resolved[PATH_MAX];
    if (::realpath((root + "/" + path).c_str(), resolved) != nullptr) {
        if (!is_within(resolved, root)) {
            return std::nullopt;
        }
        destination = resolved;
    } else if (!lexically_inside) {
        return std::nullopt;
    }
    // Normal form ("../x/y"), which is what materialize accepts.
    return fs::path(destination).lexically_relative(link_directory).string();
}

const char* special_kind(mode_t mode) {
    return S_ISFIFO(mode) ? "a named pipe" : S_ISSOCK(mode) ? "a socket" : "a device";
}

Result<fs::path> real_directory(const fs::path& root) {
    char resolved[PATH_MAX];
    if (::realpath(root.c_str(), resolved) == nullptr) {
        return fail("cannot read {}: {}", root.string(), util::errno_text(errno));
    }
    struct stat st {};
    if (::stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode)) {
        return fail("{} is not a directory", root.string());
    }
    return fs::path(resolved);
}

}  // namespace ferry::snapshot::detail
