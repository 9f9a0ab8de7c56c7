#include "ferry/spec/reference.hpp"

#include <gtest/gtest.h>

namespace ferry::spec {
namespace {

TEST(Reference, AzuremlNameVersion) {
    const auto ref = parse_reference("azureml:torch-env:3", ReferenceRole::asset);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->kind, ReferenceKind::asset);
    EXPECT_EQ(ref->name, "torch-env");
    EXPECT_EQ(ref->version, "3");
    EXPECT_FALSE(ref->latest);
    EXPECT_EQ(ref->canonical(), "torch-env:3");
    EXPECT_EQ(ref->to_json(), "azureml:torch-env:3");
}

TEST(Reference, AzuremlNameLatest) {
    const auto ref = parse_reference("azureml:torch-env@latest", ReferenceRole::asset);
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->name, "torch-env");
    EXPECT_TRUE(ref->latest);
    EXPECT_EQ(ref->canonical(), "torch-env@latest");
}

TEST(Reference, BareNameVersionAndLatest) {
    const auto versioned = parse_reference("iris:1.2", ReferenceRole::asset);
    ASSERT_TRUE(versioned);
    EXPECT_EQ(versioned->name, "iris");
    EXPECT_EQ(versioned->version, "1.2");
    const auto latest = parse_reference("iris@latest", ReferenceRole::asset);
    ASSERT_TRUE(latest);
    EXPECT_TRUE(latest->latest);
}

TEST(Reference, Computes) {
    const auto prefixed = parse_reference("azureml:gpu-cluster", ReferenceRole::compute);
    ASSERT_TRUE(prefixed);
    EXPECT_EQ(prefixed->kind, ReferenceKind::compute);
    EXPECT_EQ(prefixed->name, "gpu-cluster");
    const auto bare = parse_reference("local", ReferenceRole::compute);
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->name, "local");
    EXPECT_EQ(bare->to_json(), "azureml:local");
}

TEST(Reference, LocalPathsAndFileUris) {
    const auto relative = parse_reference("./data", ReferenceRole::path);
    ASSERT_TRUE(relative);
    EXPECT_EQ(relative->kind, ReferenceKind::local_path);
    EXPECT_EQ(relative->path, "./data");
    const auto file = parse_reference("file:./data/x.csv", ReferenceRole::path);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->kind, ReferenceKind::local_path);
    EXPECT_EQ(file->path, "./data/x.csv");
    const auto absolute = parse_reference("file:///srv/data", ReferenceRole::path);
    ASSERT_TRUE(absolute);
    EXPECT_EQ(absolute->path, "/srv/data");
    const auto localhost = parse_reference("file://localhost/srv/data", ReferenceRole::path);
    ASSERT_TRUE(localhost);
    EXPECT_EQ(localhost->path, "/srv/data");
    // In the path role only the azureml: prefix names an asset.
    const auto colon = parse_reference("data:1", ReferenceRole::path);
    ASSERT_TRUE(colon);
    EXPECT_EQ(colon->kind, ReferenceKind::local_path);
    const auto asset = parse_reference("azureml:iris:1", ReferenceRole::path);
    ASSERT_TRUE(asset);
    EXPECT_EQ(asset->kind, ReferenceKind::asset);
}

TEST(Reference, HttpUrls) {
    for (const char* text : {"https://example.com/iris.csv", "http://example.com/x"}) {
        const auto ref = parse_reference(text, ReferenceRole::path);
        ASSERT_TRUE(ref) << text;
        EXPECT_EQ(ref->kind, ReferenceKind::url);
        EXPECT_EQ(ref->url, text);
        EXPECT_TRUE(ref->is_supported());
    }
}

TEST(Reference, AzureStorageFormsAreRecognised) {
    // Resolved at submit, through a datastore or to an earlier run's files.
    const std::pair<const char*, ReferenceKind> storage[] = {
        {"azureml://datastores/workspaceblobstore/paths/x", ReferenceKind::azure_datastore},
        {"azureml://subscriptions/s/resourcegroups/r/workspaces/w/datastores/d/paths/x",
         ReferenceKind::azure_datastore},
        {"azureml://jobs/run_1/outputs/model/paths/m.pt", ReferenceKind::azure_job_output},
        {"wasbs://c@a.blob.core.windows.net/x", ReferenceKind::azure_blob},
        {"wasb://c@a.blob.core.windows.net/x", ReferenceKind::azure_blob},
        {"abfss://c@a.dfs.core.windows.net/x", ReferenceKind::azure_data_lake},
    };
    for (const auto& [text, kind] : storage) {
        const auto ref = parse_reference(text, ReferenceRole::path);
        ASSERT_TRUE(ref) << text;
        EXPECT_EQ(ref->kind, kind) << text;
        EXPECT_TRUE(ref->is_supported()) << text;
    }
    const std::pair<const char*, ReferenceKind> refused[] = {
        {"azureml://registries/azureml/models/m/versions/1", ReferenceKind::azure_other},
        {"azureml://subscriptions/s/resourcegroups/r/workspaces/w/data/d/versions/1",
         ReferenceKind::azure_other},
        {"runs:/abc/model", ReferenceKind::mlflow_run},
    };
    for (const auto& [text, kind] : refused) {
        const auto ref = parse_reference(text, ReferenceRole::path);
        ASSERT_TRUE(ref) << text;
        EXPECT_EQ(ref->kind, kind) << text;
        EXPECT_FALSE(ref->is_supported()) << text;
        EXPECT_FALSE(unsupported_reason(kind).empty());
    }
}

TEST(Reference, MalformedOnesSayWhy) {
    EXPECT_EQ(parse_reference("azureml:torch", ReferenceRole::asset).error().message,
              "invalid reference 'azureml:torch': name a version, as in 'torch:1' or "
              "'torch@latest'");
    EXPECT_EQ(parse_reference("torch@newest", ReferenceRole::asset).error().message,
              "invalid reference 'torch@newest': the only label is '@latest'");
    EXPECT_EQ(parse_reference("torch:", ReferenceRole::asset).error().message,
              "invalid reference 'torch:': bad version ''");
    EXPECT_EQ(parse_reference(":1", ReferenceRole::asset).error().message,
              "invalid reference ':1': bad name ''");
    EXPECT_EQ(parse_reference("azureml:my cluster", ReferenceRole::compute).error().message,
              "invalid compute name 'azureml:my cluster'");
    EXPECT_EQ(parse_reference("", ReferenceRole::path).error().message, "empty reference");
    EXPECT_EQ(parse_reference("s3://bucket/x", ReferenceRole::path).error().message,
              "unsupported URI scheme in 's3://bucket/x'");
    EXPECT_EQ(parse_reference("file://host/x", ReferenceRole::path).error().message,
              "invalid file URI 'file://host/x': only local files");
    EXPECT_EQ(parse_reference("https://", ReferenceRole::path).error().message,
              "invalid URL 'https://'");
    EXPECT_FALSE(parse_reference("-bad:1", ReferenceRole::asset));
}

TEST(Reference, Names) {
    EXPECT_TRUE(is_valid_name("a"));
    EXPECT_TRUE(is_valid_name("torch-env_2.1"));
    EXPECT_FALSE(is_valid_name(""));
    EXPECT_FALSE(is_valid_name("_x"));
    EXPECT_FALSE(is_valid_name("a b"));
    EXPECT_FALSE(is_valid_name("a/b"));
}

TEST(Reference, RegistryEnvironmentsAreAssetsOfTheirRegistry) {
    const auto latest =
        parse_reference("azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
                        ReferenceRole::asset);
    ASSERT_TRUE(latest);
    EXPECT_EQ(latest->kind, ReferenceKind::asset);
    EXPECT_EQ(latest->registry, "azureml");
    EXPECT_EQ(latest->name, "sklearn-1.5");
    EXPECT_TRUE(latest->latest);
    EXPECT_EQ(latest->canonical(),
              "azureml://registries/azureml/environments/sklearn-1.5/labels/latest");
    EXPECT_EQ(latest->to_json(), latest->canonical());  // no azureml: before azureml://
    const auto pinned = parse_reference("azureml://registries/team/environments/torch/versions/7",
                                        ReferenceRole::asset);
    ASSERT_TRUE(pinned);
    EXPECT_EQ(pinned->registry, "team");
    EXPECT_EQ(pinned->version, "7");
    EXPECT_FALSE(pinned->latest);
    // A registry's models and components are not environments: refused as before.
    const auto model =
        parse_reference("azureml://registries/azureml/models/m/versions/1", ReferenceRole::asset);
    ASSERT_TRUE(model);
    EXPECT_EQ(model->kind, ReferenceKind::azure_other);
    EXPECT_EQ(parse_reference("azureml://registries/azureml/environments/x/labels/prod",
                              ReferenceRole::asset)
                  .error()
                  .message,
              "invalid registry environment "
              "'azureml://registries/azureml/environments/x/labels/prod': the only label is "
              "'latest'");
    EXPECT_FALSE(
        parse_reference("azureml://registries/azureml/environments/x", ReferenceRole::asset));
    EXPECT_FALSE(parse_reference("azureml://registries/a b/environments/x/versions/1",
                                 ReferenceRole::asset));
}

TEST(Reference, EnvironmentPatternsMayLeaveTheVersionOut) {
    const auto any = parse_environment_pattern("azureml://registries/azureml/environments/x");
    ASSERT_TRUE(any);
    EXPECT_EQ(any->canonical(), "azureml://registries/azureml/environments/x");
    const auto name = parse_environment_pattern("azureml:AzureML-sklearn-1.5");
    ASSERT_TRUE(name);
    EXPECT_EQ(name->name, "AzureML-sklearn-1.5");
    EXPECT_EQ(name->canonical(), "AzureML-sklearn-1.5");
    const auto versioned = parse_environment_pattern("AzureML-sklearn-1.5:3");
    ASSERT_TRUE(versioned);
    EXPECT_EQ(versioned->version, "3");
    EXPECT_FALSE(parse_environment_pattern("azureml://registries/azureml/models/m"));
    EXPECT_FALSE(parse_environment_pattern("not a name"));
}

}  // namespace
}  // namespace ferry::spec
