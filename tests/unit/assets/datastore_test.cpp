#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../workspace_fixture.hpp"
#include "ferry/assets/datastore.hpp"

namespace ferry::assets {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

spec::Reference path_of(std::string_view text) {
    auto parsed = spec::parse_reference(text, spec::ReferenceRole::path);
    EXPECT_TRUE(parsed) << parsed.error().message;
    return parsed.value_or(spec::Reference{});
}

class Datastores : public test::WorkspaceTest {
protected:
    void SetUp() override {
        WorkspaceTest::SetUp();
        m_lake = m_dir.path() / "lake";
        std::filesystem::create_directories(m_lake);
    }

    Result<Datastore> create(const std::string& name, std::vector<std::string> claims) {
        return create_datastore(
            *m_workspace, Datastore{.name = name, .path = m_lake, .claims = std::move(claims)},
            k_now);
    }

    std::filesystem::path m_lake;
};

TEST(DatastoreClaims, AnAccountsContainerIsReachedByEveryEndpoint) {
    const auto claims = account_claims("Corp", "data");
    ASSERT_TRUE(claims);
    EXPECT_THAT(*claims, ElementsAre("wasbs://data@corp.blob.core.windows.net/",
                                     "abfss://data@corp.dfs.core.windows.net/",
                                     "https://corp.blob.core.windows.net/data/",
                                     "https://corp.dfs.core.windows.net/data/"));
    EXPECT_FALSE(account_claims("corp", "a/b"));
    EXPECT_EQ(claim_of("WASB://Data@Corp.Blob.Core.Windows.Net/Raw").value_or(""),
              "wasbs://data@corp.blob.core.windows.net/Raw/");
    EXPECT_THAT(claim_of("s3://bucket/x").error().message,
                HasSubstr("a datastore stands for wasbs://, abfss:// or http(s):// URLs"));
}

TEST_F(Datastores, TheBuiltInOnesAreFoldersOfTheWorkspace) {
    const auto all = list_datastores(*m_workspace);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2U);
    EXPECT_EQ((*all)[0].name, "workspaceblobstore");
    EXPECT_EQ((*all)[0].path, m_dir.path() / "datastores" / "workspaceblobstore");
    EXPECT_TRUE((*all)[0].builtin);
    const auto located =
        locate(*m_workspace,
               path_of("azureml://datastores/workspaceblobstore/paths/example-data/iris.csv"));
    ASSERT_TRUE(located && *located);
    EXPECT_EQ((*located)->local, (*all)[0].path / "example-data" / "iris.csv");
    EXPECT_EQ((*located)->path, "example-data/iris.csv");
    EXPECT_FALSE(create("workspaceblobstore", {}));
    const auto refused = delete_datastore(*m_workspace, "workspaceblobstore");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::failure);
}

TEST_F(Datastores, StorageUrlsResolveThroughTheLongestClaim) {
    ASSERT_TRUE(create("lake", {"wasbs://data@corp.blob.core.windows.net/"}));
    ASSERT_TRUE(
        create_datastore(*m_workspace,
                         Datastore{.name = "raw",
                                   .path = m_lake / "raw",
                                   .claims = {"wasbs://data@corp.blob.core.windows.net/raw"}},
                         k_now)
            .error()
            .message.ends_with("is not a directory"));
    std::filesystem::create_directories(m_lake / "raw");
    ASSERT_TRUE(
        create_datastore(*m_workspace,
                         Datastore{.name = "raw",
                                   .path = m_lake / "raw",
                                   .claims = {"wasbs://data@corp.blob.core.windows.net/raw"}},
                         k_now));
    const auto deep =
        locate(*m_workspace, path_of("wasb://DATA@corp.blob.core.windows.net/raw/a%20b.csv"));
    ASSERT_TRUE(deep && *deep);
    EXPECT_EQ((*deep)->datastore, "raw");
    EXPECT_EQ((*deep)->local, m_lake / "raw" / "a b.csv");
    const auto shallow = locate(*m_workspace, path_of("wasbs://data@corp.blob.core.windows.net/x"));
    ASSERT_TRUE(shallow && *shallow);
    EXPECT_EQ((*shallow)->datastore, "lake");
    // The container's root, with or without its slash.
    const auto root = locate(*m_workspace, path_of("wasbs://data@corp.blob.core.windows.net"));
    ASSERT_TRUE(root && *root);
    EXPECT_EQ((*root)->local, m_lake);
    // A claim is one datastore's.
    const auto again = create("again", {"wasbs://data@corp.blob.core.windows.net"});
    ASSERT_FALSE(again);
    EXPECT_THAT(again.error().message, HasSubstr("is claimed by datastore 'lake' already"));
}

TEST_F(Datastores, WhatNothingStandsForIsSaidWithTheCommandThatWould) {
    const auto unclaimed =
        locate(*m_workspace, path_of("wasbs://datasets@azuremlexamples.blob.core.windows.net/"));
    ASSERT_FALSE(unclaimed);
    EXPECT_THAT(unclaimed.error().message,
                HasSubstr("'ferry datastore create --name NAME --path DIR --account "
                          "azuremlexamples --container datasets'"));
    const auto blob = locate(
        *m_workspace, path_of("https://azuremlexamples.blob.core.windows.net/datasets/i.csv"));
    ASSERT_FALSE(blob);
    EXPECT_THAT(blob.error().message, HasSubstr("--account azuremlexamples --container datasets"));
    // Any other https URL stays a URL.
    const auto other = locate(*m_workspace, path_of("https://example.com/iris.csv"));
    ASSERT_TRUE(other);
    EXPECT_FALSE(*other);
    const auto missing = locate(*m_workspace, path_of("azureml://datastores/nope/paths/x"));
    ASSERT_FALSE(missing);
    EXPECT_THAT(missing.error().message,
                HasSubstr("no datastore 'nope' in workspace 't'; create it: 'ferry datastore "
                          "create --name nope --path DIR'"));
    const auto escaping =
        locate(*m_workspace, path_of("azureml://datastores/workspaceblobstore/paths/a/%2e%2e/x"));
    ASSERT_FALSE(escaping);
    EXPECT_THAT(escaping.error().message, HasSubstr("may not leave the datastore"));
}

TEST_F(Datastores, DeletedOnesAreForgottenAndTheirFilesKept) {
    ASSERT_TRUE(create("lake", {}));
    EXPECT_EQ(delete_datastore(*m_workspace, "lake").value_or(false), true);
    EXPECT_EQ(delete_datastore(*m_workspace, "lake").value_or(true), false);
    EXPECT_TRUE(std::filesystem::is_directory(m_lake));
    EXPECT_THAT(datastore_names(db()).value_or(std::vector<std::string>{"x"}),
                ::testing::IsEmpty());
}

}  // namespace
}  // namespace ferry::assets
