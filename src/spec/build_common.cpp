#include <string>

#include "build.hpp"
#include "json_object.hpp"

namespace ferry::spec::detail {

std::string text_of(const Json& object, std::string_view key) {
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    return it->is_string() ? it->get<std::string>() : it->dump();
}

std::int64_t integer_of(const Json& object, std::string_view key, std::int64_t fallback) {
    return optional_integer(object, key).value_or(fallback);
}

std::optional<std::int64_t> optional_integer(const Json& object, std::string_view key) {
    if (!object.is_object()) {
        return std::nullopt;
    }
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer()) {
        return std::nullopt;
    }
    return it->get<std::int64_t>();
}

StringMap string_map_of(const Json& object, std::string_view key) {
    StringMap map;
    if (!object.is_object()) {
        return map;
    }
    const auto it = object.find(key);
    if (it == object.end() || !it->is_object()) {
        return map;
    }
    map.reserve(it->size());
    for (const auto& [name, value] : it->items()) {
        map.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
    }
    return map;
}

std::filesystem::path resolve_path(const std::filesystem::path& base_dir, std::string_view text) {
    std::filesystem::path path(text);
    if (const auto parsed = parse_reference(text, ReferenceRole::path);
        parsed && parsed->kind == ReferenceKind::local_path) {
        path = parsed->path;
    }
    if (path.is_relative()) {
        path = base_dir / path;
    }
    return path.lexically_normal();
}

Reference resolve_reference(const std::filesystem::path& base_dir, std::string_view text,
                            ReferenceRole role) {
    auto parsed = parse_reference(text, role);
    if (!parsed) {
        Reference fallback;
        fallback.text = std::string(text);
        return fallback;
    }
    if (parsed->kind == ReferenceKind::local_path) {
        parsed->path = resolve_path(base_dir, text);
    }
    return *parsed;
}

YAML::Node child(const YAML::Node& node, std::string_view key) {
    if (!node.IsMap()) {
        return YAML::Node();
    }
    for (const auto& pair : node) {
        if (pair.first.IsScalar() && pair.first.Scalar() == key) {
            return pair.second;
        }
    }
    return YAML::Node();
}

void json_put(Json& object, std::string_view key, const std::string& text) {
    if (!text.empty()) {
        object[std::string(key)] = text;
    }
}

void json_put(Json& object, std::string_view key, const StringMap& map) {
    if (map.empty()) {
        return;
    }
    ObjectBuilder out(map.size());
    for (const auto& [name, value] : map) {
        std::ignore = out.set(name, value);
    }
    object[std::string(key)] = std::move(out).take();
}

}  // namespace ferry::spec::detail
