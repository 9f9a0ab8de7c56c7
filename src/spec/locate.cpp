#include "ferry/spec/locate.hpp"

#include <system_error>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace ferry::spec {

std::string locate(std::string_view text, std::string_view file, std::string_view key) {
    try {
        YAML::Node node = YAML::Load(std::string(text));
        for (std::size_t begin = 0; begin <= key.size();) {
            const std::size_t end = std::min(key.find('.', begin), key.size());
            if (!node.IsMap()) {
                return std::string(file);
            }
            // A const lookup: a missing key gives an undefined node, not a new one.
            const YAML::Node& map = node;
            const YAML::Node found = map[std::string(key.substr(begin, end - begin))];
            if (!found.IsDefined()) {
                return std::string(file);
            }
            node.reset(found);
            begin = end + 1;
        }
        const YAML::Mark mark = node.Mark();
        if (mark.is_null()) {
            return std::string(file);
        }
        return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
    } catch (const YAML::Exception&) {
        return std::string(file);
    }
}

Result<void> check_code_directory(const std::optional<std::filesystem::path>& code,
                                  std::string_view where) {
    if (!code) {
        return {};
    }
    std::error_code ec;
    if (std::filesystem::is_directory(*code, ec)) {
        return {};
    }
    if (std::filesystem::exists(*code, ec)) {
        return usage_error("{}: code directory {} is a file, not a directory", where,
                           code->string());
    }
    return usage_error("{}: code directory {} does not exist", where, code->string());
}

}  // namespace ferry::spec
