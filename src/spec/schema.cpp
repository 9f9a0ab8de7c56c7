#include "ferry/spec/schema.hpp"

#include <array>

#include "tables.hpp"

namespace ferry::spec {

namespace {

constexpr std::array<std::string_view, 9> k_kind_names = {"command",   "sweep",    "environment",
                                                          "data",      "model",    "compute",
                                                          "workspace", "pipeline", "component"};

std::string type_text(const Field& field) {
    switch (field.type) {
        case Type::string:
            return "a string";
        case Type::integer:
            return "an integer";
        case Type::number:
            return "a number";
        case Type::boolean:
            return "a boolean (true or false)";
        case Type::enumeration:
            return "one of the values";
        case Type::size:
            return "a size such as 2g, 512m, 1024k or a number of bytes";
        case Type::reference:
            switch (field.role) {
                case ReferenceRole::asset:
                    return "a reference such as azureml:NAME:VERSION or NAME@latest";
                case ReferenceRole::compute:
                    return "a compute name";
                case ReferenceRole::path:
                    return "a path, an http(s) URL or azureml:NAME:VERSION";
            }
            return "a reference";
        case Type::map:
        case Type::free_map:
        case Type::tagged:
        case Type::entries:
            return "a map";
        case Type::string_map:
            return "a map of strings";
        case Type::list:
            return "a list";
        case Type::literal:
            return "a literal (string, number or boolean)";
        case Type::one_of: {
            std::string text;
            for (std::size_t i = 0; i < field.items.size(); ++i) {
                std::string part = type_text(field.items[i]);
                if (i > 0 && part == type_text(field.items[i - 1])) {
                    continue;
                }
                text += (i == 0 ? "" : i + 1 == field.items.size() ? " or " : ", ") + part;
            }
            return text;
        }
    }
    return "a value";
}

}  // namespace

const Field* Field::find(std::string_view key) const {
    for (const Field& field : fields) {
        if (field.name == key) {
            return &field;
        }
    }
    return nullptr;
}

Field make_field(std::string name, Type type, std::string description) {
    Field field;
    field.name = std::move(name);
    field.type = type;
    field.description = std::move(description);
    return field;
}

Field make_enum(std::string name, std::vector<std::string> values, std::string description) {
    Field field = make_field(std::move(name), Type::enumeration, std::move(description));
    field.values = std::move(values);
    return field;
}

Field make_map(std::string name, std::vector<Field> fields, std::string description) {
    Field field = make_field(std::move(name), Type::map, std::move(description));
    field.fields = std::move(fields);
    return field;
}

Field make_reference(std::string name, ReferenceRole role, std::string description) {
    Field field = make_field(std::move(name), Type::reference, std::move(description));
    field.role = role;
    return field;
}

Field make_unsupported(std::string name, std::string why) {
    Field field = make_field(std::move(name), Type::free_map, "Not supported by ferry: " + why);
    field.unsupported = std::move(why);
    return field;
}

Field make_ignored(std::string name, std::string why) {
    Field field = make_field(std::move(name), Type::free_map,
                             "Azure's; ignored by ferry with a note: " + why);
    field.ignored = std::move(why);
    return field;
}

Field make_read_only(std::string name) {
    Field field = make_field(std::move(name), Type::free_map,
                             "Read-only key of Azure's saved YAML; ignored.");
    field.read_only = true;
    return field;
}

std::string expected_text(const Field& field) {
    std::string text = type_text(field);
    if (!field.hint.empty()) {
        text += " (" + field.hint + ")";
    }
    return text;
}

const Field& schema_for(Kind kind) {
    static const std::array<Field, 9> k_tables = {
        tables::command_job(), tables::sweep_job(),    tables::environment(false),
        tables::data(),        tables::model(),        tables::compute(),
        tables::workspace(),   tables::pipeline_job(), tables::component()};
    return k_tables[static_cast<std::size_t>(kind)];
}

std::span<const std::string_view> kind_names() {
    return k_kind_names;
}

std::string_view kind_name(Kind kind) {
    return k_kind_names[static_cast<std::size_t>(kind)];
}

std::optional<Kind> kind_from_name(std::string_view name) {
    for (std::size_t i = 0; i < k_kind_names.size(); ++i) {
        if (k_kind_names[i] == name) {
            return static_cast<Kind>(i);
        }
    }
    return std::nullopt;
}

namespace tables {

void add_common_keys(std::vector<Field>& fields) {
    fields.insert(fields.begin(),
                  make_field("$schema", Type::string, "URL of the Azure JSON Schema; ignored."));
    for (const char* key : {"status", "creation_context", "id", "log_files"}) {
        fields.push_back(make_read_only(key));
    }
}

}  // namespace tables

}  // namespace ferry::spec
