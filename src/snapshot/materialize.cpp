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
#include "ferry/util/sha256.hpp"

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
    if (util::Sha256::of(text) != id) {
        std::ignore = blobs.set_aside(id);
        return fail(
            "snapshot {} is damaged (its manifest no longer matches its hash); it was set aside "
            "in {}, and storing the same content again repairs it",
            id, (blobs.directory() / "damaged").string());
    }
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
        util::Fd to(
            ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
        if (!to) {
            return fail("cannot create {}: {}", target.string(), util::errno_text(errno));
        }
        // Hashed on the way: a damaged blob fails the copy instead of reaching the job.
        TRY(blobs.copy_out(entry.sha256, to.get(),
                           fmt::format("{} in snapshot {}", entry.path, id.substr(0, 12))));
        if (::fchmod(to.get(), mode) != 0) {
            return fail("cannot set the mode of {}: {}", target.string(), util::errno_text(errno));
        }
        return {};
    });
}

}  // namespace ferry::snapshot
