#include "ferry/store/workspace.hpp"

#include <sys/stat.h>

#include "ferry/store/migrations.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::store {

bool Workspace::is_workspace(const fs::path& root) {
    struct stat st {};
    return ::stat((root / k_workspace_db).c_str(), &st) == 0;
}

Result<void> Workspace::initialize(const fs::path& root, std::string_view description,
                                   std::string_view created_at) {
    TRY(util::create_directories(root, 0700));
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
