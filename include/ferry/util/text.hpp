#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ferry::util {

// Damerau-Levenshtein distance (optimal string alignment).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate within a distance that scales with the word's length, if any.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       std::span<const std::string> candidates);
// 1234567 -> "1,234,567"
[[nodiscard]] std::string with_thousands(std::uint64_t value);
// 1536 -> "1.5 KiB"
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);
[[nodiscard]] std::string_view trim(std::string_view text);
// Writes 2 * bytes.size() lowercase hex digits to `out`.
void write_hex(std::span<const unsigned char> bytes, char* out);
// The offset of the first byte that breaks UTF-8 (overlong forms and surrogates included).
[[nodiscard]] std::optional<std::size_t> invalid_utf8_offset(std::string_view text);

}  // namespace ferry::util
