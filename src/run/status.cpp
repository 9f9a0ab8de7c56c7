#include "ferry/run/status.hpp"

#include <array>
#include <utility>

namespace ferry::run {

namespace {

constexpr std::array<std::pair<Status, std::string_view>, 11> k_names = {{
    {Status::not_started, "NotStarted"},
    {Status::queued, "Queued"},
    {Status::preparing, "Preparing"},
    {Status::starting, "Starting"},
    {Status::running, "Running"},
    {Status::finalizing, "Finalizing"},
    {Status::cancel_requested, "CancelRequested"},
    {Status::completed, "Completed"},
    {Status::failed, "Failed"},
    {Status::canceled, "Canceled"},
    {Status::not_responding, "NotResponding"},
}};

constexpr std::array<std::pair<EndReason, std::string_view>, 5> k_reasons = {{
    {EndReason::none, ""},
    {EndReason::job, "job"},
    {EndReason::timeout, "timeout"},
    {EndReason::infrastructure, "infrastructure"},
    {EndReason::canceled, "canceled"},
}};

}  // namespace

std::string_view status_name(Status status) {
    for (const auto& [value, name] : k_names) {
        if (value == status) {
            return name;
        }
    }
    return "Unknown";
}

std::optional<Status> parse_status(std::string_view name) {
    for (const auto& [value, text] : k_names) {
        if (text == name) {
            return value;
        }
    }
    return std::nullopt;
}

bool is_terminal(Status status) {
    return status == Status::completed || status == Status::failed || status == Status::canceled;
}

std::string_view status_names() {
    return "NotStarted, Queued, Preparing, Starting, Running, Finalizing, CancelRequested, "
           "Completed, Failed, Canceled, NotResponding";
}

std::string_view reason_name(EndReason reason) {
    for (const auto& [value, name] : k_reasons) {
        if (value == reason) {
            return name;
        }
    }
    return "";
}

EndReason parse_reason(std::string_view name) {
    for (const auto& [value, text] : k_reasons) {
        if (text == name) {
            return value;
        }
    }
    return EndReason::none;
}

int waited_exit_code(Status status, EndReason reason, std::optional<int> job_code) {
    if (status == Status::completed) {
        return to_int(ExitCode::success);
    }
    if (status == Status::canceled || reason == EndReason::canceled) {
        return to_int(ExitCode::canceled);
    }
    if (reason == EndReason::timeout) {
        return to_int(ExitCode::timeout);
    }
    if (reason == EndReason::job && job_code && *job_code != 0) {
        return *job_code;
    }
    return to_int(ExitCode::infrastructure);
}

}  // namespace ferry::run
