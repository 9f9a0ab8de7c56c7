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

// TRY(expression): when the Result `expression` holds an error, the calling function returns
// it (ccache's TRY). TRY_ASSIGN(declaration, expression): the same, else `declaration` takes
// the value, e.g. TRY_ASSIGN(auto run, get_run(db, name)).
#define TRY(expression) FERRY_TRY(FERRY_TRY_JOIN(ferry_try_, __COUNTER__), expression)
#define FERRY_TRY(result, expression)                          \
    do {                                                       \
        if (auto&& result = (expression); !result) {           \
            return std::unexpected(std::move(result).error()); \
        }                                                      \
    } while (false)

#define FERRY_TRY_JOIN2(a, b) a##b
#define FERRY_TRY_JOIN(a, b) FERRY_TRY_JOIN2(a, b)
#define FERRY_TRY_ASSIGN(temporary, declaration, expression)  \
    auto&& temporary = (expression);                          \
    if (!temporary) {                                         \
        return std::unexpected(std::move(temporary).error()); \
    }                                                         \
    declaration = std::move(*temporary)
#define TRY_ASSIGN(declaration, expression) \
    FERRY_TRY_ASSIGN(FERRY_TRY_JOIN(ferry_try_, __COUNTER__), declaration, expression)

// Prefixes the message of an error with context ("workspace 'a': ...").
[[nodiscard]] inline Error with_context(Error error, std::string_view context) {
    error.message = fmt::format("{}: {}", context, error.message);
    return error;
}

}  // namespace ferry
