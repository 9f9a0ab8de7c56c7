#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/schema.hpp"

namespace ferry::spec::detail {

// Checks a document against the table of its kind, adding every problem to `diagnostics`,
// and returns its value as JSON: scalars typed by the table, defaults filled in, read-only
// keys dropped.
[[nodiscard]] nlohmann::ordered_json validate(const Field& root, const YAML::Node& document,
                                              Diagnostics& diagnostics);

// How messages show what a node holds: "'abc'", "a map", "a list", "nothing".
[[nodiscard]] std::string got_text(const YAML::Node& node);

// The mark of a map's key, or of the map when the key is absent.
[[nodiscard]] YAML::Mark key_mark(const YAML::Node& map, std::string_view key);

}  // namespace ferry::spec::detail
