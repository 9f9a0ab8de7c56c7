// `ferry run snapshot --explain`: the walk's decisions for one path, with their reasons.
#include <fcntl.h>
#include <sys/stat.h>

#include "ferry/snapshot/walk.hpp"
#include "ferry/util/fd.hpp"
#include "walk_support.hpp"

namespace ferry::snapshot {

using detail::join;

namespace {

// The names along `relative`, refused when it leads outside the root or names nothing.
Result<std::vector<std::string>> parts_of(std::string_view relative, const fs::path& real) {
    std::vector<std::string> parts;
    for (const auto& part : fs::path(relative).lexically_normal()) {
        const std::string text = part.string();
        if (text.empty() || text == ".") {
            continue;
        }
        if (text == ".." || part.is_absolute() || text == "/") {
            return usage_error("{}: not a path inside {}", relative, real.string());
        }
        parts.push_back(text);
    }
    if (parts.empty()) {
        return usage_error("{}: name a file or directory inside {}", relative, real.string());
    }
    return parts;
}

// What the walk does with the last name when no rule leaves it out: a link leading outside
// and what is not a file, link or directory stay out.
Result<void> judge_last(Explanation& result, int dir_fd, const std::string& real,
                        const std::string& directory, const std::string& name,
                        const std::string& path, mode_t mode) {
    if (S_ISLNK(mode)) {
        TRY_ASSIGN(auto target, detail::read_link(dir_fd, name, path));
        if (!detail::kept_target(real, directory, path, target)) {
            result.included = false;
            result.left_out = LeftOutReason::outside_link;
            result.detail = target;
        }
    } else if (!S_ISREG(mode) && !S_ISDIR(mode)) {
        result.included = false;
        result.left_out = LeftOutReason::special_file;
        result.detail = detail::special_kind(mode);
    }
    return {};
}

// The directory `name` in `dir_fd`; none when it is not one, so nothing below it exists.
util::Fd open_below(int dir_fd, const std::string& name, bool is_directory) {
    if (!is_directory) {
        return {};
    }
    return util::Fd(
        ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

}  // namespace

Result<Explanation> explain(const fs::path& root, std::string_view relative,
                            std::span<const FerryDirectory> ferry_data) {
    TRY_ASSIGN(auto real, detail::real_directory(root));
    TRY_ASSIGN(const auto parts, parts_of(relative, real));
    const auto ours = detail::ferry_data_inside(real.string(), ferry_data);
    Explanation result;
    const bool marked_directory = relative.ends_with('/');
    // Whatever decides, the answer is about the whole path asked for.
    for (const auto& part : parts) {
        result.path = join(result.path, part);
    }
    IgnoreStack stack;
    std::vector<std::string> warnings;
    std::string directory;
    util::Fd dir_fd(::open(real.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        if (dir_fd) {
            TRY_ASSIGN(auto list,
                       detail::read_ignore_list(dir_fd.get(), directory, k_ignore_files, warnings));
            stack.push(std::move(list));
        }
        const std::string path = join(directory, parts[i]);
        struct stat st {};
        const bool exists =
            dir_fd && ::fstatat(dir_fd.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
        result.exists = exists;
        result.is_directory = exists ? S_ISDIR(st.st_mode) : (!last || marked_directory);
        if (parts[i] == ".git") {
            result.included = false;
            result.git_directory = true;
            result.decided_by_directory = last ? "" : path;
            break;
        }
        const IgnoreRule* rule = stack.decide(path, result.is_directory);
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
        if (const auto* found = detail::find_ferry_data(ours, path);
            found != nullptr && exists && S_ISDIR(st.st_mode)) {
            result.included = false;
            result.left_out = LeftOutReason::ferry_data;
            result.detail = found->what;
            result.decided_by_directory = last ? "" : path;
            break;
        }
        if (last && exists) {
            TRY(judge_last(result, dir_fd.get(), real.string(), directory, parts[i], path,
                           st.st_mode));
        }
        if (!last && exists && S_ISLNK(st.st_mode)) {
            result.included = false;
            result.below_link = path;  // the walk keeps the link and does not follow it
            break;
        }
        if (!last) {
            dir_fd = open_below(dir_fd.get(), parts[i], exists && S_ISDIR(st.st_mode));
            directory = path;
        }
    }
    return result;
}

}  // namespace ferry::snapshot
