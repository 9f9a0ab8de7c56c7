#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "ferry/core/error.hpp"
#include "ferry/store/blob_store.hpp"
#include "ferry/store/database.hpp"

namespace ferry::store {

namespace fs = std::filesystem;

inline constexpr std::string_view k_workspace_db = "workspace.db";

struct WorkspaceStats {
    std::string description;
    std::string created_at;
    int schema_version = 0;
    std::uint64_t blob_count = 0;
    std::uint64_t blob_bytes = 0;
};

// An open workspace: its database and its blob store.
class Workspace {
public:
    // Opens an existing workspace directory and brings its schema up to date.
    [[nodiscard]] static Result<Workspace> open(std::string name, const fs::path& root);
    // Makes `root` a workspace (0700 directory, 0600 database); a workspace already there
    // is kept as it is.
    [[nodiscard]] static Result<void> initialize(const fs::path& root, std::string_view description,
                                                 std::string_view created_at);
    // True when `root` holds a workspace database.
    [[nodiscard]] static bool is_workspace(const fs::path& root);

    [[nodiscard]] const std::string& name() const { return m_name; }
    [[nodiscard]] const fs::path& root() const { return m_root; }
    [[nodiscard]] Database& db() { return m_db; }
    [[nodiscard]] const BlobStore& blobs() const { return m_blobs; }

    // Stores a blob and records it in the blob index.
    [[nodiscard]] Result<StoredBlob> put_blob_file(const fs::path& source,
                                                   std::string_view stored_at);
    [[nodiscard]] Result<StoredBlob> put_blob_bytes(std::string_view bytes,
                                                    std::string_view stored_at);
    [[nodiscard]] Result<WorkspaceStats> stats();

private:
    Workspace(std::string name, fs::path root, Database db)
        : m_name(std::move(name)),
          m_root(std::move(root)),
          m_db(std::move(db)),
          m_blobs(m_root / "objects") {}
    [[nodiscard]] Result<StoredBlob> index(Result<StoredBlob> blob, std::string_view stored_at);

    std::string m_name;
    fs::path m_root;
    Database m_db;
    BlobStore m_blobs;
};

}  // namespace ferry::store
