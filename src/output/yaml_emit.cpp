#include "yaml_emit.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

#include <yaml-cpp/yaml.h>

namespace ferry::output {

namespace {

// True when a plain scalar with this text would not read back as this string.
bool needs_quotes(const std::string& text) {
    if (text.empty()) {
        return true;
    }
    std::string lower(text);
    std::ranges::transform(lower, lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::array<std::string_view, 12> k_words = {
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".nan", ".inf"};
    if (std::ranges::find(k_words, lower) != k_words.end()) {
        return true;
    }
    static const std::regex k_number(
        R"([-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.inf|0x[0-9a-fA-F]+|0o[0-7]+)");
    return std::regex_match(text, k_number);
}

void emit_string(YAML::Emitter& out, const std::string& text) {
    if (needs_quotes(text)) {
        out << YAML::DoubleQuoted << text;
    } else {
        out << text;
    }
}

void emit(YAML::Emitter& out, const nlohmann::ordered_json& value) {
    switch (value.type()) {
        case nlohmann::ordered_json::value_t::object:
            out << YAML::BeginMap;
            for (const auto& [key, item] : value.items()) {
                // Keys are strings too: "yes" or "1.0" must not read back as a bool or number.
                out << YAML::Key;
                emit_string(out, key);
                out << YAML::Value;
                emit(out, item);
            }
            out << YAML::EndMap;
            break;
        case nlohmann::ordered_json::value_t::array:
            out << YAML::BeginSeq;
            for (const auto& item : value) {
                emit(out, item);
            }
            out << YAML::EndSeq;
            break;
        case nlohmann::ordered_json::value_t::string:
            emit_string(out, value.get_ref<const std::string&>());
            break;
        case nlohmann::ordered_json::value_t::boolean:
            out << (value.get<bool>() ? "true" : "false");
            break;
        case nlohmann::ordered_json::value_t::null:
        case nlohmann::ordered_json::value_t::discarded:
            out << YAML::Null;
            break;
        default:
            out << value.dump();
            break;
    }
}

}  // namespace

std::string to_yaml(const nlohmann::ordered_json& value) {
    YAML::Emitter out;
    out.SetIndent(2);
    emit(out, value);
    std::string text = out.c_str();
    if (value.is_array() && value.empty()) {
        text = "[]";
    } else if (value.is_object() && value.empty()) {
        text = "{}";
    }
    return text + "\n";
}

}  // namespace ferry::output
