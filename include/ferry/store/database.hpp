#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ferry::store {

namespace fs = std::filesystem;

class Database;

// A prepared statement; bind with 1-based indexes, read columns 0-based.
class Statement {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_null(int index);
    // True when a row is ready; false when done. SQLITE_BUSY is retried, never returned.
    [[nodiscard]] Result<bool> step();
    // Steps to completion, for statements that return no rows.
    [[nodiscard]] Result<void> run();
    // Makes the statement ready to bind and run again.
    Statement& reset();

    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] std::optional<std::string> optional_text(int column) const;
    [[nodiscard]] std::int64_t integer(int column) const;

private:
    friend class Database;
    Statement(const Database& db, sqlite3_stmt* stmt) : m_db(&db), m_stmt(stmt) {}
    const Database* m_db;
    sqlite3_stmt* m_stmt;
};

enum class CreateIfMissing { yes, no };

// One SQLite connection: WAL, foreign keys on, a busy timeout, and retries on top so
// "database is locked" never reaches the user.
class Database {
public:
    [[nodiscard]] static Result<Database> open(const fs::path& path, CreateIfMissing create);
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    Database(const Database&) = delete;
    ~Database();

    [[nodiscard]] Result<void> exec(std::string_view sql);
    [[nodiscard]] Result<Statement> prepare(std::string_view sql);
    // BEGIN IMMEDIATE ... COMMIT around `body`; rolled back when it fails.
    [[nodiscard]] Result<void> transaction(const std::function<Result<void>()>& body);
    [[nodiscard]] Result<int> user_version();
    [[nodiscard]] const fs::path& path() const { return m_path; }

    // "<action> <path>: <SQLite's last message>".
    [[nodiscard]] Error error(std::string_view action) const;

private:
    Database(sqlite3* db, fs::path path) : m_db(db), m_path(std::move(path)) {}
    [[nodiscard]] Result<void> configure();
    sqlite3* m_db = nullptr;
    fs::path m_path;
};

}  // namespace ferry::store
