// JSON Schema (draft 2020-12) generated from the same tables as validation.
#include <nlohmann/json.hpp>

#include "ferry/spec/schema.hpp"

namespace ferry::spec {

namespace {

using Json = nlohmann::ordered_json;

Json schema_of(const Field& field);

Json object_of(const std::vector<const Field*>& fields) {
    Json out = {{"type", "object"}};
    Json properties = Json::object();
    Json required = Json::array();
    for (const Field* child : fields) {
        if (!child->unsupported.empty()) {
            continue;  // refused: additionalProperties false rejects it
        }
        properties[child->name] = schema_of(*child);
        if (child->required) {
            required.push_back(child->name);
        }
    }
    out["properties"] = std::move(properties);
    if (!required.empty()) {
        out["required"] = std::move(required);
    }
    out["additionalProperties"] = false;
    return out;
}

std::vector<const Field*> pointers(const std::vector<Field>& fields) {
    std::vector<const Field*> out;
    for (const Field& field : fields) {
        out.push_back(&field);
    }
    return out;
}

// No control characters (C0, DEL, C1); a variable name also holds no '=' and is not empty.
constexpr const char* k_printable = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
constexpr const char* k_variable_name = "^[^=\\u0000-\\u001f\\u007f-\\u009f]+$";

// Scalars are taken as strings, as `OMP_NUM_THREADS: 4` is meant.
Json string_map_body(const Field& field) {
    Json body = {{"type", "object"},
                 {"additionalProperties", {{"type", {"string", "number", "boolean"}}}}};
    if (field.variable_names) {
        body["propertyNames"] = {{"pattern", k_variable_name}};
    }
    return body;
}

// Paths ferry refuses (see unsupported_reason()): MLflow run URIs and the azureml:// forms
// that are not datastore paths or earlier runs' outputs.
constexpr const char* k_refused_paths =
    "^(runs:/|azureml://(?!datastores/|jobs/|subscriptions/[^/]+/resourcegroups/[^/]+/"
    "workspaces/[^/]+/datastores/))";

Json body_of(const Field& field) {
    switch (field.type) {
        case Type::string:
            if (field.single_line) {
                return {{"type", "string"}, {"pattern", k_printable}};
            }
            return {{"type", "string"}};
        case Type::reference:
            if (field.role == ReferenceRole::path) {
                return {{"type", "string"}, {"not", {{"pattern", k_refused_paths}}}};
            }
            return {{"type", "string"}};
        case Type::integer: {
            Json out = {{"type", "integer"}};
            if (field.minimum) {
                out["minimum"] = static_cast<std::int64_t>(*field.minimum);
            }
            return out;
        }
        case Type::number: {
            Json out = {{"type", "number"}};
            if (field.minimum) {
                out["minimum"] = *field.minimum;
            }
            return out;
        }
        case Type::boolean:
            return {{"type", "boolean"}};
        case Type::enumeration:
            return {{"type", "string"}, {"enum", field.values}};
        case Type::size:
            return {{"type", {"string", "integer"}},
                    {"pattern", "^[0-9]+(\\.[0-9]+)?[kKmMgGtT]?[bB]?$"}};
        case Type::map:
            return object_of(pointers(field.fields));
        case Type::free_map:
            return {{"type", "object"}};
        case Type::string_map:
            return string_map_body(field);
        case Type::list:
            return {{"type", "array"}, {"items", schema_of(field.items.front())}};
        case Type::literal:
            return {{"type", {"string", "number", "integer", "boolean"}}};
        case Type::entries:
            return {{"type", "object"},
                    {"propertyNames", {{"pattern", "^[A-Za-z_][A-Za-z0-9_]*$"}}},
                    // `model:` with nothing is an empty output (or an input without value)
                    {"additionalProperties",
                     {{"anyOf", {schema_of(field.items.front()), {{"type", "null"}}}}}}};
        case Type::one_of: {
            Json alternatives = Json::array();
            for (const Field& alternative : field.items) {
                alternatives.push_back(schema_of(alternative));
            }
            return {{"oneOf", std::move(alternatives)}};
        }
        case Type::tagged: {
            Json alternatives = Json::array();
            for (const Field& variant : field.items) {
                if (!variant.unsupported.empty()) {
                    continue;
                }
                Field type_field = make_enum("type", {variant.name}, "Picks this variant.");
                type_field.required = field.default_variant != variant.name;
                std::vector<const Field*> fields = pointers(field.fields);
                fields.push_back(&type_field);
                for (const Field& child : variant.fields) {
                    fields.push_back(&child);
                }
                Json branch = object_of(fields);
                branch["description"] = variant.description;
                alternatives.push_back(std::move(branch));
            }
            return {{"oneOf", std::move(alternatives)}};
        }
    }
    return Json::object();
}

Json schema_of(const Field& field) {
    Json out = Json::object();
    if (!field.description.empty()) {
        out["description"] = field.description;
    }
    if (field.read_only) {
        return out;
    }
    const Json body = body_of(field);
    for (const auto& [key, value] : body.items()) {
        out[key] = value;
    }
    if (!field.default_value.is_null()) {
        out["default"] = field.default_value;
    }
    return out;
}

}  // namespace

nlohmann::ordered_json to_json_schema(Kind kind) {
    const Field& root = schema_for(kind);
    Json out = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                {"$id", "https://ferry.dev/schemas/" + std::string(kind_name(kind)) + ".json"},
                {"title", "ferry " + std::string(kind_name(kind)) + " spec"}};
    const Json body = schema_of(root);
    for (const auto& [key, value] : body.items()) {
        out[key] = value;
    }
    return out;
}

}  // namespace ferry::spec
