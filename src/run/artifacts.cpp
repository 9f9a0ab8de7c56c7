#include "ferry/run/artifacts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::run {

namespace {

struct Found {
    std::string path;  // in the manifest
    fs::path source;
};

void walk(const fs::path& directory, const std::string& prefix, std::vector<Found>& found,
          std::vector<std::string>& skipped) {
    std::error_code ec;
    fs::directory_iterator it(directory, ec);
    if (ec) {
        if (ec != std::errc::no_such_file_or_directory) {
            skipped.push_back(fmt::format("{}: {}", directory.string(), ec.message()));
        }
        return;
    }
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) {
            skipped.push_back(fmt::format("{}: {}", directory.string(), ec.message()));
            return;
        }
        const fs::path source = it->path();
        const std::string path = prefix + "/" + source.filename().string();
        if (!snapshot::is_safe_relative_path(path)) {
            skipped.push_back(fmt::format("{}: a name a manifest cannot hold", source.string()));
            continue;
        }
        const auto link_status = it->symlink_status(ec);
        if (fs::is_directory(link_status)) {
            walk(source, path, found, skipped);
            continue;
        }
        const auto status = it->status(ec);
        if (fs::is_regular_file(status)) {
            found.push_back({path, source});
        } else if (fs::is_symlink(link_status) && fs::is_directory(status)) {
            skipped.push_back(fmt::format("{}: a link to a directory, not followed", path));
        } else {
            skipped.push_back(fmt::format("{}: not a regular file", path));
        }
    }
}

Result<snapshot::ManifestEntry> store_one(const store::BlobStore& blobs, const Found& file) {
    util::Fd fd(::open(file.source.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return fail("cannot read {}: {}", file.source.string(), util::errno_text(errno));
    }
    auto stored = blobs.put_copy(fd.get(), file.source.string(), util::Durable::no);
    if (!stored) {
        return std::unexpected(stored.error());
    }
    return snapshot::ManifestEntry{(st.st_mode & 0111) != 0 ? "100755" : "100644", stored->size,
                                   stored->sha256, file.path, ""};
}

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

// The sha256 of a file, read in pieces: outputs can be larger than memory.
std::optional<std::string> file_digest(const fs::path& path) {
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return std::nullopt;
    }
    util::Sha256 hash;
    std::vector<char> buffer(1 << 20);
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            return std::nullopt;
        }
        if (got == 0) {
            return hash.hex_digest();
        }
        hash.update(buffer.data(), static_cast<std::size_t>(got));
    }
}

}  // namespace

Result<ArtifactSet> collect_artifacts(store::Workspace& workspace,
                                      const std::vector<ArtifactSource>& sources,
                                      std::string_view now) {
    ArtifactSet set;
    std::vector<Found> found;
    for (const auto& source : sources) {
        walk(source.directory, source.prefix, found, set.skipped);
    }
    std::vector<snapshot::ManifestEntry> entries;
    for (const auto& file : found) {
        auto entry = store_one(workspace.blobs(), file);
        if (!entry) {
            // A file that vanished or cannot be read is named, not fatal: the rest still counts.
            set.skipped.push_back(entry.error().message);
            continue;
        }
        set.bytes += entry->size;
        entries.push_back(std::move(*entry));
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    set.files = entries.size();
    if (auto synced = workspace.blobs().sync(); !synced) {
        return std::unexpected(synced.error());
    }
    const std::string manifest = snapshot::format_manifest(entries);
    auto& db = workspace.db();
    auto recorded = db.transaction([&]() -> Result<void> {
        auto stmt =
            db.prepare("INSERT OR IGNORE INTO blobs(sha256, size, stored_at) VALUES (?1, ?2, ?3)");
        if (!stmt) {
            return std::unexpected(stmt.error());
        }
        for (const auto& entry : entries) {
            stmt->reset()
                .bind(1, entry.sha256)
                .bind(2, static_cast<std::int64_t>(entry.size))
                .bind(3, now);
            if (auto ran = stmt->run(); !ran) {
                return ran;
            }
        }
        auto blob = workspace.put_blob_bytes(manifest, now);
        if (!blob) {
            return std::unexpected(blob.error());
        }
        set.id = blob->sha256;
        return {};
    });
    if (!recorded) {
        return std::unexpected(recorded.error());
    }
    return set;
}

Result<std::vector<snapshot::ManifestEntry>> read_artifacts(const store::BlobStore& blobs,
                                                            std::string_view id) {
    auto text = util::read_file(blobs.path_of(id));
    if (!text) {
        return std::unexpected(text.error());
    }
    auto entries = snapshot::parse_manifest(*text);
    if (!entries) {
        return std::unexpected(with_context(entries.error(), fmt::format("artifacts {}", id)));
    }
    return entries;
}

Result<DownloadResult> download_entries(
    const store::BlobStore& blobs,
    const std::vector<std::pair<snapshot::ManifestEntry, std::string>>& entries,
    const fs::path& directory, Overwrite overwrite) {
    DownloadResult result;
    std::vector<bool> needed(entries.size(), true);
    std::vector<std::string> conflicts;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const auto& [entry, relative] = entries[i];
        if (!snapshot::is_safe_relative_path(relative)) {
            return fail("refusing to write '{}': it would land outside {}", relative,
                        directory.string());
        }
        if (auto parents = check_parents(directory, relative); !parents) {
            return std::unexpected(parents.error());
        }
        const fs::path target = directory / relative;
        if (entry.is_link()) {
            // A link stays inside: relative, and not climbing above the directory.
            const fs::path resolved =
                (fs::path(relative).parent_path() / entry.target).lexically_normal();
            if (fs::path(entry.target).is_absolute() || resolved.empty() ||
                *resolved.begin() == "..") {
                return fail("refusing to write the link '{}' -> '{}': it leads outside {}",
                            relative, entry.target, directory.string());
            }
        }
        std::error_code ec;
        const auto status = fs::symlink_status(target, ec);
        if (status.type() == fs::file_type::not_found) {
            continue;
        }
        if (entry.is_link()) {
            if (status.type() == fs::file_type::symlink &&
                fs::read_symlink(target, ec) == fs::path(entry.target)) {
                needed[i] = false;
                ++result.unchanged;
            } else if (overwrite == Overwrite::no || status.type() == fs::file_type::directory) {
                conflicts.push_back(target.string());
            }
            continue;
        }
        if (status.type() == fs::file_type::regular) {
            if (file_digest(target) == entry.sha256) {
                needed[i] = false;
                ++result.unchanged;
                continue;
            }
        }
        if (overwrite == Overwrite::no || status.type() != fs::file_type::regular) {
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
    for (std::size_t i = 0; i < entries.size(); ++i) {
        if (!needed[i]) {
            continue;
        }
        const auto& [entry, relative] = entries[i];
        const fs::path target = directory / relative;
        if (auto made = util::create_directories(target.parent_path(), 0755); !made) {
            return std::unexpected(made.error());
        }
        if (auto parents = check_parents(directory, relative); !parents) {
            return std::unexpected(parents.error());
        }
        if (entry.is_link()) {
            std::error_code ec;
            fs::remove(target, ec);  // an other link or file, with --overwrite
            fs::create_symlink(entry.target, target, ec);
            if (ec) {
                return fail("cannot make the link {}: {}", target.string(), ec.message());
            }
            ++result.files;
            continue;
        }
        util::Fd source(::open(blobs.path_of(entry.sha256).c_str(), O_RDONLY | O_CLOEXEC));
        if (!source) {
            return fail("artifact {} is missing from the store ({}): {}", entry.path,
                        blobs.path_of(entry.sha256).string(), util::errno_text(errno));
        }
        auto temp =
            util::TempFile::create_in(target.parent_path(), entry.mode == "100755" ? 0755 : 0644);
        if (!temp) {
            return std::unexpected(temp.error());
        }
        if (auto copied = util::copy_contents(source.get(), temp->fd(), entry.path); !copied) {
            return std::unexpected(copied.error());
        }
        if (file_digest(temp->path()) != entry.sha256) {
            return fail(
                "{}: the copy does not match its recorded sha256 {}; the store may be "
                "damaged",
                target.string(), entry.sha256);
        }
        if (auto committed = temp->commit_rename(target, util::Durable::no); !committed) {
            return std::unexpected(committed.error());
        }
        ++result.files;
        result.bytes += entry.size;
    }
    return result;
}

}  // namespace ferry::run
