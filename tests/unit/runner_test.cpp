#include "ferry/core/runner.hpp"

#include <unistd.h>

#include <chrono>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace ferry {
namespace {

SystemRunner runner() {
    return SystemRunner(std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}});
}

TEST(SystemRunner, CaptureGivesStdoutAndFailsOnANonZeroExit) {
    auto system = runner();
    auto said = system.capture({{"sh", "-c", "echo out; echo err >&2"}, {}, "", {}}, -1);
    ASSERT_TRUE(said) << said.error().message;
    EXPECT_EQ(*said, "out\n");
    auto failed = system.capture({{"sh", "-c", "exit 3"}, {}, "", {}}, -1);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().message, "sh exited with 3");
}

// A program that does not answer (sinfo retrying for a minute) is stopped at its time limit.
TEST(SystemRunner, ACaptureOverItsTimeLimitIsStopped) {
    auto system = runner();
    const auto began = std::chrono::steady_clock::now();
    auto said = system.capture({{"sleep", "30"}, {}, "", {}, std::chrono::seconds(1)}, -1);
    const auto took = std::chrono::steady_clock::now() - began;
    ASSERT_FALSE(said);
    EXPECT_EQ(said.error().message, "sleep did not finish within 1 s and was stopped");
    EXPECT_LT(took, std::chrono::seconds(5));
    EXPECT_GE(took, std::chrono::seconds(1));
}

TEST(SystemRunner, AProgramWithinItsTimeLimitIsNotStopped) {
    auto system = runner();
    auto said = system.capture(
        {{"sh", "-c", "sleep 0.2; echo done"}, {}, "", {}, std::chrono::seconds(5)}, -1);
    ASSERT_TRUE(said) << said.error().message;
    EXPECT_EQ(*said, "done\n");
}

}  // namespace
}  // namespace ferry
