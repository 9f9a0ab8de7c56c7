#include "ferry/util/time.hpp"

#include <cstdio>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace ferry::util {

std::string format_utc(std::chrono::system_clock::time_point time) {
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() %
        1000;
    const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

std::string compact_time(std::string_view utc, std::chrono::system_clock::time_point now) {
    std::tm parts{};
    int consumed = 0;
    const std::string text(utc);
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6 ||
        consumed != 19) {
        return text;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    const std::time_t at = ::timegm(&parts);
    const std::time_t today = std::chrono::system_clock::to_time_t(now);
    std::tm local{};
    std::tm local_now{};
    if (at == -1 || ::localtime_r(&at, &local) == nullptr ||
        ::localtime_r(&today, &local_now) == nullptr) {
        return text;
    }
    char out[32] = {};
    const char* format = local.tm_year == local_now.tm_year ? "%b %d %H:%M" : "%b %d  %Y";
    return std::strftime(out, sizeof out, format, &local) > 0 ? std::string(out) : text;
}

}  // namespace ferry::util
