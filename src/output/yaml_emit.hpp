#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace ferry::output {

// YAML text of a JSON value; strings that YAML would read as another type are quoted.
[[nodiscard]] std::string to_yaml(const nlohmann::ordered_json& value);

}  // namespace ferry::output
