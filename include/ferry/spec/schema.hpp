#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/spec/reference.hpp"

namespace ferry::spec {

// The kinds of spec files ferry reads.
enum class Kind {
    command_job,
    sweep_job,
    environment,
    data,
    model,
    compute,
    workspace,
    pipeline_job,
    component
};

enum class Type {
    string,
    integer,
    number,
    boolean,
    enumeration,  // a string out of `values`
    size,         // bytes, as 2g, 512m, 1024k or a plain number of bytes
    reference,    // a string parsed as a Reference of `role`
    map,          // a map with the closed set of keys `fields`
    free_map,     // a map of anything (properties, an inline conda file)
    string_map,   // a map of names to strings (scalars are taken as strings)
    list,         // a list of `items[0]`
    literal,      // a scalar kept with its YAML type (inputs)
    entries,      // a map of user-chosen names to `items[0]`
    one_of,       // the first of `items` whose shape (scalar, map, null) fits
    tagged,       // a map whose `type` key picks one of `items` (each a map)
};

// One key of a spec, and through `fields`/`items` everything under it. The same table
// drives validation, the typing of `--set` values and the JSON Schema.
struct Field {
    std::string name;
    Type type = Type::string;
    std::string description;
    bool required = false;
    nlohmann::ordered_json default_value;  // null: no default
    std::string hint;                      // shown after the type: "(seconds)"
    std::vector<std::string> values;       // enumeration
    std::vector<Field> fields;             // map; tagged: keys common to every variant
    std::vector<Field> items;              // entries/list element, one_of alternatives,
                                           // tagged variants (named by their type value)
    std::string default_variant;           // tagged: variant when `type` is absent
    ReferenceRole role = ReferenceRole::path;
    std::optional<double> minimum;  // integer/number
    std::string unsupported;        // non-empty: refused, with this reason
    // Non-empty: Azure's, with no effect here: accepted and noted with this reason (refused
    // by a caller that is strict).
    std::string ignored;
    bool read_only = false;       // accepted and ignored (Azure's saved YAML)
    bool single_line = false;     // string: no control characters (names shown in tables)
    bool variable_names = false;  // string_map: keys are environment variable names

    // Builders, so tables read as one line per key.
    Field& require() {
        required = true;
        return *this;
    }
    Field& defaults(nlohmann::ordered_json value) {
        default_value = std::move(value);
        return *this;
    }
    Field& with_hint(std::string text) {
        hint = std::move(text);
        return *this;
    }
    Field& at_least(double value) {
        minimum = value;
        return *this;
    }
    Field& one_line() {
        single_line = true;
        return *this;
    }
    Field& of_variables() {
        variable_names = true;
        return *this;
    }
    [[nodiscard]] const Field* find(std::string_view key) const;
};

[[nodiscard]] Field make_field(std::string name, Type type, std::string description);
[[nodiscard]] Field make_enum(std::string name, std::vector<std::string> values,
                              std::string description);
[[nodiscard]] Field make_map(std::string name, std::vector<Field> fields, std::string description);
[[nodiscard]] Field make_reference(std::string name, ReferenceRole role, std::string description);
[[nodiscard]] Field make_unsupported(std::string name, std::string why);
[[nodiscard]] Field make_ignored(std::string name, std::string why);
[[nodiscard]] Field make_read_only(std::string name);

// The root of a kind's table (a map or a tagged map).
[[nodiscard]] const Field& schema_for(Kind kind);
// "command", "sweep", "environment", "data", "model", "compute", "workspace", "pipeline",
// "component".
[[nodiscard]] std::span<const std::string_view> kind_names();
[[nodiscard]] std::string_view kind_name(Kind kind);
[[nodiscard]] std::optional<Kind> kind_from_name(std::string_view name);

// "an integer (seconds)": how messages and descriptions name what a field takes.
[[nodiscard]] std::string expected_text(const Field& field);

// JSON Schema (draft 2020-12) of a kind.
[[nodiscard]] nlohmann::ordered_json to_json_schema(Kind kind);

}  // namespace ferry::spec
