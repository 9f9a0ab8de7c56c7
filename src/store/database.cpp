#include "ferry/store/database.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>
#include <utility>

#include "ferry/util/fs.hpp"

namespace ferry::store {

namespace {

constexpr int k_busy_timeout_ms = 5000;
constexpr auto k_retry_for = std::chrono::seconds(60);

bool is_busy(int rc) {
    const int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

// Retries an SQLite call while another connection holds the lock.
template <typename Call>
int with_retry(Call call) {
    const auto deadline = std::chrono::steady_clock::now() + k_retry_for;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        const int rc = call();
        if (!is_busy(rc) || std::chrono::steady_clock::now() > deadline) {
            return rc;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

}  // namespace

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}

Statement::~Statement() {
    sqlite3_finalize(m_stmt);
}

Statement& Statement::bind(int index, std::string_view value) {
    // An empty view may have no data pointer, which SQLite would take for NULL.
    sqlite3_bind_text(m_stmt, index, value.data() != nullptr ? value.data() : "",
                      static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    sqlite3_bind_double(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Result<bool> Statement::step() {
    const int rc = with_retry([&] {
        const int result = sqlite3_step(m_stmt);
        if (is_busy(result)) {
            sqlite3_reset(m_stmt);
        }
        return result;
    });
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    return std::unexpected(m_db->error("database"));
}

Result<void> Statement::run() {
    for (;;) {
        TRY_ASSIGN(auto row, step());
        if (!row) {
            return {};
        }
    }
}

Statement& Statement::reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    return *this;
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(m_stmt, column);
    if (data == nullptr) {
        return {};
    }
    return {reinterpret_cast<const char*>(data),
            static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))};
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (sqlite3_column_type(m_stmt, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return text(column);
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(m_stmt, column);
}

double Statement::real(int column) const {
    return sqlite3_column_double(m_stmt, column);
}

std::string first_text(const Statement& row) {
    return row.text(0);
}

std::int64_t first_integer(const Statement& row) {
    return row.integer(0);
}

Result<Database> Database::open(const fs::path& path, CreateIfMissing create) {
    if (create == CreateIfMissing::yes) {
        // Create the file ourselves so it is private (0600) from its first byte; SQLite
        // gives its -wal and -shm files the same mode.
        util::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) {
            return fail("cannot open database {}: {}", path.string(), util::errno_text(errno));
        }
    }
    sqlite3* handle = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
    Database db(handle, path);
    if (rc != SQLITE_OK) {
        if (handle == nullptr) {
            return fail("cannot open database {}: out of memory", path.string());
        }
        return std::unexpected(db.error("cannot open database"));
    }
    TRY(db.configure());
    return db;
}

Database::Database(Database&& other) noexcept
    : m_db(std::exchange(other.m_db, nullptr)), m_path(std::move(other.m_path)) {}

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(m_db);
        m_db = std::exchange(other.m_db, nullptr);
        m_path = std::move(other.m_path);
    }
    return *this;
}

Database::~Database() {
    sqlite3_close_v2(m_db);
}

Result<void> Database::configure() {
    sqlite3_extended_result_codes(m_db, 1);
    sqlite3_busy_timeout(m_db, k_busy_timeout_ms);
    // Reading the schema first turns a file that is not a database into a clear error.
    TRY(exec("SELECT count(*) FROM sqlite_schema"));
    TRY(query_one("PRAGMA journal_mode=WAL", first_text));
    return exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL");
}

Result<void> Database::exec(std::string_view sql) {
    const std::string text(sql);
    const int rc =
        with_retry([&] { return sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, nullptr); });
    if (rc != SQLITE_OK) {
        return std::unexpected(error("database"));
    }
    return {};
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = with_retry([&] {
        return sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    });
    if (rc != SQLITE_OK) {
        return std::unexpected(error("database"));
    }
    return Statement(*this, stmt);
}

Result<Statement> Database::prepare_bound(std::string_view sql, int values) {
    TRY_ASSIGN(auto stmt, prepare(sql));
    // A value too few would bind NULL in silence; one too many would be dropped.
    const int parameters = sqlite3_bind_parameter_count(stmt.m_stmt);
    if (parameters != values) {
        return fail("database {}: {} value{} for the {} parameter{} of: {}", m_path.string(),
                    values, values == 1 ? "" : "s", parameters, parameters == 1 ? "" : "s", sql);
    }
    return stmt;
}

Result<void> Database::transaction(const std::function<Result<void>()>& body) {
    TRY(exec("BEGIN IMMEDIATE"));
    auto result = body();
    if (!result) {
        std::ignore = exec("ROLLBACK");
        return result;
    }
    if (auto committed = exec("COMMIT"); !committed) {
        std::ignore = exec("ROLLBACK");
        return committed;
    }
    return {};
}

Result<int> Database::user_version() {
    TRY_ASSIGN(auto version, query_one("PRAGMA user_version", first_integer));
    return static_cast<int>(version.value_or(0));
}

Error Database::error(std::string_view action) const {
    const char* message = m_db != nullptr ? sqlite3_errmsg(m_db) : "unknown error";
    return Error{ExitCode::failure, fmt::format("{} {}: {}", action, m_path.string(), message)};
}

}  // namespace ferry::store
