#include "ferry/store/workspace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "ferry/store/migrations.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::store {

namespace {

// Whether a workspace's directory holds what only its use leaves: runs, blobs, caches,
// environments. A new workspace holds at most an empty objects/ (tmp/ and gc.lock inside).
bool holds_content(const fs::path& root) {
    std::error_code ec;
    for (const std::string_view used : {"runs", "cache", "environments"}) {
        if (fs::is_directory(root / used, ec) && !fs::is_empty(root / used, ec)) {
            return true;
        }
    }
    for (fs::directory_iterator it(root / "objects", ec), end; !ec && it != end; it.increment(ec)) {
        // tmp/ and gc.lock: made by any command, even on a workspace that holds nothing.
        if (it->path().filename() != "tmp" && it->path().filename() != "gc.lock") {
            return true;
        }
    }
    return false;
}

// Refuses a database that is empty over a workspace's content, or that is not SQLite: either
// way SQLite would start a fresh schema over it, or fail with no word of what to do.
Result<void> check_database_file(const fs::path& root) {
    const fs::path path = root / k_workspace_db;
    util::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return {};  // missing: a new workspace
    }
    std::array<char, 16> header{};
    const ssize_t got = ::read(fd.get(), header.data(), header.size());
    constexpr std::string_view k_magic{"SQLite format 3\0", 16};
    // A new database may live in its WAL until the first checkpoint.
    struct stat wal {};
    const fs::path wal_path = path.string() + "-wal";
    const bool wal_empty = ::stat(wal_path.c_str(), &wal) != 0 || wal.st_size == 0;
    if (got == 0 && wal_empty && holds_content(root)) {
        return fail(
            "{} is empty, but {} holds a workspace's runs or objects: ferry will not start a new "
            "database over them (restore workspace.db from a backup, or move the directory "
            "away to start afresh)",
            path.string(), root.string());
    }
    if (got != 0 && std::string_view(header.data(), static_cast<std::size_t>(
                                                        std::max<ssize_t>(got, 0))) != k_magic) {
        return fail(
            "{} is not a SQLite database: ferry will not open or replace it (restore "
            "workspace.db from a backup, or move the directory away to start afresh)",
            path.string());
    }
    return {};
}

}  // namespace

bool Workspace::is_workspace(const fs::path& root) {
    struct stat st {};
    return ::stat((root / k_workspace_db).c_str(), &st) == 0;
}

Result<void> Workspace::initialize(const fs::path& root, std::string_view description,
                                   std::string_view created_at) {
    TRY(util::create_directories(root, 0700));
    TRY(check_database_file(root));
    TRY(BlobStore(root / "objects").initialize());
    TRY_ASSIGN(auto db, Database::open(root / k_workspace_db, CreateIfMissing::yes));
    TRY(migrate(db, workspace_migrations()));
    // INSERT OR IGNORE: a workspace being attached keeps its own description and age.
    return db.transaction([&]() -> Result<void> {
        for (const auto& [key, value] :
             {std::pair{"description", description}, std::pair{"created_at", created_at}}) {
            TRY(db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)", key, value));
        }
        return {};
    });
}

Result<Workspace> Workspace::open(std::string name, const fs::path& root) {
    if (!is_workspace(root)) {
        return fail("workspace '{}': {} is not a ferry workspace (missing {})", name, root.string(),
                    k_workspace_db);
    }
    TRY(check_database_file(root));
    TRY_ASSIGN(auto db, Database::open(root / k_workspace_db, CreateIfMissing::no));
    TRY(migrate(db, workspace_migrations()));
    Workspace workspace(std::move(name), root, std::move(db));
    TRY(workspace.m_blobs.initialize());
    return workspace;
}

Result<StoredBlob> Workspace::index(Result<StoredBlob> blob, std::string_view stored_at) {
    if (!blob) {
        return blob;
    }
    TRY(m_db.execute("INSERT OR IGNORE INTO blobs(sha256, size, stored_at) VALUES (?1, ?2, ?3)",
                     blob->sha256, blob->size, stored_at));
    return blob;
}

Result<StoredBlob> Workspace::put_blob_file(const fs::path& source, std::string_view stored_at) {
    return index(m_blobs.put_file(source), stored_at);
}

Result<StoredBlob> Workspace::put_blob_bytes(std::string_view bytes, std::string_view stored_at) {
    return index(m_blobs.put_bytes(bytes), stored_at);
}

Result<WorkspaceStats> Workspace::stats() {
    WorkspaceStats stats;
    TRY_ASSIGN(auto version, m_db.user_version());
    stats.schema_version = version;
    TRY_ASSIGN(auto meta, m_db.query_all("SELECT key, value FROM meta", [](const Statement& row) {
        return std::pair{row.text(0), row.text(1)};
    }));
    for (auto& [key, value] : meta) {
        if (key == "description") {
            stats.description = std::move(value);
        } else if (key == "created_at") {
            stats.created_at = std::move(value);
        }
    }
    TRY_ASSIGN(auto blobs, m_db.query_one("SELECT count(*), coalesce(sum(size), 0) FROM blobs",
                                          [](const Statement& row) {
                                              return std::pair{row.integer(0), row.integer(1)};
                                          }));
    const auto [count, bytes] = blobs.value_or(std::pair<std::int64_t, std::int64_t>{});
    stats.blob_count = static_cast<std::uint64_t>(count);
    stats.blob_bytes = static_cast<std::uint64_t>(bytes);
    return stats;
}

}  // namespace ferry::store
