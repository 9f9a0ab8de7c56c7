#pragma once

#include <optional>
#include <string_view>

#include "ferry/core/exit_codes.hpp"

namespace ferry::run {

// The statuses of DESIGN.md, with Azure ML's names.
enum class Status {
    not_started,
    queued,
    preparing,
    starting,
    running,
    finalizing,
    cancel_requested,
    completed,
    failed,
    canceled,
    not_responding,
};

[[nodiscard]] std::string_view status_name(Status status);
[[nodiscard]] std::optional<Status> parse_status(std::string_view name);
[[nodiscard]] bool is_terminal(Status status);
// Every status name, in lifecycle order, for messages and completion.
[[nodiscard]] std::string_view status_names();

// Why a run ended the way it did; decides the exit code of the commands that wait for it.
enum class EndReason { none, job, timeout, infrastructure, canceled };

[[nodiscard]] std::string_view reason_name(EndReason reason);
[[nodiscard]] EndReason parse_reason(std::string_view name);

// The exit code of `run wait`, `run stream` and `run submit --wait` for an ended run: the
// job's own code, 124 for a timeout, 125 for ferry's failures, 143 for a cancel.
[[nodiscard]] int waited_exit_code(Status status, EndReason reason, std::optional<int> job_code);

}  // namespace ferry::run
