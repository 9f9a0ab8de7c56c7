#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

// How ferry reads YAML scalars: the YAML 1.2 core schema (`yes` stays a string).
namespace ferry::spec {

// Integers, numbers and sizes: util::parse_integer, util::parse_number, util::parse_size.
[[nodiscard]] std::optional<bool> parse_boolean(std::string_view text);

// A scalar with the type YAML gives it: quoted = string, plain 1 = integer, 1.0 = number,
// true = boolean, ~ = null.
[[nodiscard]] nlohmann::ordered_json literal_value(const YAML::Node& node);
// Any node as JSON, scalars typed as literal_value does.
[[nodiscard]] nlohmann::ordered_json to_json_value(const YAML::Node& node);

}  // namespace ferry::spec
