#include "ferry/spec/overrides.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "ferry/spec/scalar.hpp"
#include "ferry/util/text.hpp"

namespace ferry::spec {

namespace {

std::vector<std::string> split_path(std::string_view key) {
    const auto parts = util::split(key, '.');
    return {parts.begin(), parts.end()};
}

// The keys a map-like field accepts, with every variant's keys for a tagged map.
std::vector<const Field*> keys_of(const Field& field) {
    std::vector<const Field*> keys;
    for (const Field& child : field.fields) {
        keys.push_back(&child);
    }
    if (field.type == Type::tagged) {
        static const Field k_type = make_field("type", Type::string, "");
        keys.push_back(&k_type);
        for (const Field& variant : field.items) {
            for (const Field& child : variant.fields) {
                keys.push_back(&child);
            }
        }
    }
    return keys;
}

bool is_mapping(Type type) {
    return type == Type::map || type == Type::tagged || type == Type::entries ||
           type == Type::string_map || type == Type::free_map;
}

class Setter {
public:
    Setter(std::string origin, Diagnostics& diagnostics)
        : m_origin(std::move(origin)), m_diagnostics(diagnostics) {}

    bool set(YAML::Node node, const Field& field, std::span<const std::string> path,
             const std::string& value, const std::string& walked) {
        const std::string& key = path.front();
        const std::string here = walked.empty() ? key : walked + "." + key;
        if (key.empty()) {
            return error(fmt::format("empty key in '{}'", here));
        }
        const Field* next = step(field, key);
        if (next == nullptr) {
            return false;
        }
        // Azure's keys that ferry ignores are no more worth setting than refused ones.
        if (!next->unsupported.empty() || !next->ignored.empty()) {
            return error(
                fmt::format("not supported by ferry: {} ({})", key,
                            next->unsupported.empty() ? next->ignored : next->unsupported));
        }
        if (path.size() == 1) {
            return assign(node, *next, key, value);
        }
        YAML::Node existing = node[key];
        const Field* inner = next;
        if (next->type == Type::one_of) {
            const bool by_reference = std::ranges::any_of(
                next->items, [](const Field& item) { return item.type == Type::reference; });
            if (existing.IsScalar() && by_reference) {
                return error(fmt::format(
                    "Cannot use '--set' on properties defined by reference strings: {}", here));
            }
            inner = nullptr;
            for (const Field& alternative : next->items) {
                if (is_mapping(alternative.type)) {
                    inner = &alternative;
                    break;
                }
            }
        }
        if (inner == nullptr || !is_mapping(inner->type) || existing.IsScalar() ||
            existing.IsSequence()) {
            return error(fmt::format("'{}' is not a map, so '{}' cannot be set", here, path[1]));
        }
        if (!existing.IsMap()) {
            node[key] = YAML::Node(YAML::NodeType::Map);
        }
        if (inner->type == Type::string_map || inner->type == Type::free_map) {
            if (path.size() != 2) {
                return error(fmt::format("'{}' holds plain values, not maps", here));
            }
            YAML::Node target = node[key];
            if (const YAML::Node replaced = target[path[1]]; replaced.IsDefined()) {
                m_diagnostics.redirect(replaced.Mark(), m_origin);
            }
            target[path[1]] = value;
            target[path[1]].SetTag(inner->type == Type::string_map ? "!" : "?");
            return true;
        }
        return set(node[key], *inner, path.subspan(1), value, here);
    }

private:
    const Field* step(const Field& field, const std::string& key) {
        if (field.type == Type::entries) {
            return &field.items.front();
        }
        const std::vector<const Field*> keys = keys_of(field);
        std::vector<std::string> names;
        for (const Field* candidate : keys) {
            if (candidate->name == key) {
                return candidate;
            }
            if (!candidate->read_only) {
                names.push_back(candidate->name);
            }
        }
        error(fmt::format("unknown key '{}'{}", key, util::did_you_mean(key, names)));
        return nullptr;
    }

    bool assign(YAML::Node node, const Field& field, const std::string& key,
                const std::string& value) {
        if (field.required && util::trim(value).empty()) {
            return error(fmt::format("'{}' needs a value", key));
        }
        const char* tag = "!";
        switch (field.type) {
            case Type::integer:
                if (!util::parse_integer(value)) {
                    return wrong(field, key, value);
                }
                tag = "?";
                break;
            case Type::number:
                if (!util::parse_number(value)) {
                    return wrong(field, key, value);
                }
                tag = "?";
                break;
            case Type::boolean:
                if (!parse_boolean(value)) {
                    return wrong(field, key, value);
                }
                tag = "?";
                break;
            case Type::size:
                if (!util::parse_size(value)) {
                    return wrong(field, key, value);
                }
                break;
            case Type::literal:
            case Type::one_of:
                tag = "?";  // typed as YAML would type it
                break;
            case Type::map:
            case Type::tagged:
            case Type::entries:
            case Type::string_map:
            case Type::free_map:
            case Type::list:
                return wrong(field, key, value);
            default:
                break;
        }
        if (const YAML::Node existing = node[key]; existing.IsDefined()) {
            m_diagnostics.redirect(existing.Mark(), m_origin);
        }
        node[key] = value;
        node[key].SetTag(tag);
        return true;
    }

    bool wrong(const Field& field, const std::string& key, const std::string& value) {
        return error(fmt::format("'{}' must be {}, got '{}'", key, expected_text(field), value));
    }

    bool error(std::string message) {
        m_diagnostics.add_origin(m_origin, std::move(message));
        return false;
    }

    std::string m_origin;
    Diagnostics& m_diagnostics;
};

}  // namespace

bool apply_sets(YAML::Node& root, std::span<const std::string> sets, Kind kind,
                Diagnostics& diagnostics) {
    bool ok = true;
    for (const std::string& set : sets) {
        const std::string origin = "--set " + set;
        const std::size_t equals = set.find('=');
        if (equals == std::string::npos || equals == 0) {
            diagnostics.add_origin(origin, "expected KEY=VALUE, as in limits.timeout=60");
            ok = false;
            continue;
        }
        if (!root.IsMap()) {
            if (!root.IsNull()) {
                diagnostics.add_origin(origin, "the file is not a map of keys");
                ok = false;
                continue;
            }
            root = YAML::Node(YAML::NodeType::Map);
        }
        const std::vector<std::string> path = split_path(std::string_view(set).substr(0, equals));
        Setter setter(origin, diagnostics);
        try {
            ok = setter.set(root, schema_for(kind), path, set.substr(equals + 1), "") && ok;
        } catch (const YAML::Exception& e) {
            diagnostics.add_origin(origin, e.msg);
            ok = false;
        }
    }
    return ok;
}

namespace {

std::string joined(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

// A value shown after a key: its first line, tabs as spaces, at most 40 characters.
std::string shown_value(const std::string& value) {
    std::string shown = value.substr(0, value.find('\n'));
    std::ranges::replace(shown, '\t', ' ');
    if (shown.size() <= 40) {
        return shown;
    }
    std::size_t cut = 37;
    while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) {
        --cut;  // not inside a UTF-8 character
    }
    return shown.substr(0, cut) + "...";
}

void add_key(std::vector<SetKey>& keys, std::string path, const YAML::Node& node,
             const std::string& description) {
    if (node.IsScalar()) {
        keys.push_back({std::move(path), "now: " + shown_value(node.Scalar())});
    } else {
        keys.push_back({std::move(path), description});
    }
}

// What a map holds at `key`; else an empty node (a missing key of a const node is an invalid
// node, which throws when asked anything but IsDefined).
YAML::Node child_of(const YAML::Node& node, const std::string& key) {
    if (!node.IsMap()) {
        return {};
    }
    const YAML::Node found = node[key];
    return found.IsDefined() ? found : YAML::Node();
}

// Every key under `field` (at `path`) that takes one value; `node` is what the document holds
// there, or an undefined node.
void collect_keys(const Field& field, const YAML::Node& node, const std::string& path,
                  std::vector<SetKey>& keys) {
    switch (field.type) {
        case Type::map:
        case Type::tagged:
            for (const Field* child : keys_of(field)) {
                // "$schema" names the file's schema for editors; no --set changes a run by it.
                if (!child->read_only && child->unsupported.empty() && child->ignored.empty() &&
                    !child->name.starts_with('$')) {
                    collect_keys(*child, child_of(node, child->name), joined(path, child->name),
                                 keys);
                }
            }
            break;
        case Type::entries:
        case Type::string_map:
        case Type::free_map:
            if (node.IsMap()) {
                for (const auto& entry : node) {
                    const auto name = joined(path, entry.first.as<std::string>());
                    if (field.type == Type::entries) {
                        collect_keys(field.items.front(), entry.second, name, keys);
                    } else {
                        add_key(keys, name, entry.second, "");
                    }
                }
            }
            break;
        case Type::list:
            break;  // a list is set whole in its file, not by --set
        case Type::one_of:
            // A scalar in the file is set whole; a map, key by key; neither, both ways.
            if (!node.IsMap()) {
                add_key(keys, path, node, field.description);
            }
            for (const Field& alternative : field.items) {
                if (!node.IsScalar() && is_mapping(alternative.type)) {
                    collect_keys(alternative, node, path, keys);
                    break;
                }
            }
            break;
        default:
            add_key(keys, path, node, field.description);
    }
}

}  // namespace

std::vector<SetKey> set_keys(Kind kind, const YAML::Node& document) {
    std::vector<SetKey> keys;
    try {
        collect_keys(schema_for(kind), document, "", keys);
    } catch (const YAML::Exception&) {
        // A key that is no string: what was collected before it still helps.
    }
    // Sorted; of a key seen twice (a tagged map's variants), the first.
    std::ranges::stable_sort(keys, {}, &SetKey::path);
    const auto [first, last] = std::ranges::unique(keys, {}, &SetKey::path);
    keys.erase(first, last);
    std::erase_if(keys, [](const SetKey& key) { return key.path.empty(); });
    return keys;
}

std::string name_set(std::string_view name) {
    return fmt::format("name={}", name);
}

}  // namespace ferry::spec
