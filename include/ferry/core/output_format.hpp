#pragma once

#include <optional>
#include <string_view>

namespace ferry {

enum class OutputFormat { table, json, yaml, tsv };

[[nodiscard]] std::optional<OutputFormat> parse_output_format(std::string_view text);
[[nodiscard]] std::string_view to_string(OutputFormat format);

}  // namespace ferry
