#include "ferry/spec/scalar.hpp"

#include "ferry/util/text.hpp"
#include "json_object.hpp"

namespace ferry::spec {

namespace {

bool is_plain(const YAML::Node& node) {
    return node.Tag() == "?" || node.Tag().empty();
}

}  // namespace

std::optional<bool> parse_boolean(std::string_view text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

nlohmann::ordered_json literal_value(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) {
        return nullptr;
    }
    const std::string& text = node.Scalar();
    if (!is_plain(node)) {
        return text;
    }
    if (text == "~" || text == "null" || text == "Null" || text == "NULL") {
        return nullptr;
    }
    if (const auto boolean = parse_boolean(text)) {
        return *boolean;
    }
    if (const auto integer = util::parse_integer(text)) {
        return *integer;
    }
    if (const auto number = util::parse_number(text)) {
        return *number;
    }
    return text;
}

nlohmann::ordered_json to_json_value(const YAML::Node& node) {
    if (node.IsMap()) {
        detail::ObjectBuilder object(node.size());
        for (const auto& pair : node) {
            std::ignore = object.set(pair.first.Scalar(), to_json_value(pair.second));
        }
        return std::move(object).take();
    }
    if (node.IsSequence()) {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (const auto& item : node) {
            array.push_back(to_json_value(item));
        }
        return array;
    }
    return literal_value(node);
}

}  // namespace ferry::spec
