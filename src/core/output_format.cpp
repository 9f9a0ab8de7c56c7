#include "ferry/core/output_format.hpp"

#include "ferry/util/names.hpp"

namespace ferry {

namespace {

constexpr util::NameTable<OutputFormat, 4> k_formats = {{
    {OutputFormat::table, "table"},
    {OutputFormat::json, "json"},
    {OutputFormat::yaml, "yaml"},
    {OutputFormat::tsv, "tsv"},
}};

}  // namespace

std::optional<OutputFormat> parse_output_format(std::string_view text) {
    return util::parse_in(k_formats, text, util::Case::any);
}

std::string_view to_string(OutputFormat format) {
    return util::name_in(k_formats, format);
}

}  // namespace ferry
