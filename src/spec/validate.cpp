#include "validate.hpp"

#include <algorithm>
#include <set>
#include <string>

#include <fmt/format.h>

#include "ferry/spec/scalar.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/text.hpp"
#include "json_object.hpp"

namespace ferry::spec::detail {

namespace {

using Json = nlohmann::ordered_json;

using util::did_you_mean;

std::string join(const std::vector<std::string>& values) {
    std::string text;
    for (const std::string& value : values) {
        text += (text.empty() ? "" : ", ") + value;
    }
    return text;
}

bool is_identifier(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) {
        return false;
    }
    for (const char c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
            return false;
        }
    }
    return true;
}

bool fits(const Field& field, const YAML::Node& node) {
    switch (field.type) {
        case Type::map:
        case Type::free_map:
        case Type::string_map:
        case Type::entries:
        case Type::tagged:
            return node.IsMap();
        case Type::list:
            return node.IsSequence();
        case Type::one_of:
            return false;
        default:
            return node.IsScalar();
    }
}

class Validator {
public:
    explicit Validator(Diagnostics& diagnostics) : m_diagnostics(diagnostics) {}

    // `where` is the mark of the key, used when the value has no position of its own.
    Json value(const Field& field, const YAML::Node& node, const YAML::Mark& where) {
        const YAML::Mark mark = node.IsNull() || node.Mark().is_null() ? where : node.Mark();
        if (node.IsNull()) {
            return nullptr;
        }
        switch (field.type) {
            case Type::map:
                return map(field, {}, node, mark);
            case Type::tagged:
                return tagged(field, node, mark);
            case Type::entries:
                return entries(field, node, mark);
            case Type::one_of:
                for (const Field& alternative : field.items) {
                    if (fits(alternative, node)) {
                        return value(alternative, node, where);
                    }
                }
                return wrong(field, node, mark);
            case Type::free_map:
                return node.IsMap() ? to_json_value(node) : wrong(field, node, mark);
            case Type::string_map:
                return string_map(field, node, mark);
            case Type::list:
                return list(field, node, mark);
            default:
                return node.IsScalar() ? scalar(field, node, mark) : wrong(field, node, mark);
        }
    }

    Json map(const Field& field, const std::vector<const Field*>& extra, const YAML::Node& node,
             const YAML::Mark& mark) {
        if (!node.IsMap()) {
            return wrong(field, node, mark);
        }
        std::vector<const Field*> fields;
        for (const Field& child : field.fields) {
            fields.push_back(&child);
        }
        fields.insert(fields.end(), extra.begin(), extra.end());
        std::vector<std::string> names;
        for (const Field* child : fields) {
            if (!child->read_only) {
                names.push_back(child->name);
            }
        }
        Json out = Json::object();
        std::set<std::string> seen;
        std::set<std::string> suggested;  // a misspelt key is not also reported missing
        for (const auto& pair : node) {
            const YAML::Node& key = pair.first;
            if (!key.IsScalar()) {
                m_diagnostics.add(key.Mark(), "keys must be plain names");
                continue;
            }
            const std::string& name = key.Scalar();
            if (!seen.insert(name).second) {
                m_diagnostics.add(key.Mark(), fmt::format("duplicate key '{}'", name));
                continue;
            }
            const Field* child = nullptr;
            for (const Field* candidate : fields) {
                if (candidate->name == name) {
                    child = candidate;
                }
            }
            if (child == nullptr) {
                if (const auto match = util::closest_match(name, names)) {
                    suggested.insert(*match);
                }
                m_diagnostics.add(
                    key.Mark(), fmt::format("unknown key '{}'{}", name, did_you_mean(name, names)));
            } else if (!child->ignored.empty()) {
                m_diagnostics.note(key.Mark(),
                                   fmt::format("ignored: {} ({})", name, child->ignored));
            } else if (!child->unsupported.empty()) {
                m_diagnostics.add(key.Mark(), fmt::format("not supported by ferry: {} ({})", name,
                                                          child->unsupported));
            } else if (!child->read_only) {
                Json result = value(*child, pair.second, key.Mark());
                if (!result.is_null()) {
                    out[name] = std::move(result);
                }
            }
        }
        for (const Field* child : fields) {
            if (out.contains(child->name)) {
                continue;
            }
            if (!seen.contains(child->name)) {
                if (child->required && !suggested.contains(child->name)) {
                    m_diagnostics.add(mark, fmt::format("missing required key '{}'", child->name));
                } else if (!child->default_value.is_null()) {
                    out[child->name] = child->default_value;
                }
            } else if (child->required && node[child->name].IsNull()) {
                m_diagnostics.add(key_mark(node, child->name),
                                  fmt::format("'{}' needs a value", child->name));
            } else if (!child->default_value.is_null() && node[child->name].IsNull()) {
                out[child->name] = child->default_value;
            }
        }
        return out;
    }

private:
    Json tagged(const Field& field, const YAML::Node& node, const YAML::Mark& mark) {
        if (!node.IsMap()) {
            return wrong(field, node, mark);
        }
        std::vector<std::string> values;
        for (const Field& variant : field.items) {
            values.push_back(variant.name);
        }
        Field type_field = make_enum("type", values, "");
        const YAML::Node type = node["type"];
        std::string chosen = field.default_variant;
        if (type && type.IsScalar()) {
            chosen = type.Scalar();
        }
        const Field* variant = nullptr;
        for (const Field& candidate : field.items) {
            if (candidate.name == chosen) {
                variant = &candidate;
            }
        }
        if (variant != nullptr && !variant->unsupported.empty()) {
            m_diagnostics.add(type.Mark(),
                              fmt::format("not supported by ferry yet: {} type '{}' ({})",
                                          field.name, chosen, variant->unsupported));
            return nullptr;
        }
        if (variant == nullptr && !type) {
            type_field.required = true;
        }
        std::vector<const Field*> extra = {&type_field};
        if (variant != nullptr) {
            for (const Field& child : variant->fields) {
                extra.push_back(&child);
            }
        } else if (!type) {
            // Only the missing type is reported: the keys of every variant are accepted.
            for (const Field& candidate : field.items) {
                for (const Field& child : candidate.fields) {
                    if (std::ranges::none_of(
                            extra, [&](const Field* f) { return f->name == child.name; })) {
                        extra.push_back(&child);
                    }
                }
            }
        } else if (type.IsScalar()) {
            // The type is wrong: report it, and only it, for this map.
            std::ignore = value(type_field, type, type.Mark());
            return nullptr;
        }
        Json out = map(field, extra, node, mark);
        if (out.is_object() && !out.contains("type") && variant != nullptr) {
            out["type"] = variant->name;
        }
        return out;
    }

    Json entries(const Field& field, const YAML::Node& node, const YAML::Mark& mark) {
        if (!node.IsMap()) {
            return wrong(field, node, mark);
        }
        ObjectBuilder out(node.size());
        for (const auto& pair : node) {
            const std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "";
            if (!is_identifier(name)) {
                m_diagnostics.add(pair.first.Mark(),
                                  fmt::format("invalid name '{}' in '{}': use letters, digits "
                                              "and '_', not starting with a digit",
                                              name, field.name));
                continue;
            }
            Field element = field.items.front();
            element.name = name;
            if (!out.set(name, value(element, pair.second, pair.first.Mark()))) {
                m_diagnostics.add(pair.first.Mark(), fmt::format("duplicate key '{}'", name));
            }
        }
        return std::move(out).take();
    }

    Json string_map(const Field& field, const YAML::Node& node, const YAML::Mark& mark) {
        if (!node.IsMap()) {
            return wrong(field, node, mark);
        }
        ObjectBuilder out(node.size());
        for (const auto& pair : node) {
            const std::string name = pair.first.IsScalar() ? pair.first.Scalar() : "";
            if (field.variable_names && !variable_name(field, pair.first, name)) {
                continue;
            }
            Json text = "";
            if (!pair.second.IsNull() && !pair.second.IsScalar()) {
                m_diagnostics.add(pair.second.Mark(), fmt::format("'{}' must be a string, got {}",
                                                                  name, got_text(pair.second)));
                continue;
            }
            if (pair.second.IsScalar()) {
                text = pair.second.Scalar();
            }
            if (text.get_ref<const std::string&>().find('\0') != std::string::npos) {
                m_diagnostics.add(pair.second.Mark(), fmt::format("'{}' holds a NUL byte", name));
                continue;
            }
            if (!out.set(name, std::move(text))) {
                m_diagnostics.add(pair.first.Mark(), fmt::format("duplicate key '{}'", name));
            }
        }
        return std::move(out).take();
    }

    // The name of an environment variable: execve takes "NAME=VALUE" as a C string.
    bool variable_name(const Field& field, const YAML::Node& key, const std::string& name) {
        if (!name.empty() && name.find('=') == std::string::npos && !util::has_control(name)) {
            return true;
        }
        m_diagnostics.add(key.Mark(), fmt::format("invalid variable name '{}' in '{}': it must "
                                                  "not be empty or hold '=' or control characters",
                                                  name, field.name));
        return false;
    }

    Json list(const Field& field, const YAML::Node& node, const YAML::Mark& mark) {
        if (!node.IsSequence()) {
            return wrong(field, node, mark);
        }
        Json out = Json::array();
        for (const auto& item : node) {
            Json result = value(field.items.front(), item, item.Mark());
            out.push_back(std::move(result));
        }
        return out;
    }

    Json scalar(const Field& field, const YAML::Node& node, const YAML::Mark& mark) {
        const std::string& text = node.Scalar();
        switch (field.type) {
            case Type::integer: {
                const auto parsed = util::parse_integer(text);
                if (!parsed) {
                    return wrong(field, node, mark);
                }
                return in_range(field, static_cast<double>(*parsed), text, mark) ? Json(*parsed)
                                                                                 : Json();
            }
            case Type::number: {
                const auto parsed = util::parse_number(text);
                if (!parsed) {
                    return wrong(field, node, mark);
                }
                return in_range(field, *parsed, text, mark) ? Json(*parsed) : Json();
            }
            case Type::boolean: {
                const auto parsed = parse_boolean(text);
                return parsed ? Json(*parsed) : wrong(field, node, mark);
            }
            case Type::enumeration:
                for (const std::string& allowed : field.values) {
                    if (allowed == text) {
                        return text;
                    }
                }
                m_diagnostics.add(
                    mark, fmt::format("'{}' must be one of {}, got '{}'{}", field.name,
                                      join(field.values), text, did_you_mean(text, field.values)));
                return nullptr;
            case Type::size:
                return util::parse_size(text) ? Json(text) : wrong(field, node, mark);
            case Type::reference:
                return reference(field, text, mark);
            case Type::literal:
                return literal_value(node);
            default:
                return string(field, text, mark);
        }
    }

    Json string(const Field& field, const std::string& text, const YAML::Mark& mark) {
        if (field.required && util::trim(text).empty()) {
            m_diagnostics.add(mark, fmt::format("'{}' needs a value", field.name));
            return nullptr;
        }
        if (field.single_line && util::has_control(text)) {
            m_diagnostics.add(mark, fmt::format("'{}' must be one line of printable text, got '{}'",
                                                field.name, text));
            return nullptr;
        }
        if (text.find('\0') != std::string::npos) {
            m_diagnostics.add(mark, fmt::format("'{}' holds a NUL byte", field.name));
            return nullptr;
        }
        return text;
    }

    Json reference(const Field& field, const std::string& text, const YAML::Mark& mark) {
        const auto parsed = parse_reference(text, field.role);
        if (!parsed) {
            m_diagnostics.add(mark, parsed.error().message);
            return nullptr;
        }
        if (!parsed->is_supported()) {
            m_diagnostics.add(mark, fmt::format("not supported by ferry: '{}' ({})", text,
                                                unsupported_reason(parsed->kind)));
            return nullptr;
        }
        return text;
    }

    bool in_range(const Field& field, double number, const std::string& text,
                  const YAML::Mark& mark) {
        if (field.minimum && number < *field.minimum) {
            m_diagnostics.add(mark, fmt::format("'{}' must be at least {}, got {}", field.name,
                                                *field.minimum, text));
            return false;
        }
        return true;
    }

    Json wrong(const Field& field, const YAML::Node& node, const YAML::Mark& mark) {
        m_diagnostics.add(mark, fmt::format("'{}' must be {}, got {}", field.name,
                                            expected_text(field), got_text(node)));
        return nullptr;
    }

    Diagnostics& m_diagnostics;
};

}  // namespace

std::string got_text(const YAML::Node& node) {
    if (node.IsMap()) {
        return "a map";
    }
    if (node.IsSequence()) {
        return "a list";
    }
    if (node.IsScalar()) {
        return fmt::format("'{}'", node.Scalar());
    }
    return "nothing";
}

YAML::Mark key_mark(const YAML::Node& map, std::string_view key) {
    if (map.IsMap()) {
        for (const auto& pair : map) {
            if (pair.first.IsScalar() && pair.first.Scalar() == key) {
                return pair.first.Mark();
            }
        }
    }
    return map.Mark();
}

Json validate(const Field& root, const YAML::Node& document, Diagnostics& diagnostics) {
    Validator validator(diagnostics);
    if (!document.IsMap()) {
        diagnostics.add_at(1, 1,
                           document.IsNull()
                               ? fmt::format("empty file: a {} spec is a map of keys", root.name)
                               : fmt::format("a {} spec must be a map of keys, got {}", root.name,
                                             got_text(document)));
        return nullptr;
    }
    return validator.value(root, document, document.Mark());
}

}  // namespace ferry::spec::detail
