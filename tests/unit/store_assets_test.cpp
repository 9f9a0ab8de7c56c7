#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/store/assets.hpp"
#include "ferry/store/workspace.hpp"
#include "test_support.hpp"

namespace ferry::store {
namespace {

using test::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";
constexpr std::string_view k_later = "2026-01-02T00:00:00.000Z";

AssetRecord record_of(AssetKind kind, std::string_view name, std::string_view version = "") {
    AssetRecord record;
    record.kind = kind;
    record.name = name;
    record.version = version;
    record.description = "about " + std::string(name);
    record.tags = {{"team", "ml"}, {"stage", "dev"}};
    record.properties = {{"origin", "test"}};
    record.body = {{"type", "uri_folder"}, {"files", 3}};
    return record;
}

// "name:version" of each record, in order.
std::vector<std::string> labels_of(const std::vector<AssetRecord>& records) {
    std::vector<std::string> labels;
    for (const auto& record : records) {
        labels.push_back(record.name + ":" + record.version);
    }
    return labels;
}

class StoreAssets : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(Workspace::initialize(m_dir.path(), "", k_now));
        auto opened = Workspace::open("t", m_dir.path());
        ASSERT_TRUE(opened) << opened.error().message;
        m_workspace.emplace(std::move(*opened));
    }

    Database& db() { return m_workspace->db(); }

    std::string create(std::string_view name, std::string_view version = "",
                       AssetKind kind = AssetKind::data) {
        auto created = create_asset(db(), record_of(kind, name, version), k_now);
        EXPECT_TRUE(created) << created.error().message;
        return created ? created->version : "";
    }

    std::optional<AssetRecord> find(std::string_view name, std::string_view version = "",
                                    AssetKind kind = AssetKind::data) {
        auto found = find_asset(db(), kind, name, version);
        EXPECT_TRUE(found) << found.error().message;
        return found ? *found : std::nullopt;
    }

    std::vector<std::string> list(bool all_versions, bool include_archived,
                                  AssetKind kind = AssetKind::data) {
        auto listed = list_assets(db(), kind, all_versions, include_archived);
        EXPECT_TRUE(listed) << listed.error().message;
        return listed ? labels_of(*listed) : std::vector<std::string>{};
    }

    std::int64_t archive(std::string_view name, std::string_view version, bool archived = true,
                         AssetKind kind = AssetKind::data) {
        auto changed = set_asset_archived(db(), kind, name, version, archived);
        EXPECT_TRUE(changed) << changed.error().message;
        return changed ? *changed : -1;
    }

    TempDir m_dir;
    std::optional<Workspace> m_workspace;
};

TEST_F(StoreAssets, EmptyVersionGivesOneTwoThree) {
    EXPECT_EQ(create("iris"), "1");
    EXPECT_EQ(create("iris"), "2");
    EXPECT_EQ(create("iris"), "3");
    EXPECT_EQ(create("wine"), "1");
}

TEST_F(StoreAssets, CreateReturnsAndKeepsEveryField) {
    auto created = create_asset(db(), record_of(AssetKind::data, "iris"), k_later);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->version, "1");
    EXPECT_EQ(created->created_at, k_later);
    EXPECT_FALSE(created->archived);
    auto found = find("iris", "1");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->kind, AssetKind::data);
    EXPECT_EQ(found->name, "iris");
    EXPECT_EQ(found->description, "about iris");
    EXPECT_EQ(found->tags, (StringPairs{{"team", "ml"}, {"stage", "dev"}}));
    EXPECT_EQ(found->properties, (StringPairs{{"origin", "test"}}));
    EXPECT_EQ(found->body, (nlohmann::ordered_json{{"type", "uri_folder"}, {"files", 3}}));
    EXPECT_EQ(found->created_at, k_later);
    EXPECT_FALSE(found->archived);
}

TEST_F(StoreAssets, ExplicitExistingIsRefusedNamingTheNextVersion) {
    create("iris");
    create("iris");
    AssetRecord again = record_of(AssetKind::data, "iris", "1");
    again.description = "changed";
    auto refused = create_asset(db(), again, k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message,
              "dataset 'iris:1' already exists; a version is never overwritten (leave out the "
              "version to register iris:3)");
    EXPECT_EQ(find("iris", "1")->description, "about iris");
    EXPECT_EQ(list(true, true), (std::vector<std::string>{"iris:1", "iris:2"}));
}

TEST_F(StoreAssets, VersionsThatAreNotNamesOfAReferenceAreRefused) {
    for (const std::string& bad :
         std::initializer_list<std::string>{"../1", "a/b", "..", "1..2", ".1", "-1", "1 2", "1\n2",
                                            "1\t2", "\x1b[31m", std::string(256, '1')}) {
        EXPECT_FALSE(is_valid_version(bad)) << bad;
        auto created = create_asset(db(), record_of(AssetKind::data, "ds", bad), k_now);
        ASSERT_FALSE(created) << bad;
        EXPECT_EQ(created.error().code, ExitCode::usage) << bad;
    }
    auto created = create_asset(db(), record_of(AssetKind::model, "m", "../1"), k_now);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message,
              "invalid version '../1' of model 'm': use letters, digits, '-', '_' and '.', "
              "starting with a letter or digit, without '..'");
    auto escaped = check_new_version(db(), AssetKind::data, "ds", "1\n2");
    ASSERT_FALSE(escaped);
    EXPECT_THAT(escaped.error().message, ::testing::HasSubstr("'1\\n2'"));
    auto listed = list_assets(db(), AssetKind::data, true, true);
    ASSERT_TRUE(listed);
    EXPECT_THAT(*listed, IsEmpty());
    for (const std::string& good :
         std::initializer_list<std::string>{"1", "1.0-rc_2", "v2", std::string(255, '1')}) {
        EXPECT_TRUE(is_valid_version(good)) << good;
    }
}

TEST_F(StoreAssets, RefusalNamesTheNounOfTheKind) {
    ASSERT_TRUE(create_asset(db(), record_of(AssetKind::model, "net", "4"), k_now));
    auto refused = create_asset(db(), record_of(AssetKind::model, "net", "4"), k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message,
              "model 'net:4' already exists; a version is never overwritten (leave out the "
              "version to register net:5)");
    EXPECT_EQ(create("base", "1", AssetKind::environment), "1");
    auto checked = check_new_version(db(), AssetKind::environment, "base", "1");
    ASSERT_FALSE(checked);
    EXPECT_EQ(checked.error().message,
              "environment 'base:1' already exists; a version is never overwritten (leave out "
              "the version to register base:2)");
    EXPECT_TRUE(check_new_version(db(), AssetKind::environment, "base", "2"));
    EXPECT_TRUE(check_new_version(db(), AssetKind::data, "base", "1"));
    EXPECT_TRUE(check_new_version(db(), AssetKind::environment, "base", ""));
}

TEST(StoreAssetKind, NamesAsStoredAndForPeople) {
    EXPECT_EQ(asset_kind_name(AssetKind::environment), "environment");
    EXPECT_EQ(asset_kind_name(AssetKind::data), "data");
    EXPECT_EQ(asset_kind_name(AssetKind::model), "model");
    EXPECT_EQ(asset_noun(AssetKind::environment), "environment");
    EXPECT_EQ(asset_noun(AssetKind::data), "dataset");
    EXPECT_EQ(asset_noun(AssetKind::model), "model");
    EXPECT_EQ(asset_kind_name(AssetKind::component), "component");
    EXPECT_EQ(asset_noun(AssetKind::component), "component");
}

TEST_F(StoreAssets, CompleteSeesTheVersionChosenBeforeTheBodyIsWritten) {
    const auto name_version = [](AssetRecord& chosen) { chosen.body["version"] = chosen.version; };
    ASSERT_TRUE(create_asset(db(), record_of(AssetKind::component, "c"), k_now, name_version));
    auto created = create_asset(db(), record_of(AssetKind::component, "c"), k_now, name_version);
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_EQ(created->body["version"], "2");
    auto found = find_asset(db(), AssetKind::component, "c", "2");
    ASSERT_TRUE(found && *found);
    EXPECT_EQ((*found)->kind, AssetKind::component);
    EXPECT_EQ((*found)->body["version"], "2");
}

TEST_F(StoreAssets, EachKindIsStoredUnderItsTableName) {
    create("a", "", AssetKind::environment);
    create("b", "", AssetKind::data);
    create("c", "", AssetKind::model);
    auto kinds = db().query_all("SELECT kind FROM assets ORDER BY rowid", first_text);
    ASSERT_TRUE(kinds) << kinds.error().message;
    EXPECT_THAT(*kinds, ElementsAre("environment", "data", "model"));
    EXPECT_EQ(find("c", "", AssetKind::model)->kind, AssetKind::model);
}

TEST_F(StoreAssets, NonNumericVersionsAreIgnoredWhenCounting) {
    EXPECT_EQ(create("iris", "beta"), "beta");
    EXPECT_EQ(create("iris", "1.5"), "1.5");
    EXPECT_EQ(create("iris", "9-rc"), "9-rc");
    EXPECT_EQ(create("iris", "v9"), "v9");
    EXPECT_EQ(create("iris"), "1");
    EXPECT_EQ(create("iris", "7"), "7");
    EXPECT_EQ(create("iris"), "8");
    auto refused = create_asset(db(), record_of(AssetKind::data, "iris", "beta"), k_now);
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message, ::testing::HasSubstr("(leave out the version to "
                                                              "register iris:9)"));
}

TEST_F(StoreAssets, KindsAreKeptApart) {
    EXPECT_EQ(create("shared", "", AssetKind::environment), "1");
    EXPECT_EQ(create("shared", "", AssetKind::environment), "2");
    EXPECT_EQ(create("shared", "", AssetKind::data), "1");
    EXPECT_EQ(create("shared", "2", AssetKind::data), "2");  // not taken by the environment's 2
    EXPECT_EQ(list(true, true, AssetKind::environment),
              (std::vector<std::string>{"shared:1", "shared:2"}));
    EXPECT_EQ(list(true, true, AssetKind::data),
              (std::vector<std::string>{"shared:1", "shared:2"}));
    EXPECT_THAT(list(true, true, AssetKind::model), IsEmpty());
    EXPECT_EQ(archive("shared", "", true, AssetKind::environment), 2);
    EXPECT_FALSE(find("shared", "", AssetKind::environment).has_value());
    auto data = find("shared", "", AssetKind::data);
    ASSERT_TRUE(data.has_value());
    EXPECT_EQ(data->kind, AssetKind::data);
    EXPECT_EQ(data->version, "2");
    EXPECT_FALSE(data->archived);
}

TEST_F(StoreAssets, FindLatestSkipsArchived) {
    create("iris");
    create("iris");
    create("iris");
    EXPECT_EQ(find("iris")->version, "3");
    EXPECT_EQ(archive("iris", "3"), 1);
    EXPECT_EQ(find("iris")->version, "2");
    EXPECT_EQ(archive("iris", "1"), 1);
    EXPECT_EQ(find("iris")->version, "2");
    EXPECT_EQ(archive("iris", "2"), 1);
    EXPECT_FALSE(find("iris").has_value());
}

TEST_F(StoreAssets, ExplicitVersionFindsArchived) {
    create("iris");
    EXPECT_EQ(archive("iris", "1"), 1);
    auto found = find("iris", "1");
    ASSERT_TRUE(found.has_value());
    EXPECT_TRUE(found->archived);
    EXPECT_FALSE(find("iris", "2").has_value());
    EXPECT_FALSE(find("other", "1").has_value());
}

TEST_F(StoreAssets, ListLatestAllVersionsAndArchived) {
    create("wine");
    create("iris");
    create("iris");
    create("wine");
    create("wine");
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"iris:2", "wine:3"}));
    EXPECT_EQ(list(true, false),
              (std::vector<std::string>{"iris:1", "iris:2", "wine:1", "wine:2", "wine:3"}));

    EXPECT_EQ(archive("wine", "3"), 1);
    EXPECT_EQ(archive("iris", ""), 2);
    EXPECT_EQ(list(false, false), (std::vector<std::string>{"wine:2"}));
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"wine:1", "wine:2"}));
    EXPECT_EQ(list(false, true), (std::vector<std::string>{"iris:2", "wine:3"}));
    EXPECT_EQ(list(true, true),
              (std::vector<std::string>{"iris:1", "iris:2", "wine:1", "wine:2", "wine:3"}));
    auto listed = list_assets(db(), AssetKind::data, true, true);
    ASSERT_TRUE(listed) << listed.error().message;
    std::vector<bool> archived;
    for (const auto& record : *listed) {
        archived.push_back(record.archived);
    }
    EXPECT_THAT(archived, ElementsAre(true, true, false, false, true));
}

TEST_F(StoreAssets, SetArchivedCountsWhatChanged) {
    create("iris");
    create("iris");
    create("iris");
    EXPECT_EQ(archive("iris", "2"), 1);
    EXPECT_EQ(archive("iris", "9"), 0);
    EXPECT_EQ(archive("nothing", ""), 0);
    EXPECT_EQ(archive("iris", "", true, AssetKind::model), 0);
    EXPECT_EQ(archive("iris", ""), 3);
    EXPECT_THAT(list(true, false), IsEmpty());
    EXPECT_EQ(archive("iris", "1", false), 1);
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"iris:1"}));
    EXPECT_EQ(archive("iris", "", false), 3);
    EXPECT_EQ(list(true, false), (std::vector<std::string>{"iris:1", "iris:2", "iris:3"}));
    EXPECT_EQ(find("iris")->version, "3");
}

TEST_F(StoreAssets, ArchivedVersionsStillCountForTheNext) {
    create("iris");
    create("iris");
    EXPECT_EQ(archive("iris", ""), 2);
    EXPECT_EQ(create("iris"), "3");
}

TEST_F(StoreAssets, TwentyConnectionsCreatingOneNameGetOneToTwenty) {
    constexpr int k_threads = 20;
    const fs::path path = m_dir / k_workspace_db;
    std::vector<std::string> versions(k_threads);
    std::vector<std::string> errors(k_threads);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < k_threads; ++t) {
        threads.emplace_back([&, t] {
            auto connection = Database::open(path, CreateIfMissing::no);
            if (!connection) {
                errors[t] = connection.error().message;
                return;
            }
            while (!go.load()) {
                std::this_thread::yield();
            }
            auto created = create_asset(*connection, record_of(AssetKind::data, "shared"), k_now);
            if (!created) {
                errors[t] = created.error().message;
                return;
            }
            versions[t] = created->version;
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
}  // namespace ferry::store
