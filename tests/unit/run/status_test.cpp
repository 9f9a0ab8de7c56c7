#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/run/status.hpp"

namespace ferry::run {
namespace {

const std::vector<Status> k_all = {
    Status::not_started, Status::queued,     Status::preparing,        Status::starting,
    Status::running,     Status::finalizing, Status::cancel_requested, Status::completed,
    Status::failed,      Status::canceled,   Status::not_responding,
};

TEST(RunStatus, NamesRoundTrip) {
    for (const Status status : k_all) {
        const auto parsed = parse_status(status_name(status));
        ASSERT_TRUE(parsed) << status_name(status);
        EXPECT_EQ(*parsed, status);
    }
}

TEST(RunStatus, AzureNames) {
    EXPECT_EQ(status_name(Status::not_started), "NotStarted");
    EXPECT_EQ(status_name(Status::cancel_requested), "CancelRequested");
    EXPECT_EQ(status_name(Status::not_responding), "NotResponding");
    EXPECT_EQ(status_name(Status::completed), "Completed");
}

TEST(RunStatus, NamesListsEveryStatusInLifecycleOrder) {
    std::string expected;
    for (const Status status : k_all) {
        if (!expected.empty()) {
            expected += ", ";
        }
        expected += status_name(status);
    }
    EXPECT_EQ(status_names(), expected);
}

TEST(RunStatus, UnknownNamesAreNotParsed) {
    EXPECT_FALSE(parse_status(""));
    EXPECT_FALSE(parse_status("Done"));
    EXPECT_FALSE(parse_status("Runnin"));
}

// A user's `--status failed` is as good as `Failed`: the names differ in more than case.
TEST(RunStatus, NamesAreTakenInAnyCase) {
    EXPECT_EQ(parse_status("running"), Status::running);
    EXPECT_EQ(parse_status("CANCELREQUESTED"), Status::cancel_requested);
    EXPECT_EQ(parse_status("notStarted"), Status::not_started);
}

TEST(RunStatus, OnlyCompletedFailedCanceledAreTerminal) {
    for (const Status status : k_all) {
        const bool expected =
            status == Status::completed || status == Status::failed || status == Status::canceled;
        EXPECT_EQ(is_terminal(status), expected) << status_name(status);
    }
}

TEST(RunStatus, ReasonsRoundTrip) {
    for (const EndReason reason : {EndReason::none, EndReason::job, EndReason::timeout,
                                   EndReason::infrastructure, EndReason::canceled}) {
        EXPECT_EQ(parse_reason(reason_name(reason)), reason);
    }
    EXPECT_EQ(reason_name(EndReason::infrastructure), "infrastructure");
    EXPECT_EQ(reason_name(EndReason::none), "");
    EXPECT_EQ(parse_reason("nonsense"), EndReason::none);
}

TEST(RunStatus, WaitedExitCodes) {
    EXPECT_EQ(waited_exit_code(Status::completed, EndReason::job, 0), 0);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::job, 3), 3);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::job, 127), 127);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::timeout, std::nullopt), 124);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::timeout, 143), 124);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::infrastructure, std::nullopt), 125);
    EXPECT_EQ(waited_exit_code(Status::canceled, EndReason::canceled, 143), 143);
    EXPECT_EQ(waited_exit_code(Status::canceled, EndReason::job, std::nullopt), 143);
}

TEST(RunStatus, FailedJobWithExitZeroIsAnInfrastructureFailure) {
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::infrastructure, 0), 125);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::job, 0), 125);
    EXPECT_EQ(waited_exit_code(Status::failed, EndReason::job, std::nullopt), 125);
}

}  // namespace
}  // namespace ferry::run
