#pragma once

#include <cstddef>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::spec {

// One `${{GROUP.NAME}}` of a command.
struct Placeholder {
    std::string group;  // "inputs", "outputs", "search_space" (or anything written)
    std::string name;
    std::size_t offset = 0;  // of "${{" in the command
    std::size_t length = 0;  // up to and with "}}"
    bool in_optional_block = false;
};

// A problem at a byte offset of the command text.
struct InterpolationError {
    std::size_t offset = 0;
    std::string message;
};

// Every placeholder of a command, or the first syntax error (unterminated or nested blocks).
[[nodiscard]] std::expected<std::vector<Placeholder>, InterpolationError> find_placeholders(
    std::string_view command);

struct InterpolationValues {
    std::map<std::string, std::optional<std::string>> inputs;  // nullopt: declared, no value
    std::map<std::string, std::string> outputs;
    std::map<std::string, std::string> search_space;
};

// Replaces the placeholders; an optional block `$[[ ... ]]` is dropped when an input in it
// has no value, and kept without its brackets otherwise.
[[nodiscard]] std::expected<std::string, InterpolationError> expand(
    std::string_view command, const InterpolationValues& values);

}  // namespace ferry::spec
