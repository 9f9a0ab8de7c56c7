#include "ferry/util/text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace ferry::util {

namespace {

bool all_of(std::string_view text, int (*predicate)(int)) {
    for (const char c : text) {
        if (predicate(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return !text.empty();
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t rows = a.size() + 1;
    const std::size_t cols = b.size() + 1;
    std::vector<std::size_t> d(rows * cols);
    auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
    for (std::size_t i = 0; i < rows; ++i) {
        at(i, 0) = i;
    }
    for (std::size_t j = 0; j < cols; ++j) {
        at(0, j) = j;
    }
    for (std::size_t i = 1; i < rows; ++i) {
        for (std::size_t j = 1; j < cols; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
            }
        }
    }
    return at(rows - 1, cols - 1);
}

std::string did_you_mean(std::string_view word, std::span<const std::string> candidates) {
    const auto guess = closest_match(word, candidates);
    // The word itself (a name that exists, in another version) is no suggestion.
    return guess && *guess != word ? " (did you mean '" + *guess + "'?)" : std::string();
}

std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string> candidates) {
    // Short words tolerate one edit, longer ones up to a third of their length.
    const std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (const auto& candidate : candidates) {
        const std::size_t distance = edit_distance(word, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

std::string with_thousands(std::uint64_t value) {
    std::string digits = std::to_string(value);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out.push_back(',');
        }
        out.push_back(digits[i]);
    }
    return out;
}

std::string human_bytes(std::uint64_t bytes) {
    static constexpr std::array<const char*, 6> k_units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024) {
        return fmt::format("{} B", bytes);
    }
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    // 1023.95 and up would print as "1024.0": show those in the next unit.
    while (value >= 1023.95 && unit + 1 < k_units.size()) {
        value /= 1024.0;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, k_units[unit]);
}

void write_hex(std::span<const unsigned char> bytes, char* out) {
    static constexpr char k_digits[] = "0123456789abcdef";
    for (const unsigned char byte : bytes) {
        *out++ = k_digits[byte >> 4];
        *out++ = k_digits[byte & 15];
    }
}

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::optional<std::size_t> invalid_utf8_offset(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t min = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if ((lead & 0xE0) == 0xC0) {
            length = 2, min = 0x80, code = lead & 0x1Fu;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3, min = 0x800, code = lead & 0x0Fu;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4, min = 0x10000, code = lead & 0x07u;
        } else {
            return i;
        }
        if (i + length > text.size()) {
            return i;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return i;
            }
            code = (code << 6) | (next & 0x3Fu);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return i;
        }
        i += length;
    }
    return std::nullopt;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        const auto at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos) {
            return parts;
        }
        text.remove_prefix(at + 1);
    }
}

std::vector<std::string_view> lines(std::string_view text) {
    if (text.ends_with('\n')) {
        text.remove_suffix(1);
    }
    std::vector<std::string_view> found;
    if (text.empty()) {
        return found;
    }
    for (auto line : split(text, '\n')) {
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        found.push_back(line);
    }
    return found;
}

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

}  // namespace ferry::util
