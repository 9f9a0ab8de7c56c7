#include "ferry/maintain/gc.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "ferry/maintain/delete_runs.hpp"
#include "ferry/maintain/holders.hpp"
#include "ferry/run/record.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::maintain {

namespace {

using Clock = std::chrono::system_clock;

struct Found {
    fs::path path;
    Reclaimed size;
    Clock::time_point modified;
};

Clock::time_point modified_of(const struct stat& st) {
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

// A file or a whole tree: how many files and bytes, and when it was last changed.
Found measure(const fs::path& path) {
    Found found{path, {}, {}};
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        return found;
    }
    found.modified = modified_of(st);
    if (!S_ISDIR(st.st_mode)) {
        found.size = {1, static_cast<std::uint64_t>(st.st_size)};
        return found;
    }
    std::error_code ec;
    for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        if (::lstat(it->path().c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
            found.size.add({1, static_cast<std::uint64_t>(st.st_size)});
        }
    }
    return found;
}

// The entries of a directory, measured; none when it does not exist.
std::vector<Found> entries_of(const fs::path& directory) {
    std::vector<Found> found;
    std::error_code ec;
    for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
        found.push_back(measure(it->path()));
    }
    return found;
}

class Collector {
public:
    Collector(const GcOptions& options, Reclaimed& into) : m_options(options), m_into(into) {}
    Result<void> take(const Found& found) {
        if (!m_options.dry_run) {
            TRY(remove_tree(found.path));
        }
        m_into.add(found.size);
        return {};
    }

private:
    const GcOptions& m_options;
    Reclaimed& m_into;
};

// Blobs no holder names: their files, then their rows (and the rows of snapshots no run uses).
Result<void> collect_orphans(store::Workspace& workspace, const std::vector<std::string>& named,
                             const GcOptions& options, GcReport& report) {
    const auto& objects = workspace.blobs().directory();
    Collector collector(options, report.orphans);
    for (const auto& shard : entries_of(objects)) {
        const std::string prefix = shard.path.filename().string();
        if (prefix.size() != 2 || !fs::is_directory(shard.path)) {
            continue;  // tmp/, damaged/, gc.lock, losses
        }
        for (const auto& blob : entries_of(shard.path)) {
            const std::string sha256 = prefix + blob.path.filename().string();
            if (!util::is_sha256_hex(sha256)) {
                continue;
            }
            if (std::ranges::binary_search(named, sha256)) {
                report.kept += 1;
            } else {
                TRY(collector.take(blob));
            }
        }
    }
    if (options.dry_run) {
        return {};
    }
    if (report.orphans.files > 0) {
        TRY(workspace.blobs().note_loss());  // stat caches may remember their digests
    }
    auto& db = workspace.db();
    TRY_ASSIGN(auto rows, db.query_all("SELECT sha256 FROM blobs", store::first_text));
    return db.transaction([&]() -> Result<void> {
        TRY(
            db.execute("DELETE FROM snapshots WHERE id NOT IN "
                       "(SELECT snapshot FROM runs WHERE snapshot IS NOT NULL)"));
        for (const auto& sha256 : rows) {
            if (!std::ranges::binary_search(named, sha256)) {
                TRY(db.execute("DELETE FROM blobs WHERE sha256 = ?1", sha256));
            }
        }
        return {};
    });
}

Result<void> collect_caches(store::Workspace& workspace, const GcOptions& options,
                            Clock::time_point now, GcReport& report) {
    const auto unused_since = now - std::chrono::days(options.cache_days);
    // A content cache that an unfinished run's plan names may be mounted into its job.
    TRY_ASSIGN(const auto runs, run::unfinished_runs(workspace.db()));
    std::string plans;
    for (const auto& one : runs) {
        plans += one.plan.dump();
    }
    Collector collector(options, report.caches);
    for (const std::string_view kind : {"stat", "content", "tensorboard"}) {
        for (const auto& entry : entries_of(workspace.root() / "cache" / kind)) {
            const std::string name = entry.path.filename().string();
            const bool in_use = kind == "content" && plans.find(name) != std::string::npos;
            if (entry.modified < unused_since && !in_use) {
                TRY(collector.take(entry));
            }
        }
    }
    return {};
}

}  // namespace

Reclaimed GcReport::total() const {
    Reclaimed all;
    for (const auto* part : {&orphans, &temporary, &damaged, &caches}) {
        all.add(*part);
    }
    return all;
}

Result<GcReport> collect_garbage(store::Workspace& workspace, const GcOptions& options,
                                 Clock::time_point now) {
    if (options.cache_days < 0) {
        return usage_error("--older-than: {} is not a number of days", options.cache_days);
    }
    // Exclusive: no writer stores or reuses a blob while what records name is listed and the
    // rest deleted.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::exclusive));
    GcReport report;
    TRY_ASSIGN(const auto holders, list_holders(workspace.db()));
    TRY_ASSIGN(const auto named, referenced_blobs(workspace.blobs(), holders));
    TRY(collect_orphans(workspace, named, options, report));
    const auto& objects = workspace.blobs().directory();
    Collector temporary(options, report.temporary);
    for (const auto& file : entries_of(objects / "tmp")) {
        if (file.modified < now - k_stale_temporary) {
            TRY(temporary.take(file));
        }
    }
    Collector damaged(options, report.damaged);
    for (const auto& file : entries_of(objects / "damaged")) {
        TRY(damaged.take(file));
    }
    TRY(collect_caches(workspace, options, now, report));
    return report;
}

}  // namespace ferry::maintain
