#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ferry::util {

// "2026-11-21T22:40:51.123Z"
[[nodiscard]] std::string format_utc(std::chrono::system_clock::time_point time);

// A time as `ls -l` shows it, in local time: "Dec 03 14:11" within the year of `now`,
// "Dec 03  2025" otherwise; text that is not a format_utc time comes back as it is.
[[nodiscard]] std::string compact_time(std::string_view utc,
                                       std::chrono::system_clock::time_point now);

}  // namespace ferry::util
