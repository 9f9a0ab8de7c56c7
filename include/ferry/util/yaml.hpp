#pragma once

#include <string_view>

#include <yaml-cpp/yaml.h>

#include "ferry/core/error.hpp"

namespace ferry::util {

// Parses YAML text; a syntax error becomes "FILE:LINE:COL: message" (usage error).
[[nodiscard]] Result<YAML::Node> parse_yaml(std::string_view text, std::string_view file);

// "FILE:LINE:COL" of a node (1-based), or just FILE when the node has no position.
[[nodiscard]] std::string yaml_position(const YAML::Node& node, std::string_view file);

}  // namespace ferry::util
