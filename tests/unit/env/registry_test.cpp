#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../test_support.hpp"
#include "ferry/env/registry.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::env {
namespace {

using test::TempDir;
using ::testing::ElementsAre;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

EnvironmentRecord record_of(const std::string& name, const std::string& version = "",
                            const std::string& requirements = "requests\n") {
    EnvironmentRecord record;
    record.environment.name = name;
    record.environment.version = version;
    record.environment.kind = Kind::venv;
    record.environment.definition.requirements = requirements;
    record.environment.hash = record.environment.definition.hash();
    record.description = "about " + name;
    record.tags = {{"team", "ml"}, {"stage", "dev"}};
    return record;
}

// "name:version" of each record, in order.
std::vector<std::string> labels_of(const std::vector<EnvironmentRecord>& records) {
    std::vector<std::string> labels;
    for (const auto& record : records) {
        labels.push_back(record.environment.label());
    }
    return labels;
}

class EnvRegistry : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(store::Workspace::initialize(m_dir.path(), "", k_now));
        auto opened = store::Workspace::open("t", m_dir.path());
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    store::Database& db() { return m_workspace->db(); }

    std::string create(const std::string& name, const std::string& version = "") {
        auto created = create_environment(db(), record_of(name, version), k_now);
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->environment.version : "";
    }

    std::optional<EnvironmentRecord> find(std::string_view name, std::string_view version = "") {
        auto found = find_environment(db(), name, version);
        EXPECT_TRUE(found) << found.error().message;
        return found ? *found : std::nullopt;
    }

    std::vector<std::string> list(bool all_versions, bool include_archived) {
        auto listed = list_environments(db(), all_versions, include_archived);
        EXPECT_TRUE(listed) << listed.error().message;
        return listed ? labels_of(*listed) : std::vector<std::string>{};
    }

    std::int64_t archive(std::string_view name, std::string_view version, bool archived = true) {
        auto changed = set_archived(db(), name, version, archived);
        EXPECT_TRUE(changed) << changed.error().message;
        return changed ? *changed : -1;
    }

    TempDir m_dir;
    std::optional<store::Workspace> m_workspace;
};

TEST_F(EnvRegistry, MigrationsMakeTheTable) {
    auto stmt =
        db().prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'assets'");
    ASSERT_TRUE(stmt) << stmt.error().message;
    auto row = stmt->step();
    ASSERT_TRUE(row) << row.error().message;
    EXPECT_TRUE(*row);
    auto empty = list_environments(db(), true, true);
    ASSERT_TRUE(empty) << empty.error().message;
    EXPECT_TRUE(empty->empty());
}

TEST_F(EnvRegistry, CreateWithoutVersionNumbersFromOne) {
    EXPECT_EQ(create("demo"), "1");
    EXPECT_EQ(create("demo"), "2");
    EXPECT_EQ(create("other"), "1");
}

TEST_F(EnvRegistry, CreateKeepsEverythingAndReturnsIt) {
    auto created = create_environment(db(), record_of("demo", "", "rich\n"), k_now);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->created_at, k_now);
    EXPECT_FALSE(created->archived);
    auto found = find("demo", "1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->environment.name, "demo");
    EXPECT_EQ(found->environment.version, "1");
    EXPECT_EQ(found->environment.kind, Kind::venv);
    EXPECT_EQ(found->environment.hash, created->environment.hash);
    EXPECT_EQ(found->environment.definition.to_json(), created->environment.definition.to_json());
    EXPECT_EQ(found->description, "about demo");
    EXPECT_EQ(found->tags, (spec::StringMap{{"team", "ml"}, {"stage", "dev"}}));
    EXPECT_EQ(found->created_at, k_now);
    EXPECT_FALSE(found->archived);
}

TEST_F(EnvRegistry, ExplicitExistingVersionIsRefusedWithTheContractMessage) {
    create("demo");
    create("demo");
    auto again = create_environment(db(), record_of("demo", "2", "other\n"), k_now);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ExitCode::usage);
    EXPECT_EQ(again.error().message,
              "environment 'demo:2' already exists; a version is never overwritten (leave out "
              "the version to register demo:3)");
    // The recorded one is untouched.
    auto found = find("demo", "2");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->environment.definition.requirements, "requests\n");
}

TEST_F(EnvRegistry, ExplicitExistingVersionIsRefused) {
    create("demo", "1.0");
    auto again = create_environment(db(), record_of("demo", "1.0", "other\n"), k_now);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ExitCode::usage);
    EXPECT_THAT(again.error().message,
                ::testing::StartsWith("environment 'demo:1.0' already exists; a version is never "
                                      "overwritten (leave out the version to register "));
    EXPECT_EQ(list(true, true), (std::vector<std::string>{"demo:1.0"}));
}

TEST_F(EnvRegistry, ExplicitSevenThenAutoIsEight) {
    EXPECT_EQ(create("demo", "7"), "7");
    EXPECT_EQ(create("demo"), "8");
}

TEST_F(EnvRegistry, NonNumericVersionsAreIgnoredForAuto) {
    EXPECT_EQ(create("demo", "beta"), "beta");
    EXPECT_EQ(create("demo", "1.5"), "1.5");
    EXPECT_EQ(create("demo", "4-rc"), "4-rc");
    EXPECT_EQ(create("demo"), "1");
    EXPECT_EQ(create("demo", "10"), "10");
    EXPECT_EQ(create("demo", "v20"), "v20");
    EXPECT_EQ(create("demo"), "11");
}

TEST_F(EnvRegistry, FindUnknownIsEmpty) {
    create("demo");
    EXPECT_FALSE(find("nothing").has_value());
    EXPECT_FALSE(find("demo", "9").has_value());
}

TEST_F(EnvRegistry, FindLatestIsTheNewestNotArchived) {
    create("demo");
    create("demo");
    create("demo");
    EXPECT_EQ(find("demo")->environment.version, "3");
    EXPECT_EQ(archive("demo", "3"), 1);
    EXPECT_EQ(find("demo")->environment.version, "2");
    EXPECT_EQ(archive("demo", "2"), 1);
    EXPECT_EQ(find("demo")->environment.version, "1");
    EXPECT_EQ(archive("demo", "1"), 1);
    EXPECT_FALSE(find("demo").has_value());
}

TEST_F(EnvRegistry, ExplicitVersionFindsAnArchivedOne) {
    create("demo");
    EXPECT_EQ(archive("demo", "1"), 1);
    auto found = find("demo", "1");
    ASSERT_TRUE(found.has_value());
    EXPECT_TRUE(found->archived);
}

TEST_F(EnvRegistry, ListLatestPerNameAllVersionsAndArchived) {
    create("beta");
    create("alpha");
    create("alpha");
    create("beta");
    create("beta");
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"alpha:2", "beta:3"}));
    EXPECT_EQ(list(true, false),
              (std::vector<std::string>{"alpha:1", "alpha:2", "beta:1", "beta:2", "beta:3"}));

    EXPECT_EQ(archive("beta", "3"), 1);
    EXPECT_EQ(archive("alpha", ""), 2);
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"beta:2"}));
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"beta:1", "beta:2"}));
    EXPECT_EQ(list(false, true), (std::vector<std::string>{"alpha:2", "beta:3"}));
    EXPECT_EQ(list(true, true),
              (std::vector<std::string>{"alpha:1", "alpha:2", "beta:1", "beta:2", "beta:3"}));
    auto listed = list_environments(db(), true, true);
    ASSERT_TRUE(listed);
    std::vector<bool> archived;
    for (const auto& record : *listed) {
        archived.push_back(record.archived);
    }
    EXPECT_THAT(archived, ElementsAre(true, true, false, false, true));
}

TEST_F(EnvRegistry, SetArchivedCountsAndRestores) {
    create("demo");
    create("demo");
    create("demo");
    EXPECT_EQ(archive("demo", "2"), 1);
    EXPECT_EQ(archive("demo", "9"), 0);
    EXPECT_EQ(archive("nothing", ""), 0);
    EXPECT_EQ(archive("demo", ""), 3);
    EXPECT_EQ(list(true, false), std::vector<std::string>{});
    EXPECT_EQ(archive("demo", "1", false), 1);
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"demo:1"}));
    EXPECT_EQ(archive("demo", "", false), 3);
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"demo:1", "demo:2", "demo:3"}));
    EXPECT_EQ(find("demo")->environment.version, "3");
}

TEST_F(EnvRegistry, AutoVersionCountsArchivedVersions) {
    create("demo");
    create("demo");
    EXPECT_EQ(archive("demo", ""), 2);
    EXPECT_EQ(create("demo"), "3");
}

// Environments share the assets table with other kinds; a name of another kind is not theirs.
TEST_F(EnvRegistry, OtherKindsOfAssetsAreKeptApart) {
    store::AssetRecord data;
    data.kind = store::AssetKind::data;
    data.name = "demo";
    data.version = "5";
    auto stored = store::create_asset(db(), data, k_now);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_FALSE(find("demo").has_value());
    EXPECT_FALSE(find("demo", "5").has_value());
    EXPECT_EQ(create("demo"), "1");
    EXPECT_EQ(create("demo", "5"), "5");
    EXPECT_EQ(list(true, true), (std::vector<std::string>{"demo:1", "demo:5"}));
    EXPECT_EQ(archive("demo", ""), 2);
    auto still = store::find_asset(db(), store::AssetKind::data, "demo", "");
    ASSERT_TRUE(still) << still.error().message;
    ASSERT_TRUE(still->has_value());
    EXPECT_FALSE((*still)->archived);
}

TEST_F(EnvRegistry, ParallelCreatesGetDistinctConsecutiveVersions) {
    constexpr int k_threads = 20;
    const fs::path path = m_dir / store::k_workspace_db;
    std::vector<std::string> versions(k_threads);
    std::vector<std::string> errors(k_threads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            auto connection = store::Database::open(path, store::CreateIfMissing::no);
            if (!connection) {
                errors[t] = connection.error().message;
                return;
            }
            while (!go.load()) {
                std::this_thread::yield();
            }
            auto created = create_environment(*connection, record_of("shared"), k_now);
            if (!created) {
                errors[t] = created.error().message;
                return;
            }
            versions[t] = created->environment.version;
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    for (int t = 0; t < k_threads; ++t) {
        EXPECT_EQ(errors[t], "") << "thread " << t;
    }
    std::vector<int> numbers;
    for (const auto& version : versions) {
        numbers.push_back(version.empty() ? 0 : std::stoi(version));
    }
    std::ranges::sort(numbers);
    std::vector<int> expected(k_threads);
    for (int i = 0; i < k_threads; ++i) {
        expected[i] = i + 1;
    }
    EXPECT_EQ(numbers, expected);
    EXPECT_EQ(list(true, true).size(), static_cast<std::size_t>(k_threads));
}

}  // namespace
}  // namespace ferry::env
