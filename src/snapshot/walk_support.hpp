// What the walk and `explain` share: reading a directory's ignore file, judging links.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/ignore.hpp"
#include "ferry/snapshot/walk.hpp"

namespace ferry::snapshot::detail {

[[nodiscard]] std::string join(std::string_view directory, std::string_view name);

// The rules of a directory's ignore files among the names `present` (see k_ignore_files),
// in one list, lowest precedence first. Like git, an ignore file that is a symbolic link is
// not followed (a warning says so); it still replaces the directory's .gitignore.
[[nodiscard]] Result<IgnoreList> read_ignore_list(int dir_fd, const std::string& base,
                                                  std::span<const std::string_view> present,
                                                  std::vector<std::string>& warnings);

[[nodiscard]] Result<std::string> read_link(int dir_fd, const std::string& name,
                                            const std::string& path);

// The target a link keeps in a snapshot, or nothing when it leads outside `root`, whether
// written so or reached through other links: the path it resolves to, relative to the link
// and in normal form ("../data/x.csv"). A dangling link is judged by its text.
[[nodiscard]] std::optional<std::string> kept_target(const std::string& root,
                                                     const std::string& directory,
                                                     const std::string& path,
                                                     const std::string& target);

// The directories of `ferry_data` strictly inside `root` (real and absolute), each with
// its path relative to root; those missing or outside root are dropped.
[[nodiscard]] std::vector<FerryDirectory> ferry_data_inside(
    const std::string& root, std::span<const FerryDirectory> ferry_data);

// The directory of `inside` at `path` (relative to the root), if it is one.
[[nodiscard]] const FerryDirectory* find_ferry_data(std::span<const FerryDirectory> inside,
                                                    std::string_view path);

// "a named pipe", "a socket" or "a device".
[[nodiscard]] const char* special_kind(mode_t mode);

// The directory with every link resolved; an error when it is not a directory.
[[nodiscard]] Result<fs::path> real_directory(const fs::path& root);

}  // namespace ferry::snapshot::detail
