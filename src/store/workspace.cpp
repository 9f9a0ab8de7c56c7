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
    if (auto made = util::create_directories(root, 0700); !made) {
        return made;
    }
    if (auto blobs = BlobStore(root / "objects").initialize(); !blobs) {
        return blobs;
    }
    auto db = Database::open(root / k_workspace_db, CreateIfMissing::yes);
    if (!db) {
        return std::unexpected(db.error());
    }
    if (auto migrated = migrate(*db, workspace_migrations()); !migrated) {
        return std::unexpected(migrated.error());
    }
    // INSERT OR IGNORE: a workspace being attached keeps its own description and age.
    return db->transaction([&]() -> Result<void> {
        for (const auto& [key, value] :
             {std::pair{"description", description}, std::pair{"created_at", created_at}}) {
            auto stmt = db->prepare("INSERT OR IGNORE INTO meta(key, value) VALUES (?1, ?2)");
            if (!stmt) {
                return std::unexpected(stmt.error());
            }
            if (auto ran = stmt->bind(1, std::string_view(key)).bind(2, value).run(); !ran) {
                return ran;
            }
        }
        return {};
    });
}

Result<Workspace> Workspace::open(std::string name, const fs::path& root) {
    if (!is_workspace(root)) {
        return fail("workspace '{}': {} is not a ferry workspace (missing {})", name, root.string(),
                    k_workspace_db);
    }
    auto db = Database::open(root / k_workspace_db, CreateIfMissing::no);
    if (!db) {
        return std::unexpected(db.error());
    }
    if (auto migrated = migrate(*db, workspace_migrations()); !migrated) {
        return std::unexpected(migrated.error());
    }
    Workspace workspace(std::move(name), root, std::move(*db));
    if (auto blobs = workspace.m_blobs.initialize(); !blobs) {
        return std::unexpected(blobs.error());
    }
    return workspace;
}

Result<StoredBlob> Workspace::index(Result<StoredBlob> blob, std::string_view stored_at) {
    if (!blob) {
        return blob;
    }
    auto stmt =
        m_db.prepare("INSERT OR IGNORE INTO blobs(sha256, size, stored_at) VALUES (?1, ?2, ?3)");
    if (!stmt) {
        return std::unexpected(stmt.error());
    }
    stmt->bind(1, blob->sha256).bind(2, static_cast<std::int64_t>(blob->size)).bind(3, stored_at);
    if (auto ran = stmt->run(); !ran) {
        return std::unexpected(ran.error());
    }
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
    auto version = m_db.user_version();
    if (!version) {
        return std::unexpected(version.error());
    }
    stats.schema_version = *version;
    auto meta = m_db.prepare("SELECT key, value FROM meta");
    if (!meta) {
        return std::unexpected(meta.error());
    }
    for (;;) {
        auto row = meta->step();
        if (!row) {
            return std::unexpected(row.error());
        }
        if (!*row) {
            break;
        }
        const std::string key = meta->text(0);
        if (key == "description") {
            stats.description = meta->text(1);
        } else if (key == "created_at") {
            stats.created_at = meta->text(1);
        }
    }
    auto blobs = m_db.prepare("SELECT count(*), coalesce(sum(size), 0) FROM blobs");
    if (!blobs) {
        return std::unexpected(blobs.error());
    }
    if (auto row = blobs->step(); !row) {
        return std::unexpected(row.error());
    }
    stats.blob_count = static_cast<std::uint64_t>(blobs->integer(0));
    stats.blob_bytes = static_cast<std::uint64_t>(blobs->integer(1));
    return stats;
}

}  // namespace ferry::store
