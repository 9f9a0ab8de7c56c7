// Storing a snapshot: hash what the stat cache cannot vouch for, on all cores; copy new
// content into the blob store; write the manifest; remember the stats for next time.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "ferry/snapshot/manifest.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/snapshot/stat_cache.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/parallel.hpp"
#include "ferry/util/sha256.hpp"
#include "ferry/util/text.hpp"

namespace ferry::snapshot {

namespace {

// Small files are read once into memory, hashed, and written only when new; larger ones
// are copied (a reflink where possible) and named by the hash of the copy.
constexpr std::uint64_t k_in_memory = 8ULL << 20;

struct Hashed {
    std::string sha256;
    std::uint64_t size = 0;
    StatKey stat;
    bool added = false;
};

// Reads `path` below the root without following links on the way, so a directory swapped for
// a link since the walk cannot pull in files from outside; O_NONBLOCK so that a file swapped
// for a pipe cannot hang it.
Result<Hashed> hash_and_store(const store::BlobStore& blobs, int root_fd, const fs::path& root,
                              const std::string& path) {
    const fs::path file = root / path;
    util::Fd fd(util::open_beneath(root_fd, path.c_str(), O_RDONLY | O_NONBLOCK));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return fail("cannot read {}: {}", file.string(), util::errno_text(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return fail("{} changed while being snapshotted: no longer a regular file", file.string());
    }
    Hashed hashed{{}, 0, stat_key(st), false};
    if (static_cast<std::uint64_t>(st.st_size) > k_in_memory) {
        auto stored = blobs.put_copy(fd.get(), file.string(), util::Durable::no);
        if (!stored) {
            return std::unexpected(stored.error());
        }
        hashed.sha256 = stored->sha256;
        hashed.size = stored->size;
        hashed.added = stored->added;
        return hashed;
    }
    auto content = util::read_fd(fd.get(), file.string(), static_cast<std::size_t>(st.st_size));
    if (!content) {
        return std::unexpected(content.error());
    }
    hashed.sha256 = util::Sha256::of(*content);
    hashed.size = content->size();
    if (!blobs.has(hashed.sha256)) {
        auto stored = blobs.put_bytes(*content, util::Durable::no);
        if (!stored) {
            return std::unexpected(stored.error());
        }
        hashed.added = stored->added;
    }
    return hashed;
}

fs::path cache_file(const store::Workspace& workspace, std::string_view root) {
    return workspace.root() / "cache" / "stat" / util::Sha256::of(root).substr(0, 32);
}

Result<void> record(store::Workspace& workspace, const std::vector<Hashed>& hashed,
                    const store::StoredBlob& manifest, const SnapshotCost& cost,
                    std::string_view now) {
    auto& db = workspace.db();
    if (hashed.empty()) {
        // A tree stored before, unchanged: nothing to write, so no write transaction.
        auto known = db.prepare("SELECT 1 FROM snapshots WHERE id = ?1");
        if (!known) {
            return std::unexpected(known.error());
        }
        auto row = known->bind(1, cost.id).step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (*row) {
            return {};
        }
    }
    return db.transaction([&]() -> Result<void> {
        auto blob =
            db.prepare("INSERT OR IGNORE INTO blobs(sha256, size, stored_at) VALUES (?1, ?2, ?3)");
        if (!blob) {
            return std::unexpected(blob.error());
        }
        const auto index = [&](std::string_view sha256, std::uint64_t size) {
            return blob->reset()
                .bind(1, sha256)
                .bind(2, static_cast<std::int64_t>(size))
                .bind(3, now)
                .run();
        };
        for (const auto& file : hashed) {
            if (auto ran = index(file.sha256, file.size); !ran) {
                return ran;
            }
        }
        if (auto ran = index(manifest.sha256, manifest.size); !ran) {
            return ran;
        }
        auto snapshot = db.prepare(
            "INSERT OR IGNORE INTO snapshots(id, files, bytes, created_at) "
            "VALUES (?1, ?2, ?3, ?4)");
        if (!snapshot) {
            return std::unexpected(snapshot.error());
        }
        return snapshot->bind(1, cost.id)
            .bind(2, static_cast<std::int64_t>(cost.files))
            .bind(3, static_cast<std::int64_t>(cost.bytes))
            .bind(4, now)
            .run();
    });
}

}  // namespace

Result<void> require_files(const Listing& listing) {
    if (!listing.entries.empty()) {
        return {};
    }
    return fail("{} holds no files to snapshot{}", listing.root.string(),
                listing.left_out.empty() ? "" : " (all were left out)");
}

Result<SnapshotCost> store_snapshot(store::Workspace& workspace, const Listing& listing,
                                    std::uint64_t limit, std::string_view now,
                                    const StoreProgress& progress) {
    if (auto some = require_files(listing); !some) {
        return std::unexpected(some.error());
    }
    if (auto within = check_limit(listing, limit); !within) {
        return std::unexpected(within.error());
    }
    const std::string root = listing.root.string();
    util::Fd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) {
        return fail("cannot read directory {}: {}", root, util::errno_text(errno));
    }
    const fs::path cache_path = cache_file(workspace, root);
    const StatCache cache = StatCache::load(cache_path, root);

    const auto& entries = listing.entries;
    std::vector<HexDigest> digests(entries.size());
    std::vector<std::size_t> to_hash;
    std::size_t files = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        if (entry.kind == EntryKind::symlink) {
            const std::string digest = util::Sha256::of(entry.target);
            std::ranges::copy(digest, digests[i].begin());
            continue;
        }
        ++files;
        if (auto known = cache.lookup(entry.path, entry.stat)) {
            digests[i] = *known;
        } else {
            to_hash.push_back(i);
        }
    }

    const store::BlobStore& blobs = workspace.blobs();
    std::vector<Hashed> hashed(to_hash.size());
    // Progress, when asked for: the bytes read so far, told every 200 ms by its own thread.
    std::uint64_t total = 0;
    for (const std::size_t i : to_hash) {
        total += entries[i].size;
    }
    std::atomic<std::uint64_t> read_bytes{0};
    std::jthread reporter;
    if (progress) {
        progress(0, total);
        reporter = std::jthread([&](std::stop_token stop) {
            while (!stop.stop_requested()) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                progress(read_bytes.load(), total);
            }
        });
    }
    auto done = util::parallel_for(to_hash.size(), [&](std::size_t n) -> Result<void> {
        const std::size_t i = to_hash[n];
        auto file = hash_and_store(blobs, root_fd.get(), listing.root, entries[i].path);
        if (!file) {
            return std::unexpected(file.error());
        }
        std::ranges::copy(file->sha256, digests[i].begin());
        read_bytes += file->size;
        hashed[n] = std::move(*file);
        return {};
    });
    if (reporter.joinable()) {
        reporter.request_stop();
        reporter.join();
        progress(read_bytes.load(), total);
    }
    if (!done) {
        return std::unexpected(done.error());
    }

    SnapshotCost cost;
    cost.files = entries.size();
    cost.hashed_files = to_hash.size();
    cost.bytes = listing.bytes;
    for (std::size_t n = 0; n < to_hash.size(); ++n) {
        // A file that changed since the walk is stored as read; its size follows.
        cost.bytes = cost.bytes - entries[to_hash[n]].size + hashed[n].size;
        if (hashed[n].added) {
            ++cost.new_files;
            cost.new_bytes += hashed[n].size;
        }
    }
    // Files that grew since the walk count as read.
    if (cost.bytes > limit) {
        return fail("{} grew to {} while being snapshotted, over the snapshot limit of {}", root,
                    util::human_bytes(cost.bytes), util::human_bytes(limit));
    }
    // Every blob reaches the disk before anything that names it; also one that another
    // snapshot linked into place and had yet to sync.
    if (!to_hash.empty()) {
        if (auto synced = blobs.sync(); !synced) {
            return std::unexpected(synced.error());
        }
    }
    std::string text(k_manifest_header);
    text.reserve(entries.size() * 110);
    for (std::size_t i = 0, n = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        const bool read_now = n < to_hash.size() && to_hash[n] == i;
        const std::uint64_t size = read_now ? hashed[n++].size : entry.size;
        append_manifest_entry(text, entry.mode(), size, {digests[i].data(), digests[i].size()},
                              entry.path, entry.target);
    }
    // An unchanged tree has its manifest stored already: no write, no fsync.
    store::StoredBlob manifest{util::Sha256::of(text), text.size(), false};
    if (!blobs.has(manifest.sha256)) {
        auto stored = blobs.put_bytes(text);
        if (!stored) {
            return std::unexpected(stored.error());
        }
        manifest = *stored;
    }
    cost.id = manifest.sha256;
    if (auto recorded = record(workspace, hashed, manifest, cost, now); !recorded) {
        return std::unexpected(recorded.error());
    }

    if (!to_hash.empty() || cache.size() != files) {
        std::vector<CachedDigest> remembered;
        remembered.reserve(files);
        for (std::size_t i = 0, n = 0; i < entries.size(); ++i) {
            const bool read_now = n < to_hash.size() && to_hash[n] == i;
            const StatKey& stat = read_now ? hashed[n++].stat : entries[i].stat;
            if (entries[i].kind == EntryKind::file) {
                remembered.push_back({entries[i].path, stat, digests[i]});
            }
        }
        // Losing the cache costs only time; a failure to write it is not the user's problem.
        std::ignore = StatCache::save(cache_path, root, remembered);
    }
    return cost;
}

std::string describe(const SnapshotCost& cost) {
    return fmt::format(
        "snapshot {}: {} file{}, {}, {} new", cost.id.substr(0, 7),
        util::with_thousands(cost.files), cost.files == 1 ? "" : "s", util::human_bytes(cost.bytes),
        cost.new_files == 0 ? std::string("0")
                            : fmt::format("{} ({})", util::with_thousands(cost.new_files),
                                          util::human_bytes(cost.new_bytes)));
}

}  // namespace ferry::snapshot
