#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/snapshot/ignore.hpp"

// The walk of a `code` directory: what a snapshot of it holds and what it leaves out.
namespace ferry::snapshot {

namespace fs = std::filesystem;

// What a stat says about a file's content; equal keys mean the content can be trusted not
// to have changed (with git's racy-timestamp caveat, handled by the stat cache).
struct StatKey {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint64_t inode = 0;
    friend bool operator==(const StatKey&, const StatKey&) = default;
};

// The key of an lstat/fstat result.
[[nodiscard]] StatKey stat_key(const struct ::stat& st);

enum class EntryKind { file, symlink };

struct Entry {
    std::string path;  // relative, '/'-separated, never absolute, never with ".."
    EntryKind kind = EntryKind::file;
    bool executable = false;
    std::uint64_t size = 0;  // a link's size is its target's length
    std::string target;      // links only: relative, inside the tree
    StatKey stat;
    [[nodiscard]] std::string_view mode() const {
        return kind == EntryKind::symlink ? "120000" : executable ? "100755" : "100644";
    }
};

enum class LeftOutReason { credential, outside_link, special_file, ferry_data };

struct LeftOut {
    std::string path;  // directories end in '/'
    LeftOutReason reason = LeftOutReason::credential;
    std::string detail;  // the link's target, the kind of special file, which ferry data
};

[[nodiscard]] std::string_view reason_name(LeftOutReason reason);

struct Listing {
    fs::path root;               // absolute, symbolic links resolved
    std::vector<Entry> entries;  // sorted by path, byte-wise
    std::vector<LeftOut> left_out;
    std::vector<std::string> warnings;
    std::uint64_t bytes = 0;  // sum of entry sizes
};

// Code honours ignore files and leaves credentials out; data keeps every file.
enum class IgnoreFiles { honoured, none };

// A directory of ferry's own that a snapshot never takes, whatever the ignore files say:
// else a code directory holding it would store the workspace into itself, run after run.
struct FerryDirectory {
    fs::path path;     // absolute; need not exist
    std::string what;  // for people: "FERRY_HOME", "workspace 'default'"
};

// Walks `root` with the ignore rules of its ignore files (or none), leaving out the
// directories `ferry_data` found inside it; reads no file contents.
[[nodiscard]] Result<Listing> list_tree(const fs::path& root,
                                        IgnoreFiles ignore_files = IgnoreFiles::honoured,
                                        std::span<const FerryDirectory> ferry_data = {});

// Why one path is in or out of a snapshot of `root`.
struct Explanation {
    std::string path;  // relative to root
    bool included = true;
    bool exists = false;
    bool is_directory = false;
    bool git_directory = false;             // under .git/: never included
    std::optional<IgnoreRule> rule;         // the deciding rule, if any
    std::string decided_by_directory;       // set when an excluded parent decided
    std::optional<LeftOutReason> left_out;  // an outside link, a special file, ferry data
    std::string below_link;                 // set when a parent is a symbolic link
    std::string detail;
};

// `relative` must name a path inside root; it need not exist (a trailing '/' marks a
// directory then). `ferry_data` as for list_tree.
[[nodiscard]] Result<Explanation> explain(const fs::path& root, std::string_view relative,
                                          std::span<const FerryDirectory> ferry_data = {});

}  // namespace ferry::snapshot
