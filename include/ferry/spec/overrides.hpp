#pragma once

#include <span>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/schema.hpp"

namespace ferry::spec {

// Applies `--set KEY.PATH=VALUE` overrides (one per string) to a parsed document. The value
// is typed by the schema at that path; dotted paths create intermediate maps. Problems are
// added to `diagnostics` at the pseudo-position "--set KEY=VALUE"; returns false if any.
bool apply_sets(YAML::Node& root, std::span<const std::string> sets, Kind kind,
                Diagnostics& diagnostics);

// The override of `-n/--name NAME`, to pass along the --set values.
[[nodiscard]] std::string name_set(std::string_view name);

}  // namespace ferry::spec
