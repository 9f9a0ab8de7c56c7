#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::util {

// Damerau-Levenshtein distance (optimal string alignment).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
// The closest candidate within a distance that scales with the word's length, if any.
[[nodiscard]] std::optional<std::string> closest_match(std::string_view word,
                                                       std::span<const std::string> candidates);
// " (did you mean 'NAME'?)" with the closest candidate, or "" when none is close.
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       std::span<const std::string> candidates);
// 1234567 -> "1,234,567"
[[nodiscard]] std::string with_thousands(std::uint64_t value);
// 1536 -> "1.5 KiB"
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);
[[nodiscard]] std::string_view trim(std::string_view text);
// The parts of `text` between each `separator` ("a,,b" -> "a", "", "b"; "" -> one empty part).
[[nodiscard]] std::vector<std::string_view> split(std::string_view text, char separator);
// The lines of `text`, without their '\n' (and '\r'); a last empty line is not one.
[[nodiscard]] std::vector<std::string_view> lines(std::string_view text);
// An integer as YAML 1.2's core schema writes one: an optional sign, then decimal digits,
// 0x and hex digits, or 0o and octal digits.
[[nodiscard]] std::optional<std::int64_t> parse_integer(std::string_view text);
// An integer as above, or a finite [-+][0-9]*(.[0-9]*)?([eE][-+]?[0-9]+)? with a digit.
[[nodiscard]] std::optional<double> parse_number(std::string_view text);
// "2g", "512m", "1024k", "1.5g", "100" (bytes); suffixes k/m/g/t, optional b, any case.
[[nodiscard]] std::optional<std::uint64_t> parse_size(std::string_view text);
// Writes 2 * bytes.size() lowercase hex digits to `out`.
void write_hex(std::span<const unsigned char> bytes, char* out);
// The offset of the first byte that breaks UTF-8 (overlong forms and surrogates included).
[[nodiscard]] std::optional<std::size_t> invalid_utf8_offset(std::string_view text);

}  // namespace ferry::util
