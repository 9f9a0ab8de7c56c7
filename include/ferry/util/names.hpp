#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

// The names of an enum's values, as one table read both ways.
namespace ferry::util {

template <typename Enum, std::size_t N>
using NameTable = std::array<std::pair<Enum, std::string_view>, N>;

// The name of `value`; the table's first name for a value it lacks.
template <typename Enum, std::size_t N>
[[nodiscard]] constexpr std::string_view name_in(const NameTable<Enum, N>& table, Enum value) {
    for (const auto& [known, name] : table) {
        if (known == value) {
            return name;
        }
    }
    return table.front().second;
}

enum class Case { exact, any };

// The value named `text`, if the table has it; with Case::any in any case of ASCII letters
// (for tables whose names differ in more than case).
template <typename Enum, std::size_t N>
[[nodiscard]] constexpr std::optional<Enum> parse_in(const NameTable<Enum, N>& table,
                                                     std::string_view text,
                                                     Case match = Case::exact) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    for (const auto& [value, name] : table) {
        if (name == text || (match == Case::any && name.size() == text.size() &&
                             std::equal(name.begin(), name.end(), text.begin(),
                                        [&](char a, char b) { return lower(a) == lower(b); }))) {
            return value;
        }
    }
    return std::nullopt;
}

}  // namespace ferry::util
