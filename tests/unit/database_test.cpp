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
