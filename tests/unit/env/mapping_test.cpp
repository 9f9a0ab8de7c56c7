#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "../workspace_fixture.hpp"
#include "ferry/env/curated.hpp"
#include "ferry/env/mapping.hpp"

namespace ferry::env {
namespace {

constexpr std::string_view k_now = "2026-01-01T00:00:00.000Z";

spec::Reference reference_of(const std::string& text) {
    auto parsed = spec::parse_environment_pattern(text);
    EXPECT_TRUE(parsed) << text << ": " << parsed.error().message;
    return parsed.value_or(spec::Reference{});
}

class EnvMapping : public test::WorkspaceTest {
protected:
    void create(const std::string& name) {
        EnvironmentRecord record;
        record.environment.name = name;
        record.environment.kind = Kind::venv;
        record.environment.definition.requirements = "requests\n";
        record.environment.hash = record.environment.definition.hash();
        ASSERT_TRUE(create_environment(db(), record, k_now));
    }
};

TEST(EnvCurated, CuratedNamesAreTheAzureRegistrysEnvironments) {
    EXPECT_EQ(curated_name(reference_of("AzureML-sklearn-1.5@latest")), "sklearn-1.5");
    EXPECT_EQ(curated_name(
                  reference_of("azureml://registries/azureml/environments/sklearn-1.5/versions/3")),
              "sklearn-1.5");
    EXPECT_EQ(curated_name(reference_of("azureml://registries/team/environments/x")), "");
    EXPECT_EQ(curated_name(reference_of("torch:1")), "");
    // Both forms of a curated environment share one key.
    EXPECT_EQ(mapping_key(reference_of("AzureML-sklearn-1.5:3")),
              "azureml://registries/azureml/environments/sklearn-1.5/versions/3");
    EXPECT_EQ(any_version_key(reference_of("AzureML-sklearn-1.5@latest")),
              "azureml://registries/azureml/environments/sklearn-1.5");
    EXPECT_EQ(mapping_key(reference_of("torch@latest")), "torch@latest");
}

TEST(EnvCurated, TheTableWritesACondaFileOfAzuresPins) {
    const auto* curated = find_curated("AzureML-sklearn-1.5");
    ASSERT_NE(curated, nullptr);
    EXPECT_EQ(curated, find_curated("sklearn-1.5"));
    EXPECT_EQ(find_curated("sklearn-9"), nullptr);
    const auto conda = curated_conda(*curated);
    EXPECT_EQ(conda["dependencies"][0], "python=3.10");
    const auto& pip = conda["dependencies"][2]["pip"];
    EXPECT_NE(std::find(pip.begin(), pip.end(), "scikit-learn~=1.5.0"), pip.end());
    EXPECT_TRUE(curated_source(*curated).starts_with("Azure/azureml-assets@"));
}

TEST_F(EnvMapping, ARegisteredEnvironmentOfTheNameComesFirst) {
    create("sklearn-1.5");
    const auto found = find_for_job(
        db(), reference_of("azureml://registries/azureml/environments/sklearn-1.5/labels/latest"));
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->record);
    EXPECT_EQ(found->record->environment.name, "sklearn-1.5");
    EXPECT_FALSE(found->mapping);
    // The curated form finds it by its registry name.
    const auto curated = find_for_job(db(), reference_of("AzureML-sklearn-1.5@latest"));
    ASSERT_TRUE(curated && curated->record);
    // A version that is not registered is not found without a mapping.
    const auto pinned = find_for_job(db(), reference_of("AzureML-sklearn-1.5:20"));
    ASSERT_TRUE(pinned);
    EXPECT_FALSE(pinned->record);
    EXPECT_FALSE(pinned->host);
}

TEST_F(EnvMapping, MappingsResolveExactKeysBeforeAnyVersion) {
    create("local-sk");
    ASSERT_TRUE(set_mapping(db(), reference_of("AzureML-sklearn-1.5"), "host", k_now));
    ASSERT_TRUE(set_mapping(db(),
                            reference_of("azureml://registries/azureml/environments/sklearn-1.5/"
                                         "versions/2"),
                            "local-sk", k_now));
    const auto any = find_for_job(
        db(), reference_of("azureml://registries/azureml/environments/sklearn-1.5/labels/latest"));
    ASSERT_TRUE(any);
    EXPECT_TRUE(any->host);
    ASSERT_TRUE(any->mapping);
    EXPECT_EQ(any->mapping->reference, "azureml://registries/azureml/environments/sklearn-1.5");
    const auto two = find_for_job(db(), reference_of("AzureML-sklearn-1.5:2"));
    ASSERT_TRUE(two && two->record);
    EXPECT_EQ(two->record->environment.label(), "local-sk:1");
    // A mapping names the version it was made to.
    const auto listed = list_mappings(db());
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 2U);
    EXPECT_EQ((*listed)[1].target, "local-sk:1");
    // Replaced, then removed.
    ASSERT_TRUE(set_mapping(db(), reference_of("AzureML-sklearn-1.5"), "local-sk@latest", k_now));
    const auto replaced = find_for_job(db(), reference_of("AzureML-sklearn-1.5@latest"));
    ASSERT_TRUE(replaced && replaced->record);
    EXPECT_EQ(remove_mapping(db(), reference_of("AzureML-sklearn-1.5")).value_or(false), true);
    EXPECT_EQ(remove_mapping(db(), reference_of("AzureML-sklearn-1.5")).value_or(true), false);
}

TEST_F(EnvMapping, AMappingToAnEnvironmentThatIsNotThereIsRefused) {
    const auto refused = set_mapping(db(), reference_of("AzureML-x"), "nothing:1", k_now);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_NE(refused.error().message.find("no environment 'nothing:1'"), std::string::npos);
    EXPECT_FALSE(set_mapping(db(), reference_of("AzureML-x"),
                             "azureml://registries/r/environments/e/versions/1", k_now));
}

}  // namespace
}  // namespace ferry::env
