#include "ferry/store/database.hpp"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ferry::store {
namespace {

using ferry::test::mode_of;
using ferry::test::ScopedUmask;
using ferry::test::TempDir;
using ferry::test::write_text;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The single text value of a one-row query.
std::string query_text(Database& db, std::string_view sql) {
    auto stmt = db.prepare(sql);
    EXPECT_TRUE(stmt) << stmt.error().message;
    if (!stmt) {
        return {};
    }
    auto row = stmt->step();
    EXPECT_TRUE(row && *row) << (row ? "no row" : row.error().message);
    return stmt->text(0);
}

std::int64_t query_integer(Database& db, std::string_view sql) {
    auto stmt = db.prepare(sql);
    EXPECT_TRUE(stmt) << stmt.error().message;
    if (!stmt) {
        return -1;
    }
    auto row = stmt->step();
    EXPECT_TRUE(row && *row) << (row ? "no row" : row.error().message);
    return stmt->integer(0);
}

TEST(Database, CreateIfMissingMakesAPrivateFile) {
    TempDir tmp;
    ScopedUmask mask(0000);
    const auto path = tmp / "test.db";
    auto db = Database::open(path, CreateIfMissing::yes);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_TRUE(fs::is_regular_file(path));
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(db->path(), path);
    // SQLite gives the WAL the database file's mode.
    ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER)"));
    ASSERT_TRUE(fs::exists(tmp / "test.db-wal"));
    EXPECT_EQ(mode_of(tmp / "test.db-wal"), 0600u);
}

TEST(Database, MissingFileWithoutCreateIsAnErrorNamingIt) {
    TempDir tmp;
    const auto path = tmp / "missing.db";
    auto db = Database::open(path, CreateIfMissing::no);
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().message,
              "cannot open database " + path.string() + ": unable to open database file");
    EXPECT_FALSE(fs::exists(path));
}

TEST(Database, JournalModeIsWal) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(query_text(*db, "PRAGMA journal_mode"), "wal");
}

TEST(Database, ForeignKeysAreOn) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(query_integer(*db, "PRAGMA foreign_keys"), 1);
    ASSERT_TRUE(
        db->exec("CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE child (parent INTEGER REFERENCES parent(id));"));
    auto inserted = db->exec("INSERT INTO child(parent) VALUES (42)");
    ASSERT_FALSE(inserted);
    EXPECT_EQ(inserted.error().message,
              "database " + (tmp / "test.db").string() + ": FOREIGN KEY constraint failed");
}

TEST(Database, ReopenedDatabaseKeepsWalAndData) {
    TempDir tmp;
    const auto path = tmp / "test.db";
    {
        auto db = Database::open(path, CreateIfMissing::yes);
        ASSERT_TRUE(db);
        ASSERT_TRUE(db->exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')"));
    }
    auto db = Database::open(path, CreateIfMissing::no);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(query_text(*db, "SELECT x FROM t"), "kept");
    EXPECT_EQ(query_text(*db, "PRAGMA journal_mode"), "wal");
    EXPECT_EQ(query_integer(*db, "PRAGMA foreign_keys"), 1);
}

TEST(Database, StatementBindsAndReads) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)"));
    {
        auto insert = db->prepare("INSERT INTO t VALUES (?1, ?2, ?3)");
        ASSERT_TRUE(insert);
        // Text with an embedded NUL keeps its length.
        const std::string text("x\0y", 3);
        ASSERT_TRUE(insert->bind(1, text).bind(2, std::int64_t{1} << 40).bind_null(3).run());
    }
    auto select = db->prepare("SELECT a, b, c FROM t");
    ASSERT_TRUE(select);
    auto row = select->step();
    ASSERT_TRUE(row && *row);
    EXPECT_EQ(select->text(0), std::string("x\0y", 3));
    EXPECT_EQ(select->integer(1), std::int64_t{1} << 40);
    EXPECT_EQ(select->optional_text(2), std::nullopt);
    EXPECT_EQ(select->text(2), "");
    EXPECT_EQ(select->optional_text(0), std::string("x\0y", 3));
    auto done = select->step();
    ASSERT_TRUE(done);
    EXPECT_FALSE(*done);
}

TEST(Database, PrepareErrorNamesThePathAndSqliteMessage) {
    TempDir tmp;
    const auto path = tmp / "test.db";
    auto db = Database::open(path, CreateIfMissing::yes);
    ASSERT_TRUE(db);
    auto stmt = db->prepare("SELECT * FROM nowhere");
    ASSERT_FALSE(stmt);
    EXPECT_EQ(stmt.error().message, "database " + path.string() + ": no such table: nowhere");
    EXPECT_EQ(stmt.error().code, ExitCode::failure);
}

// A database with one table of a text, an integer and a nullable text column.
Database table_db(const TempDir& tmp) {
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    EXPECT_TRUE(db) << db.error().message;
    EXPECT_TRUE(db->exec("CREATE TABLE t (a TEXT, b INTEGER, c TEXT)"));
    return std::move(*db);
}

struct Row {
    std::string a;
    std::int64_t b = 0;
    std::optional<std::string> c;
    friend bool operator==(const Row&, const Row&) = default;
};

Row read_row(const Statement& stmt) {
    return {stmt.text(0), stmt.integer(1), stmt.optional_text(2)};
}

TEST(Database, ExecuteBindsEachKindOfValueByPosition) {
    TempDir tmp;
    Database db = table_db(tmp);
    const std::string text = "string";
    const std::uint64_t big = std::uint64_t{1} << 40;
    const std::optional<std::string> some = "some";
    constexpr auto sql = "INSERT INTO t VALUES (?1, ?2, ?3)";
    ASSERT_TRUE(db.execute(sql, text, 1, nullptr));
    ASSERT_TRUE(db.execute(sql, std::string_view("view"), big, std::nullopt));
    ASSERT_TRUE(db.execute(sql, "literal", true, some));
    ASSERT_TRUE(
        db.execute(sql, std::string("x\0y", 3), std::int64_t{-5}, std::optional<std::string>()));
    ASSERT_TRUE(db.execute(sql, "", std::optional<int>(7), std::string()));
    auto rows = db.query_all("SELECT a, b, c FROM t ORDER BY rowid", read_row);
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_THAT(*rows, ::testing::ElementsAre(Row{"string", 1, std::nullopt},
                                              Row{"view", std::int64_t{1} << 40, std::nullopt},
                                              Row{"literal", 1, "some"},
                                              Row{std::string("x\0y", 3), -5, std::nullopt},
                                              Row{"", 7, ""}));
}

TEST(Database, ExecuteRefusesAValueCountThatDoesNotMatchTheParameters) {
    TempDir tmp;
    Database db = table_db(tmp);
    const auto path = (tmp / "test.db").string();
    auto few = db.execute("INSERT INTO t VALUES (?1, ?2, ?3)", "a", 1);
    ASSERT_FALSE(few);
    EXPECT_EQ(few.error().message,
              "database " + path +
                  ": 2 values for the 3 parameters of: INSERT INTO t VALUES (?1, "
                  "?2, ?3)");
    auto many = db.query_one("SELECT a FROM t WHERE b = ?1", first_text, 1, 2);
    ASSERT_FALSE(many);
    EXPECT_EQ(
        many.error().message,
        "database " + path + ": 2 values for the 1 parameter of: SELECT a FROM t WHERE b = ?1");
    // A parameter used twice counts once.
    ASSERT_TRUE(db.execute("INSERT INTO t VALUES (?1, ?2, ?1)", "twice", 2));
    EXPECT_EQ(query_integer(db, "SELECT count(*) FROM t"), 1);
}

TEST(Database, ExecuteErrorNamesThePathAndSqliteMessage) {
    TempDir tmp;
    Database db = table_db(tmp);
    ASSERT_TRUE(db.exec("CREATE UNIQUE INDEX one_a ON t(a)"));
    ASSERT_TRUE(db.execute("INSERT INTO t(a) VALUES (?1)", "x"));
    auto again = db.execute("INSERT INTO t(a) VALUES (?1)", "x");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message,
              "database " + (tmp / "test.db").string() + ": UNIQUE constraint failed: t.a");
    auto missing = db.query_all("SELECT x FROM nowhere", first_text);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "database " + (tmp / "test.db").string() + ": no such table: nowhere");
}

TEST(Database, QueryOneGivesTheFirstRowOrNothing) {
    TempDir tmp;
    Database db = table_db(tmp);
    ASSERT_TRUE(db.execute("INSERT INTO t VALUES ('x', 1, NULL), ('y', 2, 'z')"));
    auto first = db.query_one("SELECT a, b, c FROM t WHERE b >= ?1 ORDER BY b", read_row, 1);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(*first, (Row{"x", 1, std::nullopt}));
    auto none = db.query_one("SELECT a, b, c FROM t WHERE a = ?1", read_row, "w");
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_EQ(*none, std::nullopt);
    // Any callable reads a row.
    auto count = db.query_one("SELECT count(*) FROM t", first_integer);
    ASSERT_TRUE(count) << count.error().message;
    EXPECT_EQ(*count, std::optional<std::int64_t>{2});
    auto joined = db.query_one(
        "SELECT a, c FROM t WHERE b = ?1",
        [](const Statement& row) { return row.text(0) + row.text(1); }, 2);
    ASSERT_TRUE(joined) << joined.error().message;
    EXPECT_EQ(*joined, std::optional<std::string>{"yz"});
}

TEST(Database, QueryAllGivesEveryRowInOrder) {
    TempDir tmp;
    Database db = table_db(tmp);
    for (const auto* name : {"c", "a", "b"}) {
        ASSERT_TRUE(db.execute("INSERT INTO t(a, b) VALUES (?1, length(?1))", name));
    }
    auto names = db.query_all("SELECT a FROM t ORDER BY a", first_text);
    ASSERT_TRUE(names) << names.error().message;
    EXPECT_THAT(*names, ::testing::ElementsAre("a", "b", "c"));
    auto none = db.query_all("SELECT a FROM t WHERE b > ?1", first_text, 5);
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_THAT(*none, ::testing::IsEmpty());
}

TEST(Database, BindAllRebindsAResetStatement) {
    TempDir tmp;
    Database db = table_db(tmp);
    auto insert = db.prepare("INSERT INTO t VALUES (?1, ?2, ?3)");
    ASSERT_TRUE(insert);
    for (std::int64_t i = 0; i < 3; ++i) {
        const auto note = i == 1 ? std::optional<std::string>("one") : std::nullopt;
        ASSERT_TRUE(insert->reset().bind_all(std::to_string(i), i, note).run());
    }
    auto rows = db.query_all("SELECT a, b, c FROM t ORDER BY b", read_row);
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_THAT(*rows, ::testing::ElementsAre(Row{"0", 0, std::nullopt}, Row{"1", 1, "one"},
                                              Row{"2", 2, std::nullopt}));
}

TEST(Database, TransactionCommits) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER)"));
    auto done = db->transaction([&]() -> Result<void> {
        return db->exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
    });
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_EQ(query_integer(*db, "SELECT count(*) FROM t"), 2);
}

TEST(Database, TransactionRollsBackOnError) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER)"));
    auto done = db->transaction([&]() -> Result<void> {
        if (auto inserted = db->exec("INSERT INTO t VALUES (1)"); !inserted) {
            return inserted;
        }
        return fail("stop here");
    });
    ASSERT_FALSE(done);
    EXPECT_EQ(done.error().message, "stop here");
    EXPECT_EQ(query_integer(*db, "SELECT count(*) FROM t"), 0);
    // The connection is usable again: no transaction was left open.
    auto again =
        db->transaction([&]() -> Result<void> { return db->exec("INSERT INTO t VALUES (3)"); });
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(query_integer(*db, "SELECT count(*) FROM t"), 1);
}

TEST(Database, TransactionRollsBackOnSqlError) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER UNIQUE)"));
    auto done = db->transaction([&]() -> Result<void> {
        return db->exec("INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)");
    });
    ASSERT_FALSE(done);
    EXPECT_THAT(done.error().message, HasSubstr("UNIQUE constraint failed: t.x"));
    EXPECT_EQ(query_integer(*db, "SELECT count(*) FROM t"), 0);
}

TEST(Database, UserVersion) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    EXPECT_EQ(db->user_version(), 0);
    ASSERT_TRUE(db->exec("PRAGMA user_version = 7"));
    EXPECT_EQ(db->user_version(), 7);
}

TEST(Database, GarbageFileIsNotADatabase) {
    TempDir tmp;
    const auto path = tmp / "garbage.db";
    std::string garbage(4096, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) {
        garbage[i] = static_cast<char>((i * 131 + 7) & 0xff);
    }
    write_text(path, garbage);
    for (auto create : {CreateIfMissing::no, CreateIfMissing::yes}) {
        auto db = Database::open(path, create);
        ASSERT_FALSE(db);
        EXPECT_THAT(db.error().message, HasSubstr(path.string()));
        EXPECT_THAT(db.error().message, HasSubstr("file is not a database"));
        EXPECT_EQ(db.error().message, "database " + path.string() + ": file is not a database");
    }
    // The file is left as it was.
    EXPECT_EQ(util::read_file(path).value(), garbage);
}

TEST(Database, ShortTextFileIsNotADatabase) {
    TempDir tmp;
    const auto path = tmp / "notes.db";
    write_text(path, "these are my notes, not a database\n");
    auto db = Database::open(path, CreateIfMissing::no);
    ASSERT_FALSE(db);
    EXPECT_THAT(db.error().message, HasSubstr(path.string()));
    EXPECT_THAT(db.error().message, HasSubstr("file is not a database"));
}

TEST(Database, DirectoryInPlaceOfTheFileIsAnErrorNamingIt) {
    TempDir tmp;
    const auto path = tmp / "workspace.db";
    ASSERT_TRUE(util::create_directories(path, 0700));
    auto created = Database::open(path, CreateIfMissing::yes);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message,
              "cannot open database " + path.string() + ": Is a directory");
    auto opened = Database::open(path, CreateIfMissing::no);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().message,
              "cannot open database " + path.string() + ": unable to open database file");
    EXPECT_TRUE(fs::is_directory(path));
}

TEST(Database, ErrorNamesActionAndPath) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    const Error error = db->error("cannot frobnicate");
    EXPECT_EQ(error.code, ExitCode::failure);
    EXPECT_THAT(error.message,
                StartsWith("cannot frobnicate " + (tmp / "test.db").string() + ": "));
}

TEST(Database, MoveKeepsTheConnection) {
    TempDir tmp;
    auto db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(db);
    Database moved(std::move(*db));
    ASSERT_TRUE(moved.exec("CREATE TABLE t (x INTEGER)"));
    auto other = Database::open(tmp / "other.db", CreateIfMissing::yes);
    ASSERT_TRUE(other);
    *other = std::move(moved);
    EXPECT_EQ(other->path(), tmp / "test.db");
    EXPECT_EQ(query_integer(*other, "SELECT count(*) FROM t"), 0);
}

TEST(Database, ConcurrentWritersNeverSeeAnError) {
    TempDir tmp;
    const auto path = tmp / "shared.db";
    {
        auto db = Database::open(path, CreateIfMissing::yes);
        ASSERT_TRUE(db) << db.error().message;
        ASSERT_TRUE(
            db->exec("CREATE TABLE counter (n INTEGER NOT NULL);"
                     "INSERT INTO counter VALUES (0);"
                     "CREATE TABLE log (writer INTEGER, n INTEGER)"));
    }
    constexpr int k_threads = 4;
    constexpr int k_rounds = 100;
    std::vector<std::string> errors(k_threads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            auto db = Database::open(path, CreateIfMissing::no);
            if (!db) {
                errors[t] = db.error().message;
                return;
            }
            while (!go.load()) {
                std::this_thread::yield();
            }
            for (int round = 0; round < k_rounds; ++round) {
                auto done = db->transaction([&]() -> Result<void> {
                    auto read = db->prepare("SELECT n FROM counter");
                    if (!read) {
                        return std::unexpected(read.error());
                    }
                    if (auto row = read->step(); !row) {
                        return std::unexpected(row.error());
                    }
                    const std::int64_t n = read->integer(0);
                    auto write = db->prepare("UPDATE counter SET n = ?1");
                    if (!write) {
                        return std::unexpected(write.error());
                    }
                    if (auto ran = write->bind(1, n + 1).run(); !ran) {
                        return ran;
                    }
                    auto log = db->prepare("INSERT INTO log VALUES (?1, ?2)");
                    if (!log) {
                        return std::unexpected(log.error());
                    }
                    return log->bind(1, std::int64_t{t}).bind(2, n + 1).run();
                });
                if (!done) {
                    errors[t] = done.error().message;
                    return;
                }
            }
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    for (int t = 0; t < k_threads; ++t) {
        EXPECT_EQ(errors[t], "") << "writer " << t;
    }
    auto db = Database::open(path, CreateIfMissing::no);
    ASSERT_TRUE(db);
    // Every increment happened exactly once: transactions were serialised.
    EXPECT_EQ(query_integer(*db, "SELECT n FROM counter"), k_threads * k_rounds);
    EXPECT_EQ(query_integer(*db, "SELECT count(DISTINCT n) FROM log"), k_threads * k_rounds);
}

TEST(Database, ConcurrentOpenersNeverSeeAnError) {
    // Opening sets WAL mode and reads the schema; doing so while others write must work.
    TempDir tmp;
    const auto path = tmp / "shared.db";
    constexpr int k_threads = 4;
    std::vector<std::string> errors(k_threads);
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 20; ++round) {
                auto db = Database::open(path, CreateIfMissing::yes);
                if (!db) {
                    errors[t] = db.error().message;
                    return;
                }
                auto done = db->transaction([&]() -> Result<void> {
                    return db->exec(
                        "CREATE TABLE IF NOT EXISTS t (x INTEGER); INSERT INTO t VALUES (1)");
                });
                if (!done) {
                    errors[t] = done.error().message;
                    return;
                }
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (int t = 0; t < k_threads; ++t) {
        EXPECT_EQ(errors[t], "") << "opener " << t;
    }
    auto db = Database::open(path, CreateIfMissing::no);
    ASSERT_TRUE(db);
    EXPECT_EQ(query_integer(*db, "SELECT count(*) FROM t"), k_threads * 20);
}

}  // namespace
}  // namespace ferry::store
