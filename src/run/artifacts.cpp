#include "ferry/run/artifacts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "download_links.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::run {

namespace {

// A parent of `path` below `root` that is a link (or not a directory) would let a write
// land elsewhere.
Result<void> check_parents(const fs::path& root, const std::string& relative) {
    bool safe = true;
    std::string bad;
    snapshot::for_each_parent(relative, [&](std::string_view parent) {
        std::error_code ec;
        const auto status = fs::symlink_status(root / parent, ec);
        if (!ec && status.type() != fs::file_type::directory) {
            safe = false;
            bad = std::string(parent);
            return false;
        }
        return status.type() != fs::file_type::not_found;
    });
    if (!safe) {
        return fail("refusing to write {}: {} is not a directory (a link or a file is in the way)",
                    (root / relative).string(), (root / bad).string());
    }
    return {};
}

// Refuses a destination that would land outside `directory`, through "..", a link on the way
// or, for a link entry, a target that leads out.
Result<void> check_destination(const fs::path& directory, const DownloadLinks& links,
                               const snapshot::ManifestEntry& entry, const std::string& relative) {
    if (!snapshot::is_safe_relative_path(relative)) {
        return fail("refusing to write '{}': it would land outside {}", relative,
                    directory.string());
    }
    TRY(check_parents(directory, relative));
    return links.check(entry, relative);
}

// The mode of each directory the download may make: 0700, and r-x for group or others where
// some file below is open to them.
using DirectoryModes = std::map<std::string, mode_t>;

DirectoryModes directory_modes(
    const std::vector<std::pair<snapshot::ManifestEntry, std::string>>& entries) {
    DirectoryModes modes;
    for (const auto& [entry, relative] : entries) {
        const unsigned bits = entry.is_link() ? 0U : entry.permissions();
        const mode_t open = ((bits & 070U) != 0 ? 050U : 0U) | ((bits & 07U) != 0 ? 05U : 0U);
        snapshot::for_each_parent(relative, [&](std::string_view parent) {
            modes[std::string(parent)] |= 0700U | open;
            return true;
        });
    }
    return modes;
}

// Makes the parents of `relative` that are missing, each with its mode (the umask aside).
Result<void> make_parents(const fs::path& directory, const std::string& relative,
                          const DirectoryModes& modes) {
    TRY(util::create_directories(directory, 0755));
    Result<void> made;
    snapshot::for_each_parent(relative, [&](std::string_view parent) {
        const fs::path path = directory / parent;
        const auto mode = modes.find(std::string(parent));
        const mode_t wanted = mode == modes.end() ? 0755 : mode->second;
        if (::mkdir(path.c_str(), wanted) == 0) {
            if (::chmod(path.c_str(), wanted) != 0) {
                made =
                    fail("cannot set the mode of {}: {}", path.string(), util::errno_text(errno));
            }
        } else if (errno != EEXIST) {
            made = fail("cannot create directory {}: {}", path.string(), util::errno_text(errno));
        }
        return made.has_value();
    });
    return made;
}

// What is at an entry's destination already, and whether it may be replaced.
enum class Existing { none, same, replaceable, conflict };

Existing existing_at(const snapshot::ManifestEntry& entry, const fs::path& target,
                     Overwrite overwrite) {
    std::error_code ec;
    const auto status = fs::symlink_status(target, ec);
    if (status.type() == fs::file_type::not_found) {
        return Existing::none;
    }
    if (entry.is_link()) {
        if (status.type() == fs::file_type::symlink &&
            fs::read_symlink(target, ec) == fs::path(entry.target)) {
            return Existing::same;
        }
        return overwrite == Overwrite::no || status.type() == fs::file_type::directory
                   ? Existing::conflict
                   : Existing::replaceable;
    }
    if (status.type() == fs::file_type::regular && util::sha256_of_file(target) == entry.sha256) {
        return Existing::same;
    }
    return overwrite == Overwrite::no || status.type() != fs::file_type::regular
               ? Existing::conflict
               : Existing::replaceable;
}

// Writes one entry at `relative` below `directory`: the link, or a copy of its blob through a
// temporary file, checked against its hash before it is renamed into place.
Result<void> write_entry(const store::BlobStore& blobs, const snapshot::ManifestEntry& entry,
                         const fs::path& directory, const std::string& relative,
                         const DirectoryModes& modes) {
    const fs::path target = directory / relative;
    TRY(make_parents(directory, relative, modes));
    TRY(check_parents(directory, relative));
    if (entry.is_link()) {
        std::error_code ec;
        fs::remove(target, ec);  // an other link or file, with --overwrite
        fs::create_symlink(entry.target, target, ec);
        if (ec) {
            return fail("cannot make the link {}: {}", target.string(), ec.message());
        }
        return {};
    }
    util::Fd source(::open(blobs.path_of(entry.sha256).c_str(), O_RDONLY | O_CLOEXEC));
    if (!source) {
        return fail("artifact {} is missing from the store ({}): {}", entry.path,
                    blobs.path_of(entry.sha256).string(), util::errno_text(errno));
    }
    // The recorded permission bits, never setuid, setgid or sticky.
    TRY_ASSIGN(auto temp, util::TempFile::create_in(target.parent_path(), entry.permissions()));
    TRY(util::copy_contents(source.get(), temp.fd(), entry.path));
    if (util::sha256_of_fd(temp.fd()) != entry.sha256) {
        return fail(
            "{}: the copy does not match its recorded sha256 {}; the store may be "
            "damaged",
            target.string(), entry.sha256);
    }
    return temp.commit_rename(target, util::Durable::no);
}

}  // namespace

Result<std::vector<snapshot::ManifestEntry>> read_artifacts(const store::BlobStore& blobs,
                                                            std::string_view id) {
    TRY_ASSIGN(auto text, util::read_file(blobs.path_of(id)));
    auto entries = snapshot::parse_manifest(text, snapshot::FileModes::permissions);
    if (!entries) {
        return std::unexpected(with_context(entries.error(), fmt::format("artifacts {}", id)));
    }
    return entries;
}

Result<DownloadResult> download_entries(
    const store::BlobStore& blobs,
    const std::vector<std::pair<snapshot::ManifestEntry, std::string>>& entries,
    const fs::path& directory, Overwrite overwrite, LinkScope scope) {
    DownloadResult result;
    const DownloadLinks links(directory, entries, scope);
    std::vector<bool> needed(entries.size(), true);
    std::vector<std::string> conflicts;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& [entry, relative] = entries[i];
        TRY(check_destination(directory, links, entry, relative));
        const fs::path target = directory / relative;
        const Existing existing = existing_at(entry, target, overwrite);
        if (existing == Existing::same) {
            needed[i] = false;
            ++result.unchanged;
        } else if (existing == Existing::conflict) {
            conflicts.push_back(target.string());
        }
    }
    if (!conflicts.empty()) {
        return fail(
            "{} exists with other content{}; nothing was written (--overwrite replaces "
            "files)",
            conflicts.front(),
            conflicts.size() > 1 ? fmt::format(" (and {} more)", conflicts.size() - 1)
                                 : std::string());
    }
    const DirectoryModes modes = directory_modes(entries);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& [entry, relative] = entries[i];
        if (needed[i]) {
            TRY(write_entry(blobs, entry, directory, relative, modes));
            ++result.files;
            result.bytes += entry.is_link() ? 0 : entry.size;
        }
    }
    return result;
}

}  // namespace ferry::run
