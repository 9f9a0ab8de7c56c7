#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/schema.hpp"

namespace ferry::spec {

// Applies `--set KEY.PATH=VALUE` overrides (one per string) to a parsed document. The value
// is typed by the schema at that path; dotted paths create intermediate maps. Problems are
// added to `diagnostics` at the pseudo-position "--set KEY=VALUE"; returns false if any.
bool apply_sets(YAML::Node& root, std::span<const std::string> sets, Kind kind,
                Diagnostics& diagnostics);

// A key `--set` can name in a file of `kind`, as completion offers it: "limits.timeout".
struct SetKey {
    std::string path;
    std::string description;  // "now: VALUE" for a key the document holds, else the schema's
};

// The keys of the schema that take one value, and those the document holds under maps of
// user-chosen names (inputs.NAME, environment_variables.NAME), sorted and each once.
[[nodiscard]] std::vector<SetKey> set_keys(Kind kind, const YAML::Node& document);

// The override of `-n/--name NAME`, to pass along the --set values.
[[nodiscard]] std::string name_set(std::string_view name);

}  // namespace ferry::spec
