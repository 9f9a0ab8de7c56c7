#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"

// A snapshot's manifest: one line per entry, sorted by path, itself stored as a blob whose
// hash is the snapshot id.
//
//   ferry-manifest 1
//   100644 <size> <sha256> <path>
//   100755 <size> <sha256> <path>
//   120000 <size> <sha256 of the target> <path>\t<target>
//
// Paths and targets escape '\\', newline, tab and other control bytes.
namespace ferry::snapshot {

struct ManifestEntry {
    std::string mode;  // "100644", "100755" or "120000"; artifacts: "100" and any permissions
    std::uint64_t size = 0;
    std::string sha256;
    std::string path;
    std::string target;  // links only
    [[nodiscard]] bool is_link() const { return mode == "120000"; }
    // A file's permission bits: "100640" -> 0640.
    [[nodiscard]] unsigned permissions() const;
};

// Which file modes a manifest may hold: git's two (snapshots, datasets, models), or any
// permission bits "100000".."100777" (a run's artifacts keep their files' modes).
enum class FileModes { git, permissions };

// Entries must be sorted by path.
[[nodiscard]] std::string format_manifest(const std::vector<ManifestEntry>& entries);
// The same, one line at a time, for callers that hold entries in another shape.
inline constexpr std::string_view k_manifest_header = "ferry-manifest 1\n";
void append_manifest_entry(std::string& out, std::string_view mode, std::uint64_t size,
                           std::string_view sha256, std::string_view path, std::string_view target);
// Checks everything: header, modes, digests, order, and that no path is absolute or has
// a ".." component.
[[nodiscard]] Result<std::vector<ManifestEntry>> parse_manifest(std::string_view text,
                                                                FileModes modes = FileModes::git);

// Whether a relative path may appear in a manifest: no "", ".", ".." or ".git" component.
[[nodiscard]] bool is_safe_relative_path(std::string_view path);

// Calls visit("a"), visit("a/b") for "a/b/c", parents first; stops when visit returns false,
// and returns false then.
template <typename Visit>
bool for_each_parent(std::string_view path, Visit&& visit) {
    for (std::size_t slash = path.find('/'); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
        if (!visit(path.substr(0, slash))) {
            return false;
        }
    }
    return true;
}

}  // namespace ferry::snapshot
