#include "ferry/util/program.hpp"

#include <unistd.h>

#include <string>

namespace ferry::util {

std::optional<std::filesystem::path> find_program_on(std::string_view name, std::string_view path) {
    if (name.find('/') != std::string_view::npos) {
        return ::access(std::string(name).c_str(), X_OK) == 0
                   ? std::optional(std::filesystem::path(name))
                   : std::nullopt;
    }
    for (std::string_view rest = path;;) {
        const auto colon = rest.find(':');
        if (const auto dir = rest.substr(0, colon); !dir.empty()) {
            const auto candidate = std::filesystem::path(dir) / name;
            if (::access(candidate.c_str(), X_OK) == 0) {
                return candidate;
            }
        }
        if (colon == std::string_view::npos) {
            return std::nullopt;
        }
        rest = rest.substr(colon + 1);
    }
}

std::string host_name() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return host;
}

}  // namespace ferry::util
