#include "ferry/run/status.hpp"

#include "ferry/util/names.hpp"

namespace ferry::run {

namespace {

constexpr util::NameTable<Status, 11> k_names = {{
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

constexpr util::NameTable<EndReason, 5> k_reasons = {{
    {EndReason::none, ""},
    {EndReason::job, "job"},
    {EndReason::timeout, "timeout"},
    {EndReason::infrastructure, "infrastructure"},
    {EndReason::canceled, "canceled"},
}};

}  // namespace

std::string_view status_name(Status status) {
    return util::name_in(k_names, status);
}

std::optional<Status> parse_status(std::string_view name) {
    return util::parse_in(k_names, name, util::Case::any);
}

bool is_terminal(Status status) {
    return status == Status::completed || status == Status::failed || status == Status::canceled;
}

std::string_view status_names() {
    return "NotStarted, Queued, Preparing, Starting, Running, Finalizing, CancelRequested, "
           "Completed, Failed, Canceled, NotResponding";
}

std::string_view reason_name(EndReason reason) {
    return util::name_in(k_reasons, reason);
}

EndReason parse_reason(std::string_view name) {
    return util::parse_in(k_reasons, name).value_or(EndReason::none);
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
