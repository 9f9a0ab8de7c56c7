#include "ferry/spec/locate.hpp"

#include <gtest/gtest.h>

#include "../test_support.hpp"

namespace ferry::spec {
namespace {

TEST(Locate, AKeyIsPlacedAtItsValue) {
    const std::string text = "command: echo\ncompute: azureml:clustr\ntrial:\n  code: ./src\n";
    EXPECT_EQ(locate(text, "job.yml", "compute"), "job.yml:2:10");
    EXPECT_EQ(locate(text, "job.yml", "trial.code"), "job.yml:4:9");
}

TEST(Locate, WhatTheTextDoesNotHoldIsTheFileAlone) {
    const std::string text = "command: echo\ntrial: ./scalar\n";
    EXPECT_EQ(locate(text, "job.yml", "compute"), "job.yml");
    EXPECT_EQ(locate(text, "job.yml", "trial.code"), "job.yml");  // no map to look in
    EXPECT_EQ(locate("", "command line", "code"), "command line");
    EXPECT_EQ(locate("key: [unclosed\n", "bad.yml", "key"), "bad.yml");
}

TEST(CheckCodeDirectory, ADirectoryPassesAndAnythingElseIsAUsageError) {
    test::TempDir dir;
    test::write_text(dir / "file.txt", "x\n");
    EXPECT_TRUE(check_code_directory(std::nullopt, "job.yml"));
    EXPECT_TRUE(check_code_directory(dir.path(), "job.yml:2:7"));
    const auto file = check_code_directory(dir / "file.txt", "job.yml:2:7");
    ASSERT_FALSE(file);
    EXPECT_EQ(file.error().code, ExitCode::usage);
    EXPECT_EQ(file.error().message, "job.yml:2:7: code directory " + (dir / "file.txt").string() +
                                        " is a file, not a directory");
    const auto missing = check_code_directory(dir / "missing", "--code missing");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message,
              "--code missing: code directory " + (dir / "missing").string() + " does not exist");
}

}  // namespace
}  // namespace ferry::spec
