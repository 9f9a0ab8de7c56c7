#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "ferry/core/error.hpp"

namespace ferry::util {

// What one YAML document of user input may hold. An alias counts as a copy of the node it
// names, so a few hundred bytes of nested aliases cannot expand into gigabytes.
struct YamlLimits {
    std::size_t max_bytes = std::size_t{8} << 20;         // the text, checked before parsing
    std::size_t max_values = 1'000'000;                   // scalars, maps and lists
    std::size_t max_value_bytes = std::size_t{16} << 20;  // the text of the scalars
};

// Why YAML text was refused, at a 0-based mark (null: the text as a whole).
struct YamlError {
    YAML::Mark mark;
    std::string message;
};

// Loads the one document of `text`. Refused, with the position: text over max_bytes (before
// anything is parsed), a byte that is not printable UTF-8, a syntax error, a second
// document, an alias inside the node it names, and a document over the limits with its
// aliases expanded (at the node or alias that crossed one). The node is built only then.
[[nodiscard]] std::expected<YAML::Node, YamlError> load_yaml(std::string_view text,
                                                             const YamlLimits& limits = {});

// load_yaml with the error as "FILE:LINE:COL: message" (usage error).
[[nodiscard]] Result<YAML::Node> parse_yaml(std::string_view text, std::string_view file);

// "FILE:LINE:COL" of a node (1-based), or just FILE when the node has no position.
[[nodiscard]] std::string yaml_position(const YAML::Node& node, std::string_view file);

}  // namespace ferry::util
