#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/run/storage.hpp"

namespace ferry::run {
namespace {

using ::testing::HasSubstr;

TEST(JobOutputReferences, NameARunsOutputOrArtifact) {
    const auto output = parse_job_output("azureml://jobs/train/outputs/model");
    ASSERT_TRUE(output);
    EXPECT_EQ(*output, (Json{{"run", "train"}, {"output", "model"}}));
    EXPECT_EQ(stored_path(*output), "named-outputs/model");
    const auto inside = parse_job_output("azureml://jobs/train/outputs/model/paths/a/./b.pt");
    ASSERT_TRUE(inside);
    EXPECT_EQ(inside->value("path", ""), "a/b.pt");
    EXPECT_EQ(stored_path(*inside), "named-outputs/model/a/b.pt");
    const auto artifact =
        parse_job_output("azureml://jobs/train/outputs/artifacts/paths/outputs/metrics.txt");
    ASSERT_TRUE(artifact);
    EXPECT_TRUE(artifact->value("artifact", false));
    EXPECT_EQ(stored_path(*artifact), "outputs/metrics.txt");
}

TEST(JobOutputReferences, MalformedOnesSayTheForms) {
    for (const char* text :
         {"azureml://jobs/train", "azureml://jobs/train/inputs/x", "azureml://jobs//outputs/m",
          "azureml://jobs/train/outputs/artifacts", "azureml://jobs/train/outputs/m/files/x",
          "azureml://jobs/train/outputs/m/paths"}) {
        const auto parsed = parse_job_output(text);
        ASSERT_FALSE(parsed) << text;
        EXPECT_THAT(parsed.error().message,
                    HasSubstr("expected azureml://jobs/RUN/outputs/NAME[/paths/PATH]"))
            << text;
    }
    const auto escaping = parse_job_output("azureml://jobs/train/outputs/m/paths/../../x");
    ASSERT_FALSE(escaping);
    EXPECT_THAT(escaping.error().message, HasSubstr("may not leave the run's files"));
}

}  // namespace
}  // namespace ferry::run
