#include "ferry/store/migrations.hpp"

#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ferry::store {
namespace {

using ferry::test::TempDir;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::vector<std::string> table_names(Database& db) {
    std::vector<std::string> names;
    auto stmt = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    EXPECT_TRUE(stmt) << stmt.error().message;
    if (!stmt) {
        return names;
    }
    for (;;) {
        auto row = stmt->step();
        EXPECT_TRUE(row) << row.error().message;
        if (!row || !*row) {
            return names;
        }
        names.push_back(stmt->text(0));
    }
}

// One running run, seq 1, in the columns every schema since the first has.
constexpr std::string_view k_running_run =
    "INSERT INTO runs(name, display_name, experiment, compute, runtime, status, created_at,"
    " created_ms, command, spec, plan, directory, submitted_by) VALUES ('r', 'r', 'e',"
    " 'local', 'host', 'Running', 't', 0, 'true', '{}', '{}', '/d', 'me');";

TEST(Migrations, VersionsStartAtOneAndAreConsecutive) {
    for (auto migrations : {workspace_migrations(), registry_migrations()}) {
        ASSERT_FALSE(migrations.empty());
        int expected = 1;
        for (const auto& migration : migrations) {
            EXPECT_EQ(migration.version, expected++);
            EXPECT_FALSE(migration.sql.empty());
        }
    }
}

TEST(Migrations, EmptyDatabaseReachesTheLatestVersion) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "workspace.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    const int latest = workspace_migrations().back().version;
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    EXPECT_EQ(*migrated, latest);
    EXPECT_EQ(db.user_version(), latest);
    EXPECT_EQ(table_names(db),
              (std::vector<std::string>{"asset_pins", "assets", "blobs", "computes", "datastores",
                                        "env_maps", "meta", "run_events", "run_inputs",
                                        "run_metric_summaries", "run_metrics", "run_params",
                                        "run_tags", "runs", "snapshots", "sqlite_sequence"}));
}

TEST(Migrations, MigratingTwiceIsANoOp) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "workspace.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    ASSERT_TRUE(migrate(db, workspace_migrations()));
    auto again = migrate(db, workspace_migrations());
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, workspace_migrations().back().version);
}

TEST(Migrations, RegistrySchema) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "registry.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    auto migrated = migrate(db, registry_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    EXPECT_EQ(*migrated, 1);
    EXPECT_EQ(table_names(db), std::vector<std::string>{"workspaces"});
}

TEST(Migrations, VersionOneDatabaseKeepsItsRowsAndGetsBlobs) {
    TempDir tmp;
    const auto path = tmp / "workspace.db";
    {
        auto opened_db = Database::open(path, CreateIfMissing::yes);
        ASSERT_TRUE(opened_db) << opened_db.error().message;
        Database& db = *opened_db;
        auto first = migrate(db, workspace_migrations().first(1));
        ASSERT_TRUE(first) << first.error().message;
        EXPECT_EQ(*first, 1);
        EXPECT_EQ(table_names(db), std::vector<std::string>{"meta"});
        ASSERT_TRUE(
            db.exec("INSERT INTO meta(key, value) VALUES ('description', 'old data'),"
                    " ('created_at', '2020-01-01T00:00:00.000Z')"));
    }
    auto opened_db = Database::open(path, CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    EXPECT_EQ(db.user_version(), 1);
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    EXPECT_EQ(*migrated, workspace_migrations().back().version);
    EXPECT_EQ(db.user_version(), workspace_migrations().back().version);
    EXPECT_EQ(table_names(db),
              (std::vector<std::string>{"asset_pins", "assets", "blobs", "computes", "datastores",
                                        "env_maps", "meta", "run_events", "run_inputs",
                                        "run_metric_summaries", "run_metrics", "run_params",
                                        "run_tags", "runs", "snapshots", "sqlite_sequence"}));
    auto stmt = db.prepare("SELECT key, value FROM meta ORDER BY key");
    ASSERT_TRUE(stmt);
    ASSERT_EQ(stmt->step(), true);
    EXPECT_EQ(stmt->text(0), "created_at");
    EXPECT_EQ(stmt->text(1), "2020-01-01T00:00:00.000Z");
    ASSERT_EQ(stmt->step(), true);
    EXPECT_EQ(stmt->text(0), "description");
    EXPECT_EQ(stmt->text(1), "old data");
    EXPECT_EQ(stmt->step(), false);
    // The new table works.
    EXPECT_TRUE(db.exec("INSERT INTO blobs VALUES ('" + std::string(64, 'a') +
                        "', 3, '2020-01-01T00:00:00.000Z')"));
}

// A run recorded at schema 6 keeps its snapshot; what its submit added is unknown (NULL).
TEST(Migrations, ARunOfSchemaSixGetsUnknownAddedFigures) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "workspace.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    ASSERT_TRUE(migrate(db, workspace_migrations().first(6)));
    const std::string id(64, 'a');
    ASSERT_TRUE(db.exec("INSERT INTO blobs VALUES ('" + id +
                        "', 90, 't');"
                        "INSERT INTO snapshots VALUES ('" +
                        id +
                        "', 2, 13, 't');"
                        "INSERT INTO runs(name, display_name, experiment, compute, runtime, status,"
                        " created_at, created_ms, snapshot, command, spec, plan, directory,"
                        " submitted_by) VALUES ('r', 'r', 'e', 'local', 'host', 'Completed', 't',"
                        " 0, '" +
                        id + "', 'true', '{}', '{}', '/d', 'me')"));
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    auto stmt = db.prepare(
        "SELECT snapshot, snapshot_new_files, snapshot_new_bytes FROM runs WHERE name = 'r'");
    ASSERT_TRUE(stmt);
    ASSERT_EQ(stmt->step(), true);
    EXPECT_EQ(stmt->text(0), id);
    EXPECT_FALSE(stmt->optional_text(1));
    EXPECT_FALSE(stmt->optional_text(2));
}

// A run recorded before schema 9 gets its job's tags as tags and its literal inputs as
// params, as the command line got them; data inputs and nulls are not params.
TEST(Migrations, ARunOfSchemaEightGetsItsJobTagsAndLiteralInputs) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "workspace.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    ASSERT_TRUE(migrate(db, workspace_migrations().first(8)));
    ASSERT_TRUE(db.exec(
        "INSERT INTO runs(name, display_name, experiment, compute, runtime, status, created_at,"
        " created_ms, command, spec, plan, directory, submitted_by) VALUES ('r', 'r', 'e',"
        " 'local', 'host', 'Completed', 't', 0, 'true', '{\"tags\": {\"team\": \"vision\"},"
        " \"inputs\": {\"lr\": 0.01, \"epochs\": 10, \"flag\": true, \"name\": \"x\", \"none\":"
        " null, \"data\": {\"type\": \"uri_folder\", \"path\": \"/d\"}}}', '{}', '/d', 'me'),"
        " ('bare', 'bare', 'e', 'local', 'host', 'Completed', 't', 0, 'true', 'not json', '{}',"
        " '/d', 'me')"));
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    const auto rows = [&](const std::string& table) {
        std::string text;
        auto stmt = db.prepare("SELECT key || '=' || value FROM " + table + " ORDER BY key");
        EXPECT_TRUE(stmt);
        while (stmt && stmt->step().value_or(false)) {
            text += stmt->text(0) + " ";
        }
        return text;
    };
    EXPECT_EQ(rows("run_tags"), "team=vision ");
    EXPECT_EQ(rows("run_params"), "epochs=10 flag=True lr=0.01 name=x ");
}

// Points stored before schema 11 are summarized by the migration (the last by step, then
// time, then as stored), and points stored after it by the trigger.
TEST(Migrations, PointsOfSchemaTenAreSummarized) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "workspace.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    ASSERT_TRUE(migrate(db, workspace_migrations().first(10)));
    ASSERT_TRUE(db.exec(
        std::string(k_running_run) +
        "INSERT INTO run_metrics(run, key, step, timestamp, value) VALUES (1, 'loss', 2, 5, 0.2),"
        " (1, 'loss', 3, 1, 0.3), (1, 'loss', 1, 9, 0.9), (1, 'loss', 3, 1, 0.4),"
        " (1, 'acc', 0, 0, 0.5)"));
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    const auto summaries = [&] {
        std::string text;
        auto stmt = db.prepare(
            "SELECT key, last_value, last_step, min_value, max_value, count FROM "
            "run_metric_summaries ORDER BY key");
        EXPECT_TRUE(stmt);
        while (stmt && stmt->step().value_or(false)) {
            text += fmt::format("{} {} {} {} {} {}; ", stmt->text(0), stmt->real(1),
                                stmt->integer(2), stmt->real(3), stmt->real(4), stmt->integer(5));
        }
        return text;
    };
    // Of the two points at step 3 and time 1, the one stored last.
    EXPECT_EQ(summaries(), "acc 0.5 0 0.5 0.5 1; loss 0.4 3 0.2 0.9 4; ");
    ASSERT_TRUE(db.exec(
        "INSERT INTO run_metrics(run, key, step, timestamp, value) VALUES (1, 'loss', 2, 99,"
        " 0.05), (1, 'loss', 3, 1, 0.35), (1, 'acc', 1, 0, 0.6)"));
    EXPECT_EQ(summaries(), "acc 0.6 1 0.5 0.6 2; loss 0.35 3 0.05 0.9 6; ");
}

TEST(Migrations, EventsOfSchemaFourteenKeepTheirNumbersAndNoneIsGivenAgain) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "workspace.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    ASSERT_TRUE(migrate(db, workspace_migrations().first(14)));
    ASSERT_TRUE(
        db.exec(std::string(k_running_run) +
                "INSERT INTO run_events(rowid, run, status, at) VALUES (3, 1, 'NotStarted', 'a'),"
                " (7, 1, 'Running', 'b')"));
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_TRUE(migrated) << migrated.error().message;
    const auto events = [&] {
        std::string text;
        auto stmt = db.prepare("SELECT rowid, status, at FROM run_events ORDER BY rowid");
        EXPECT_TRUE(stmt);
        while (stmt && stmt->step().value_or(false)) {
            text += fmt::format("{} {} {}; ", stmt->integer(0), stmt->text(1), stmt->text(2));
        }
        return text;
    };
    EXPECT_EQ(events(), "3 NotStarted a; 7 Running b; ");
    // The newest event deleted, the next one is numbered after it all the same.
    ASSERT_TRUE(
        db.exec("DELETE FROM run_events WHERE rowid = 7;"
                "INSERT INTO run_events(run, status, at) VALUES (1, 'Completed', 'c')"));
    EXPECT_EQ(events(), "3 NotStarted a; 8 Completed c; ");
}

TEST(Migrations, NewerDatabaseIsRefusedAndLeftUntouched) {
    TempDir tmp;
    const auto path = tmp / "workspace.db";
    {
        auto opened_db = Database::open(path, CreateIfMissing::yes);
        ASSERT_TRUE(opened_db) << opened_db.error().message;
        Database& db = *opened_db;
        ASSERT_TRUE(
            db.exec("CREATE TABLE future (x TEXT); INSERT INTO future VALUES ('mine');"
                    "PRAGMA user_version = 99"));
    }
    auto opened_db = Database::open(path, CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    auto migrated = migrate(db, workspace_migrations());
    ASSERT_FALSE(migrated);
    EXPECT_THAT(migrated.error().message, HasSubstr("newer than this ferry"));
    EXPECT_EQ(
        migrated.error().message,
        "database " + path.string() +
            fmt::format(" has schema version 99, newer than this ferry knows ({}); upgrade ferry",
                        workspace_migrations().back().version));
    EXPECT_EQ(migrated.error().code, ExitCode::failure);
    // Nothing was applied, in this connection or as seen by a fresh one.
    EXPECT_EQ(db.user_version(), 99);
    EXPECT_EQ(table_names(db), std::vector<std::string>{"future"});
    auto opened_fresh = Database::open(path, CreateIfMissing::yes);
    ASSERT_TRUE(opened_fresh) << opened_fresh.error().message;
    Database& fresh = *opened_fresh;
    EXPECT_EQ(fresh.user_version(), 99);
    EXPECT_EQ(table_names(fresh), std::vector<std::string>{"future"});
    // And the refusal is stable.
    auto again = migrate(fresh, workspace_migrations());
    ASSERT_FALSE(again);
    EXPECT_THAT(again.error().message, HasSubstr("newer than this ferry"));
}

TEST(Migrations, BrokenStepLeavesTheVersionUnchanged) {
    static constexpr std::array k_broken = {
        Migration{1, "CREATE TABLE one (x INTEGER);"},
        Migration{2, "CREATE TABLE two (x INTEGER); INSERT INTO one VALUES (1);"},
        Migration{3, "CREATE TABLE three (x INTEGER); CREATE TABLE oops ("},
    };
    TempDir tmp;
    const auto path = tmp / "test.db";
    auto opened_db = Database::open(path, CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    auto migrated = migrate(db, k_broken);
    ASSERT_FALSE(migrated);
    EXPECT_THAT(migrated.error().message,
                StartsWith("migration to schema 3: database " + path.string() + ": "));
    // One transaction: the steps that worked are rolled back too.
    EXPECT_EQ(db.user_version(), 0);
    EXPECT_TRUE(table_names(db).empty());

    // From version 1, the same failure leaves version 1 and its rows.
    auto first = migrate(db, std::span(k_broken).first(1));
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_TRUE(db.exec("INSERT INTO one VALUES (0)"));
    ASSERT_FALSE(migrate(db, k_broken));
    EXPECT_EQ(db.user_version(), 1);
    EXPECT_EQ(table_names(db), std::vector<std::string>{"one"});
    auto count = db.prepare("SELECT count(*) FROM one");
    ASSERT_TRUE(count);
    ASSERT_EQ(count->step(), true);
    EXPECT_EQ(count->integer(0), 1);
}

TEST(Migrations, EmptyListLeavesAnEmptyDatabaseAtZero) {
    TempDir tmp;
    auto opened_db = Database::open(tmp / "test.db", CreateIfMissing::yes);
    ASSERT_TRUE(opened_db) << opened_db.error().message;
    Database& db = *opened_db;
    auto migrated = migrate(db, {});
    ASSERT_TRUE(migrated);
    EXPECT_EQ(*migrated, 0);
}

}  // namespace
}  // namespace ferry::store
