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

// The rules of a directory from the first of its ignore files among `candidates`. Like
// git, an ignore file that is a symbolic link is not followed (a warning says so).
[[nodiscard]] Result<IgnoreList> read_ignore_list(int dir_fd, const std::string& base,
                                                  std::span<const std::string_view> candidates,
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

// "a named pipe", "a socket" or "a device".
[[nodiscard]] const char* special_kind(mode_t mode);

// The directory with every link resolved; an error when it is not a directory.
[[nodiscard]] Result<fs::path> real_directory(const fs::path& root);

}  // namespace ferry::snapshot::detail
