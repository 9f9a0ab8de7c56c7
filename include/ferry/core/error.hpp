#pragma once

#include <expected>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ferry/core/exit_codes.hpp"

namespace ferry {

// A failure that reaches the user as one line: "ferry: error: <message>".
struct Error {
    ExitCode code = ExitCode::failure;
    std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

template <typename... Args>
[[nodiscard]] std::unexpected<Error> fail(fmt::format_string<Args...> format, Args&&... args) {
    return std::unexpected(
        Error{ExitCode::failure, fmt::format(format, std::forward<Args>(args)...)});
}

template <typename... Args>
[[nodiscard]] std::unexpected<Error> usage_error(fmt::format_string<Args...> format,
                                                 Args&&... args) {
    return std::unexpected(
        Error{ExitCode::usage, fmt::format(format, std::forward<Args>(args)...)});
}

// Prefixes the message of an error with context ("workspace 'a': ...").
[[nodiscard]] inline Error with_context(Error error, std::string_view context) {
    error.message = fmt::format("{}: {}", context, error.message);
    return error;
}

}  // namespace ferry
