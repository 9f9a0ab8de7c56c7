#include "ferry/util/yaml.hpp"

#include <string>

#include <fmt/format.h>

namespace ferry::util {

Result<YAML::Node> parse_yaml(std::string_view text, std::string_view file) {
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        return usage_error("{}:{}:{}: {}", file, e.mark.line + 1, e.mark.column + 1, e.msg);
    }
}

std::string yaml_position(const YAML::Node& node, std::string_view file) {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
        return std::string(file);
    }
    return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

}  // namespace ferry::util
