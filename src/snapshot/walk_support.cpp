#include "walk_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
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

namespace {

// The rules of one ignore file: none when it is missing or not a file (a directory of that
// name is not an ignore file, nor for git); an empty list when it is a symbolic link.
Result<std::optional<IgnoreList>> read_ignore_file(int dir_fd, const std::string& base,
                                                   std::string_view name,
                                                   std::vector<std::string>& warnings) {
    const std::string source = join(base, name);
    util::Fd fd(::openat(dir_fd, std::string(name).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT) {
            return std::nullopt;
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
        return std::nullopt;
    }
    TRY_ASSIGN(auto text, util::read_fd(fd.get(), source, static_cast<std::size_t>(st.st_size)));
    return parse_ignore_file(text, source, base);
}

}  // namespace

Result<IgnoreList> read_ignore_list(int dir_fd, const std::string& base,
                                    std::span<const std::string_view> present,
                                    std::vector<std::string>& warnings) {
    const auto read = [&](std::string_view name) -> Result<std::optional<IgnoreList>> {
        if (std::ranges::find(present, name) == present.end()) {
            return std::nullopt;
        }
        return read_ignore_file(dir_fd, base, name, warnings);
    };
    // The first of .ferryignore and .amlignore replaces .gitignore; .ignore sits between.
    std::optional<IgnoreList> replacing;
    for (const std::string_view name : {".ferryignore", ".amlignore"}) {
        TRY_ASSIGN(replacing, read(name));
        if (replacing) {
            break;
        }
    }
    TRY_ASSIGN(auto gitignore, replacing ? std::optional<IgnoreList>() : read(".gitignore"));
    TRY_ASSIGN(auto dot_ignore, read(".ignore"));
    IgnoreList list{base, {}};
    for (auto* file : {&gitignore, &dot_ignore, &replacing}) {
        if (*file) {
            std::ranges::move((*file)->rules, std::back_inserter(list.rules));
        }
    }
    return list;
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

std::vector<FerryDirectory> ferry_data_inside(const std::string& root,
                                              std::span<const FerryDirectory> ferry_data) {
    std::vector<FerryDirectory> inside;
    for (const auto& directory : ferry_data) {
        char resolved[PATH_MAX];
        if (::realpath(directory.path.c_str(), resolved) == nullptr) {
            continue;  // not there, so not in the tree either
        }
        const std::string relative = fs::path(resolved).lexically_relative(root).generic_string();
        if (!relative.empty() && relative != "." && relative != ".." &&
            !relative.starts_with("../")) {
            inside.push_back({relative, directory.what});
        }
    }
    return inside;
}

const FerryDirectory* find_ferry_data(std::span<const FerryDirectory> inside,
                                      std::string_view path) {
    const auto found = std::ranges::find(inside, path, [](const FerryDirectory& directory) {
        return std::string_view(directory.path.native());
    });
    return found == inside.end() ? nullptr : &*found;
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
