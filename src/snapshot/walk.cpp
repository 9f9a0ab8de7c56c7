#include "ferry/snapshot/walk.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <climits>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::snapshot {

namespace {

std::int64_t nanoseconds(const struct timespec& ts) {
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

StatKey key_of(const struct stat& st) {
    return {static_cast<std::uint64_t>(st.st_size), nanoseconds(st.st_mtim),
            nanoseconds(st.st_ctim), static_cast<std::uint64_t>(st.st_ino)};
}

std::string join(std::string_view directory, std::string_view name) {
    if (directory.empty()) {
        return std::string(name);
    }
    std::string path;
    path.reserve(directory.size() + 1 + name.size());
    path.append(directory).append("/").append(name);
    return path;
}

Result<std::string> read_all(int fd, const std::string& what) {
    std::string text;
    char buffer[16384];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("cannot read {}: {}", what, util::errno_text(errno));
        }
        if (got == 0) {
            return text;
        }
        text.append(buffer, static_cast<std::size_t>(got));
    }
}

// The rules of a directory from the first of its ignore files among `candidates`. Like
// git, an ignore file that is a symbolic link is not followed (a warning says so).
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
        auto text = read_all(fd.get(), source);
        if (!text) {
            return std::unexpected(text.error());
        }
        return parse_ignore_file(*text, source, base);
    }
    return IgnoreList{base, {}};
}

std::string normalize(std::string_view absolute) {
    return fs::path(absolute).lexically_normal().string();
}

bool is_within(std::string_view path, std::string_view root) {
    return path == root || (path.starts_with(root) && path.size() > root.size() &&
                            (root.ends_with('/') || path[root.size()] == '/'));
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

// The target a link keeps in a snapshot, or nothing when it leads outside `root`, whether
// written so or reached through other links. A relative target that stays inside is kept as
// written; others are rewritten relative to the link. A dangling link is judged by its text.
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
    if (!target.starts_with('/') && lexically_inside) {
        return target;
    }
    return fs::path(destination).lexically_relative(link_directory).string();
}

const char* special_kind(mode_t mode) {
    return S_ISFIFO(mode) ? "a named pipe" : S_ISSOCK(mode) ? "a socket" : "a device";
}

class Walker {
public:
    Walker(Listing& out) : m_out(out), m_root(out.root.string()) {}

    Result<void> walk(int dir_fd, const std::string& directory) {
        auto names = read_directory(dir_fd, directory);
        if (!names) {
            return std::unexpected(names.error());
        }
        std::vector<std::string_view> present;
        for (const std::string_view candidate : k_ignore_files) {
            if (std::ranges::any_of(*names, [&](const auto& e) { return e.first == candidate; })) {
                present.push_back(candidate);
            }
        }
        auto list = read_ignore_list(dir_fd, directory, present, m_out.warnings);
        if (!list) {
            return std::unexpected(list.error());
        }
        m_stack.push(std::move(*list));
        for (const auto& [name, type] : *names) {
            if (auto visited = visit(dir_fd, directory, name, type); !visited) {
                return visited;
            }
        }
        m_stack.pop();
        return {};
    }

private:
    using Names = std::vector<std::pair<std::string, unsigned char>>;

    static Result<Names> read_directory(int dir_fd, const std::string& directory) {
        const int copy = ::dup(dir_fd);
        DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
        if (dir == nullptr) {
            const int error = errno;
            if (copy >= 0) {
                ::close(copy);
            }
            return fail("cannot read directory {}: {}", directory.empty() ? "." : directory,
                        util::errno_text(error));
        }
        Names names;
        errno = 0;
        while (const dirent* entry = ::readdir(dir)) {
            const std::string_view name = entry->d_name;
            if (name != "." && name != "..") {
                names.emplace_back(name, entry->d_type);
            }
        }
        const int error = errno;
        ::closedir(dir);
        if (error != 0) {
            return fail("cannot read directory {}: {}", directory.empty() ? "." : directory,
                        util::errno_text(error));
        }
        return names;
    }

    Result<void> visit(int dir_fd, const std::string& directory, const std::string& name,
                       unsigned char type) {
        if (name == ".git") {
            return {};  // git's own data, at any depth, is never part of a snapshot
        }
        const std::string path = join(directory, name);
        struct stat st {};
        const bool need_stat = type != DT_DIR;
        if (need_stat && ::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return fail("cannot stat {}: {}", path, util::errno_text(errno));
        }
        const bool is_directory = type == DT_DIR || (need_stat && S_ISDIR(st.st_mode));
        if (const IgnoreRule* rule = m_stack.decide(path, is_directory); rule && !rule->negative) {
            if (rule->credential) {
                m_out.left_out.push_back(
                    {is_directory ? path + "/" : path, LeftOutReason::credential, rule->line});
            }
            return {};
        }
        if (is_directory) {
            util::Fd child(
                ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!child) {
                return fail("cannot read directory {}: {}", path, util::errno_text(errno));
            }
            return walk(child.get(), path);
        }
        if (S_ISREG(st.st_mode)) {
            Entry entry{path,
                        EntryKind::file,
                        (st.st_mode & S_IXUSR) != 0,
                        static_cast<std::uint64_t>(st.st_size),
                        {},
                        key_of(st)};
            m_out.bytes += entry.size;
            m_out.entries.push_back(std::move(entry));
            return {};
        }
        if (S_ISLNK(st.st_mode)) {
            return link(dir_fd, directory, name, path, st);
        }
        m_out.left_out.push_back({path, LeftOutReason::special_file, special_kind(st.st_mode)});
        return {};
    }

    Result<void> link(int dir_fd, const std::string& directory, const std::string& name,
                      const std::string& path, const struct stat& st) {
        auto target = read_link(dir_fd, name, path);
        if (!target) {
            return std::unexpected(target.error());
        }
        auto kept = kept_target(m_root, directory, path, *target);
        if (!kept) {
            m_out.left_out.push_back({path, LeftOutReason::outside_link, *target});
            return {};
        }
        Entry entry{path, EntryKind::symlink, false, kept->size(), *kept, key_of(st)};
        m_out.bytes += entry.size;
        m_out.entries.push_back(std::move(entry));
        return {};
    }

    Listing& m_out;
    std::string m_root;
    IgnoreStack m_stack;
};

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

}  // namespace

std::string_view reason_name(LeftOutReason reason) {
    switch (reason) {
        case LeftOutReason::credential:
            return "credential";
        case LeftOutReason::outside_link:
            return "outside_link";
        case LeftOutReason::special_file:
            return "special_file";
    }
    return "";
}

Result<Listing> list_tree(const fs::path& root) {
    auto real = real_directory(root);
    if (!real) {
        return std::unexpected(real.error());
    }
    Listing listing;
    listing.root = *real;
    util::Fd fd(::open(real->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return fail("cannot read directory {}: {}", root.string(), util::errno_text(errno));
    }
    Walker walker(listing);
    if (auto walked = walker.walk(fd.get(), ""); !walked) {
        return std::unexpected(walked.error());
    }
    std::ranges::sort(listing.entries, {}, &Entry::path);
    std::ranges::sort(listing.left_out, {}, &LeftOut::path);
    return listing;
}

Result<Explanation> explain(const fs::path& root, std::string_view relative) {
    auto real = real_directory(root);
    if (!real) {
        return std::unexpected(real.error());
    }
    Explanation result;
    const bool marked_directory = relative.ends_with('/');
    std::vector<std::string> parts;
    for (const auto& part : fs::path(relative).lexically_normal()) {
        const std::string text = part.string();
        if (text.empty() || text == ".") {
            continue;
        }
        if (text == ".." || part.is_absolute() || text == "/") {
            return usage_error("{}: not a path inside {}", relative, real->string());
        }
        parts.push_back(text);
    }
    if (parts.empty()) {
        return usage_error("{}: name a file or directory inside {}", relative, real->string());
    }
    IgnoreStack stack;
    std::vector<std::string> warnings;
    std::string directory;
    util::Fd dir_fd(::open(real->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        if (dir_fd) {
            auto list = read_ignore_list(dir_fd.get(), directory, k_ignore_files, warnings);
            if (!list) {
                return std::unexpected(list.error());
            }
            stack.push(std::move(*list));
        }
        const std::string path = join(directory, parts[i]);
        struct stat st {};
        const bool exists =
            dir_fd && ::fstatat(dir_fd.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
        const bool is_directory = exists ? S_ISDIR(st.st_mode) : (!last || marked_directory);
        result.path = path;
        result.exists = exists;
        result.is_directory = is_directory;
        if (parts[i] == ".git") {
            result.included = false;
            result.git_directory = true;
            result.decided_by_directory = last ? "" : path;
            break;
        }
        const IgnoreRule* rule = stack.decide(path, is_directory);
        if (rule != nullptr) {
            result.rule = *rule;
        }
        if (rule != nullptr && !rule->negative) {
            result.included = false;
            if (!last) {
                result.decided_by_directory = path;
            }
            break;
        }
        if (last && exists && S_ISLNK(st.st_mode)) {
            auto target = read_link(dir_fd.get(), parts[i], path);
            if (!target) {
                return std::unexpected(target.error());
            }
            if (!kept_target(real->string(), directory, path, *target)) {
                result.included = false;
                result.left_out = LeftOutReason::outside_link;
                result.detail = *target;
            }
        } else if (last && exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            result.included = false;
            result.left_out = LeftOutReason::special_file;
            result.detail = special_kind(st.st_mode);
        }
        if (!last) {
            util::Fd child;
            if (exists && S_ISDIR(st.st_mode)) {
                child = util::Fd(::openat(dir_fd.get(), parts[i].c_str(),
                                          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            }
            dir_fd = std::move(child);
            directory = path;
        }
    }
    if (!result.decided_by_directory.empty() || result.git_directory) {
        std::string full;
        for (const auto& part : parts) {
            full = join(full, part);
        }
        result.path = full;
    }
    return result;
}

}  // namespace ferry::snapshot
