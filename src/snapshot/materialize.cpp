// Writing a stored snapshot out as a working directory.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "ferry/snapshot/manifest.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/parallel.hpp"

namespace ferry::snapshot {

namespace {

// No entry may sit below a link (writing it would go through the link), and a link target
// must be in the walk's normal form: a run of ".." that stays within the tree, then plain
// names. Since parents are real directories and nothing climbs after the first name, no
// chain of links can lead out, whatever the other links point at.
Result<void> check_links(const std::vector<ManifestEntry>& entries) {
    std::unordered_set<std::string> links;
    for (const auto& entry : entries) {
        if (!for_each_parent(entry.path, [&](std::string_view parent) {
                return !links.contains(std::string(parent));
            })) {
            return fail("snapshot manifest: {} lies below a symbolic link", entry.path);
        }
        if (!entry.is_link()) {
            continue;
        }
        const auto depth = static_cast<std::size_t>(std::ranges::count(entry.path, '/'));
        std::size_t climbs = 0;
        bool named = false;
        bool normal =
            !entry.target.empty() && !entry.target.starts_with('/') && !entry.target.ends_with('/');
        if (entry.target == ".") {
            links.insert(entry.path);  // a link to its own directory
            continue;
        }
        for (const auto& part : fs::path(entry.target)) {
            const std::string text = part.string();
            if (text == ".." && !named) {
                ++climbs;
            } else if (text.empty() || text == "." || text == "..") {
                normal = false;
            } else {
                named = true;
            }
        }
        if (!normal || climbs > depth) {
            return fail("snapshot manifest: link {} leads outside the snapshot", entry.path);
        }
        links.insert(entry.path);
    }
    return {};
}

}  // namespace

Result<void> materialize(const store::BlobStore& blobs, std::string_view id,
                         const fs::path& destination) {
    const fs::path manifest_path = blobs.path_of(id);
    if (manifest_path.empty() || !blobs.has(id)) {
        return fail("snapshot {} is not in the workspace", id);
    }
    TRY_ASSIGN(auto text, util::read_file(manifest_path));
    TRY_ASSIGN(auto entries, parse_manifest(text));
    TRY(check_links(entries));
    std::error_code ec;
    if (fs::exists(destination, ec) && !fs::is_empty(destination, ec)) {
        return fail("cannot materialize snapshot into {}: not empty", destination.string());
    }
    TRY(util::create_directories(destination, 0755));
    std::set<std::string> directories;
    for (const auto& entry : entries) {
        for_each_parent(entry.path, [&](std::string_view parent) {
            directories.emplace(parent);
            return true;
        });
    }
    for (const auto& directory : directories) {  // parents sort before their children
        if (::mkdir((destination / directory).c_str(), 0755) != 0 && errno != EEXIST) {
            return fail("cannot create {}: {}", (destination / directory).string(),
                        util::errno_text(errno));
        }
    }
    return util::parallel_for(entries.size(), [&](std::size_t i) -> Result<void> {
        const ManifestEntry& entry = (entries)[i];
        const fs::path target = destination / entry.path;
        if (entry.is_link()) {
            if (::symlink(entry.target.c_str(), target.c_str()) != 0) {
                return fail("cannot create link {}: {}", target.string(), util::errno_text(errno));
            }
            return {};
        }
        const mode_t mode = entry.mode == "100755" ? 0755 : 0644;
        util::Fd from(::open(blobs.path_of(entry.sha256).c_str(), O_RDONLY | O_CLOEXEC));
        if (!from) {
            return fail("snapshot {}: blob {} of {} is missing: {}", id.substr(0, 7), entry.sha256,
                        entry.path, util::errno_text(errno));
        }
        util::Fd to(
            ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!to) {
            return fail("cannot create {}: {}", target.string(), util::errno_text(errno));
        }
        TRY(util::copy_contents(from.get(), to.get(), entry.path));
        if (::fchmod(to.get(), mode) != 0) {
            return fail("cannot set the mode of {}: {}", target.string(), util::errno_text(errno));
        }
        return {};
    });
}

}  // namespace ferry::snapshot
