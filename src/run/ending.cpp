#include <fmt/format.h>

#include "ferry/run/record.hpp"

namespace ferry::run {

Ending Ending::of_job(int code, std::string error) {
    return {.status = code == 0 ? Status::completed : Status::failed,
            .reason = EndReason::job,
            .exit_code = code,
            .error = code == 0 ? std::string() : std::move(error)};
}

Ending Ending::canceled(std::string error, std::optional<int> code) {
    return {.status = Status::canceled,
            .reason = EndReason::canceled,
            .exit_code = code,
            .error = std::move(error)};
}

Ending Ending::timed_out(std::int64_t seconds, std::optional<int> code) {
    return {.status = Status::failed,
            .reason = EndReason::timeout,
            .exit_code = code,
            .error = fmt::format("timeout: limits.timeout of {} s reached", seconds)};
}

Ending Ending::infrastructure(std::string error, std::optional<int> code) {
    return {.status = Status::failed,
            .reason = EndReason::infrastructure,
            .exit_code = code,
            .error = std::move(error)};
}

}  // namespace ferry::run
