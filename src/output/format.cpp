#include "ferry/output/format.hpp"

namespace ferry {

std::optional<OutputFormat> parse_output_format(std::string_view text) {
    if (text == "table") {
        return OutputFormat::table;
    }
    if (text == "json") {
        return OutputFormat::json;
    }
    if (text == "yaml") {
        return OutputFormat::yaml;
    }
    if (text == "tsv") {
        return OutputFormat::tsv;
    }
    return std::nullopt;
}

std::string_view to_string(OutputFormat format) {
    switch (format) {
        case OutputFormat::table:
            return "table";
        case OutputFormat::json:
            return "json";
        case OutputFormat::yaml:
            return "yaml";
        case OutputFormat::tsv:
            return "tsv";
    }
    return "table";
}

}  // namespace ferry
