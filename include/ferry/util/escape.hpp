#pragma once

#include <string>
#include <string_view>

namespace ferry::util {

// Whether `text` holds a control character (C0, DEL or C1) or a byte that is not UTF-8.
[[nodiscard]] bool has_control(std::string_view text);

// What escape_control leaves as it is: tabs (a source line above a caret), and newlines too
// (a message of several lines).
enum class Keep { nothing, tabs, tabs_and_newlines };

// `text` safe to print on a terminal: control characters written as "\n", "\t", "\r",
// "\x1b" (C0 and DEL), "\u009b" (C1), and bytes that are not UTF-8 as "\xff"; the rest as is.
[[nodiscard]] std::string escape_control(std::string_view text, Keep keep = Keep::nothing);

}  // namespace ferry::util
