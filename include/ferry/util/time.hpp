#pragma once

#include <chrono>
#include <string>

namespace ferry::util {

// "2026-11-21T22:40:51.123Z"
[[nodiscard]] std::string format_utc(std::chrono::system_clock::time_point time);

}  // namespace ferry::util
