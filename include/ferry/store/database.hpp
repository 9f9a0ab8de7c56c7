#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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
    Statement& bind(int index, double value);
    Statement& bind_null(int index);
    // Binds `values` to ?1..?N in order: text (string, string_view, const char*), any integer
    // or bool, a double, nullptr or nullopt for NULL, an optional as its value or NULL.
    template <typename... Values>
    Statement& bind_all(const Values&... values);
    // True when a row is ready; false when done. SQLITE_BUSY is retried, never returned.
    [[nodiscard]] Result<bool> step();
    // Steps to completion, for statements that return no rows.
    [[nodiscard]] Result<void> run();
    // Makes the statement ready to bind and run again.
    Statement& reset();

    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] std::optional<std::string> optional_text(int column) const;
    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] double real(int column) const;

private:
    friend class Database;
    Statement(const Database& db, sqlite3_stmt* stmt) : m_db(&db), m_stmt(stmt) {}
    template <typename Value>
    void bind_value(int index, const Value& value);
    const Database* m_db;
    sqlite3_stmt* m_stmt;
};

// Readers of a row's first column, for query_one and query_all.
[[nodiscard]] std::string first_text(const Statement& row);
[[nodiscard]] std::int64_t first_integer(const Statement& row);

// What a row reader (a callable taking `const Statement&`) makes of a row.
template <typename Read>
using RowOf = std::remove_cvref_t<std::invoke_result_t<Read&, const Statement&>>;

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

    // Runs SQL without parameters, several statements at once (schema, pragmas).
    [[nodiscard]] Result<void> exec(std::string_view sql);
    [[nodiscard]] Result<Statement> prepare(std::string_view sql);
    // One statement with `values` bound to ?1..?N (as Statement::bind_all), run to completion.
    template <typename... Values>
    [[nodiscard]] Result<void> execute(std::string_view sql, const Values&... values);
    // The first row as `read` makes it; nullopt when there is none.
    template <typename Read, typename... Values>
    [[nodiscard]] Result<std::optional<RowOf<Read>>> query_one(std::string_view sql, Read read,
                                                               const Values&... values);
    // Every row as `read` makes it, in order.
    template <typename Read, typename... Values>
    [[nodiscard]] Result<std::vector<RowOf<Read>>> query_all(std::string_view sql, Read read,
                                                             const Values&... values);
    // BEGIN IMMEDIATE ... COMMIT around `body`; rolled back when it fails.
    [[nodiscard]] Result<void> transaction(const std::function<Result<void>()>& body);
    [[nodiscard]] Result<int> user_version();
    [[nodiscard]] const fs::path& path() const { return m_path; }

    // "<action> <path>: <SQLite's last message>".
    [[nodiscard]] Error error(std::string_view action) const;

private:
    Database(sqlite3* db, fs::path path) : m_db(db), m_path(std::move(path)) {}
    [[nodiscard]] Result<void> configure();
    // prepare(), refusing SQL whose parameters are not exactly `values` many.
    [[nodiscard]] Result<Statement> prepare_bound(std::string_view sql, int values);
    sqlite3* m_db = nullptr;
    fs::path m_path;
};

namespace detail {
template <typename T>
inline constexpr bool k_is_optional = false;
template <typename T>
inline constexpr bool k_is_optional<std::optional<T>> = true;
}  // namespace detail

template <typename... Values>
Statement& Statement::bind_all(const Values&... values) {
    int index = 0;
    (bind_value(++index, values), ...);
    return *this;
}

template <typename Value>
void Statement::bind_value(int index, const Value& value) {
    if constexpr (std::is_same_v<Value, std::nullptr_t> || std::is_same_v<Value, std::nullopt_t>) {
        bind_null(index);
    } else if constexpr (detail::k_is_optional<Value>) {
        if (value) {
            bind_value(index, *value);
        } else {
            bind_null(index);
        }
    } else if constexpr (std::is_integral_v<Value>) {
        bind(index, static_cast<std::int64_t>(value));
    } else if constexpr (std::is_floating_point_v<Value>) {
        bind(index, static_cast<double>(value));
    } else {
        bind(index, std::string_view(value));
    }
}

template <typename... Values>
Result<void> Database::execute(std::string_view sql, const Values&... values) {
    TRY_ASSIGN(auto stmt, prepare_bound(sql, static_cast<int>(sizeof...(Values))));
    return stmt.bind_all(values...).run();
}

template <typename Read, typename... Values>
Result<std::optional<RowOf<Read>>> Database::query_one(std::string_view sql, Read read,
                                                       const Values&... values) {
    TRY_ASSIGN(auto stmt, prepare_bound(sql, static_cast<int>(sizeof...(Values))));
    TRY_ASSIGN(const bool row, stmt.bind_all(values...).step());
    if (!row) {
        return std::optional<RowOf<Read>>{};
    }
    return std::optional<RowOf<Read>>{read(std::as_const(stmt))};
}

template <typename Read, typename... Values>
Result<std::vector<RowOf<Read>>> Database::query_all(std::string_view sql, Read read,
                                                     const Values&... values) {
    TRY_ASSIGN(auto stmt, prepare_bound(sql, static_cast<int>(sizeof...(Values))));
    stmt.bind_all(values...);
    std::vector<RowOf<Read>> rows;
    for (;;) {
        TRY_ASSIGN(const bool row, stmt.step());
        if (!row) {
            return rows;
        }
        rows.push_back(read(std::as_const(stmt)));
    }
}

}  // namespace ferry::store
