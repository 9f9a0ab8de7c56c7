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
        TRY_ASSIGN(auto stored, blobs.put_copy(fd.get(), file.string(), util::Durable::no));
        hashed.sha256 = stored.sha256;
        hashed.size = stored.size;
        hashed.added = stored.added;
        return hashed;
    }
    TRY_ASSIGN(auto content,
               util::read_fd(fd.get(), file.string(), static_cast<std::size_t>(st.st_size)));
    hashed.sha256 = util::Sha256::of(content);
    hashed.size = content.size();
    if (!blobs.has(hashed.sha256, hashed.size)) {
        TRY_ASSIGN(auto stored, blobs.put_bytes(content, util::Durable::no));
        hashed.added = stored.added;
    }
    return hashed;
}

// What the stat cache vouched for, and what was read because it could not.
struct Reading {
    std::vector<HexDigest> digests;    // of every entry, in the listing's order
    std::vector<std::size_t> to_hash;  // the entries read now, in the listing's order
    std::vector<Hashed> hashed;        // what reading each of them found
    std::size_t files = 0;             // entries that are files, not links
};

// The digests of links and of the files the cache vouches for; the other files are to read.
Reading plan_reading(const Listing& listing, const StatCache& cache,
                     const store::BlobStore& blobs) {
    const auto& entries = listing.entries;
    Reading reading;
    reading.digests.resize(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        if (entry.kind == EntryKind::symlink) {
            const std::string digest = util::Sha256::of(entry.target);
            std::ranges::copy(digest, reading.digests[i].begin());
            continue;
        }
        ++reading.files;
        // A remembered digest counts only while its blob is there at the file's size: one
        // truncated or appended to in the store is read and stored again.
        auto known = cache.lookup(entry.path, entry.stat);
        if (known && blobs.has(std::string_view(known->data(), known->size()), entry.size)) {
            reading.digests[i] = *known;
        } else {
            reading.to_hash.push_back(i);
        }
    }
    return reading;
}

// Reads the files to read on all cores. Progress, when asked for: the bytes read so far,
// told every 200 ms by its own thread.
Result<void> read_files(const store::BlobStore& blobs, int root_fd, const Listing& listing,
                        Reading& reading, const StoreProgress& progress) {
    const auto& entries = listing.entries;
    reading.hashed.resize(reading.to_hash.size());
    std::uint64_t total = 0;
    for (const std::size_t i : reading.to_hash) {
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
    auto done = util::parallel_for(reading.to_hash.size(), [&](std::size_t n) -> Result<void> {
        const std::size_t i = reading.to_hash[n];
        TRY_ASSIGN(auto file, hash_and_store(blobs, root_fd, listing.root, entries[i].path));
        std::ranges::copy(file.sha256, reading.digests[i].begin());
        read_bytes += file.size;
        reading.hashed[n] = std::move(file);
        return {};
    });
    if (reporter.joinable()) {
        reporter.request_stop();
        reporter.join();
        progress(read_bytes.load(), total);
    }
    return done;
}

// The snapshot's files and bytes as read, and what was new to the store.
Result<SnapshotCost> count_cost(const Listing& listing, const Reading& reading,
                                std::uint64_t limit) {
    SnapshotCost cost;
    cost.files = listing.entries.size();
    cost.hashed_files = reading.to_hash.size();
    cost.bytes = listing.bytes;
    for (std::size_t n = 0; n < reading.to_hash.size(); ++n) {
        // A file that changed since the walk is stored as read; its size follows.
        cost.bytes = cost.bytes - listing.entries[reading.to_hash[n]].size + reading.hashed[n].size;
        if (reading.hashed[n].added) {
            ++cost.new_files;
            cost.new_bytes += reading.hashed[n].size;
        }
    }
    // Files that grew since the walk count as read.
    if (cost.bytes > limit) {
        return fail("{} grew to {} while being snapshotted, over the snapshot limit of {}",
                    listing.root.string(), util::human_bytes(cost.bytes), util::human_bytes(limit));
    }
    return cost;
}

std::string manifest_text(const Listing& listing, const Reading& reading) {
    const auto& entries = listing.entries;
    const auto& to_hash = reading.to_hash;
    std::string text(k_manifest_header);
    text.reserve(entries.size() * 110);
    for (std::size_t i = 0, n = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        const bool read_now = n < to_hash.size() && to_hash[n] == i;
        const std::uint64_t size = read_now ? reading.hashed[n++].size : entry.size;
        append_manifest_entry(text, entry.mode(), size,
                              {reading.digests[i].data(), reading.digests[i].size()}, entry.path,
                              entry.target);
    }
    return text;
}

Result<store::StoredBlob> store_manifest(const store::BlobStore& blobs, const std::string& text) {
    // An unchanged tree has its manifest stored already: no write, no fsync.
    store::StoredBlob manifest{util::Sha256::of(text), text.size(), false};
    if (!blobs.has(manifest.sha256, manifest.size)) {
        TRY_ASSIGN(manifest, blobs.put_bytes(text));
    }
    return manifest;
}

// Remembers the stat and digest of every file, for the next snapshot of the same directory.
void remember_stats(const fs::path& cache_path, const std::string& root, const Listing& listing,
                    const Reading& reading) {
    const auto& entries = listing.entries;
    const auto& to_hash = reading.to_hash;
    std::vector<CachedDigest> remembered;
    remembered.reserve(reading.files);
    for (std::size_t i = 0, n = 0; i < entries.size(); ++i) {
        const bool read_now = n < to_hash.size() && to_hash[n] == i;
        const StatKey& stat = read_now ? reading.hashed[n++].stat : entries[i].stat;
        if (entries[i].kind == EntryKind::file) {
            remembered.push_back({entries[i].path, stat, reading.digests[i]});
        }
    }
    // Losing the cache costs only time; a failure to write it is not the user's problem.
    std::ignore = StatCache::save(cache_path, root, remembered);
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
        TRY_ASSIGN(auto known, db.prepare("SELECT 1 FROM snapshots WHERE id = ?1"));
        TRY_ASSIGN(auto row, known.bind(1, cost.id).step());
        if (row) {
            return {};
        }
    }
    return db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto blob, db.prepare("INSERT OR IGNORE INTO blobs(sha256, size, stored_at) "
                                         "VALUES (?1, ?2, ?3)"));
        const auto index = [&](std::string_view sha256, std::uint64_t size) {
            return blob.reset()
                .bind(1, sha256)
                .bind(2, static_cast<std::int64_t>(size))
                .bind(3, now)
                .run();
        };
        for (const auto& file : hashed) {
            TRY(index(file.sha256, file.size));
        }
        TRY(index(manifest.sha256, manifest.size));
        TRY_ASSIGN(auto snapshot,
                   db.prepare("INSERT OR IGNORE INTO snapshots(id, files, bytes, created_at) "
                              "VALUES (?1, ?2, ?3, ?4)"));
        return snapshot.bind(1, cost.id)
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
    TRY(require_files(listing));
    TRY(check_limit(listing, limit));
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    const std::string root = listing.root.string();
    util::Fd root_fd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd) {
        return fail("cannot read directory {}: {}", root, util::errno_text(errno));
    }
    const fs::path cache_path = cache_file(workspace, root);
    const store::BlobStore& blobs = workspace.blobs();
    StatCache cache = StatCache::load(cache_path, root);
    if (cache.written_ns() <= blobs.last_loss_ns()) {
        // A blob was set aside since: a remembered digest may name it; read everything.
        cache = StatCache();
    }
    Reading reading = plan_reading(listing, cache, blobs);
    TRY(read_files(blobs, root_fd.get(), listing, reading, progress));
    TRY_ASSIGN(auto cost, count_cost(listing, reading, limit));
    // Every blob reaches the disk before anything that names it; also one that another
    // snapshot linked into place and had yet to sync.
    if (!reading.to_hash.empty()) {
        TRY(blobs.sync());
    }
    TRY_ASSIGN(const auto manifest, store_manifest(blobs, manifest_text(listing, reading)));
    cost.id = manifest.sha256;
    TRY(record(workspace, reading.hashed, manifest, cost, now));
    // Written after the sync, so that a cached digest always names a durable blob.
    if (!reading.to_hash.empty() || cache.size() != reading.files) {
        remember_stats(cache_path, root, listing, reading);
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
