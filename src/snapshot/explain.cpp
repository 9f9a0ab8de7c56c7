// `ferry run snapshot --explain`: the walk's decisions for one path, with their reasons.
#include <fcntl.h>
#include <sys/stat.h>

#include "ferry/snapshot/walk.hpp"
#include "ferry/util/fd.hpp"
#include "walk_support.hpp"

namespace ferry::snapshot {

using detail::join;

Result<Explanation> explain(const fs::path& root, std::string_view relative) {
    auto real = detail::real_directory(root);
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
    // Whatever decides, the answer is about the whole path asked for.
    for (const auto& part : parts) {
        result.path = join(result.path, part);
    }
    IgnoreStack stack;
    std::vector<std::string> warnings;
    std::string directory;
    util::Fd dir_fd(::open(real->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        if (dir_fd) {
            auto list = detail::read_ignore_list(dir_fd.get(), directory, k_ignore_files, warnings);
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
            auto target = detail::read_link(dir_fd.get(), parts[i], path);
            if (!target) {
                return std::unexpected(target.error());
            }
            if (!detail::kept_target(real->string(), directory, path, *target)) {
                result.included = false;
                result.left_out = LeftOutReason::outside_link;
                result.detail = *target;
            }
        } else if (last && exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            result.included = false;
            result.left_out = LeftOutReason::special_file;
            result.detail = detail::special_kind(st.st_mode);
        }
        if (!last && exists && S_ISLNK(st.st_mode)) {
            result.included = false;
            result.below_link = path;  // the walk keeps the link and does not follow it
            break;
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
    return result;
}

}  // namespace ferry::snapshot
