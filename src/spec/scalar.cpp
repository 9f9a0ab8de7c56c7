#include "ferry/spec/scalar.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace ferry::spec {

namespace {

bool is_plain(const YAML::Node& node) {
    return node.Tag() == "?" || node.Tag().empty();
}

bool all_of(std::string_view text, int (*predicate)(int)) {
    for (const char c : text) {
        if (predicate(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return !text.empty();
}

}  // namespace

std::optional<std::int64_t> parse_integer(std::string_view text) {
    int base = 10;
    bool negative = false;
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    if (text.starts_with("0x")) {
        base = 16;
        text.remove_prefix(2);
    } else if (text.starts_with("0o")) {
        base = 8;
        text.remove_prefix(2);
    }
    if (!all_of(text, base == 16 ? isxdigit : isdigit)) {
        return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude, base);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    constexpr auto k_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    if (magnitude > k_max) {
        return std::nullopt;
    }
    const auto value = static_cast<std::int64_t>(magnitude);
    return negative ? -value : value;
}

std::optional<double> parse_number(std::string_view text) {
    if (parse_integer(text)) {
        return static_cast<double>(*parse_integer(text));
    }
    std::string_view body = text;
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
        body.remove_prefix(1);
    }
    // YAML 1.2 core: [0-9]*(.[0-9]*)?([eE][-+]?[0-9]+)? with at least one digit.
    std::size_t i = 0;
    bool digits = false;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i])) != 0) {
        ++i;
        digits = true;
    }
    if (i < body.size() && body[i] == '.') {
        ++i;
        while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i])) != 0) {
            ++i;
            digits = true;
        }
    }
    if (!digits) {
        return std::nullopt;
    }
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
        ++i;
        if (i < body.size() && (body[i] == '-' || body[i] == '+')) {
            ++i;
        }
        if (!all_of(body.substr(i), isdigit)) {
            return std::nullopt;
        }
        i = body.size();
    }
    if (i != body.size()) {
        return std::nullopt;
    }
    const std::string copy(text.front() == '+' ? text.substr(1) : text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (!std::isfinite(value)) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> parse_boolean(std::string_view text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    std::string lower;
    for (const char c : text) {
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string_view body = lower;
    if (body.ends_with("b") && body.size() > 1 &&
        std::isdigit(static_cast<unsigned char>(body[body.size() - 2])) == 0) {
        body.remove_suffix(1);  // "2gb"
    }
    double factor = 1;
    if (!body.empty()) {
        switch (body.back()) {
            case 'k':
                factor = 1024.0;
                break;
            case 'm':
                factor = 1024.0 * 1024;
                break;
            case 'g':
                factor = 1024.0 * 1024 * 1024;
                break;
            case 't':
                factor = 1024.0 * 1024 * 1024 * 1024;
                break;
            default:
                break;
        }
    }
    if (factor != 1) {
        body.remove_suffix(1);
    }
    if (body.empty() || body.front() == '-' || body.front() == '+') {
        return std::nullopt;
    }
    const std::optional<double> number = parse_number(body);
    if (!number || *number < 0 || *number * factor > 9.0e18) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(*number * factor);
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
    if (const auto integer = parse_integer(text)) {
        return *integer;
    }
    if (const auto number = parse_number(text)) {
        return *number;
    }
    return text;
}

nlohmann::ordered_json to_json_value(const YAML::Node& node) {
    if (node.IsMap()) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (const auto& pair : node) {
            object[pair.first.Scalar()] = to_json_value(pair.second);
        }
        return object;
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
