#pragma once

#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/context.hpp"
#include "ferry/core/output_format.hpp"

namespace ferry::output {

using Json = nlohmann::ordered_json;

// A table column: the record key it shows and its heading.
// How a table shows a column's values; TSV, JSON and YAML keep them as they are.
enum class Cell {
    text,
    time,   // a format_utc time, shown as `ls -l` does ("Dec 03 14:11")
    bytes,  // a count of bytes, shown as "2.9 MiB"
};

struct Column {
    std::string key;
    std::string header;
    Cell cell = Cell::text;
};

struct TableStyle {
    int width = 0;      // fit rows into this many columns; 0 means never cut
    bool bold = false;  // bold headings (a colour terminal)
};

// Renders an array of records. JSON and YAML keep every key; table and TSV show `columns`.
[[nodiscard]] std::string render_list(OutputFormat format, const Json& records,
                                      std::span<const Column> columns, const TableStyle& style);
// Renders rows of text as a table or TSV (the first row holds the headings, which TSV
// leaves out): for long listings, where building records would cost more than printing.
[[nodiscard]] std::string render_rows(OutputFormat format,
                                      std::vector<std::vector<std::string>> rows,
                                      const TableStyle& style);
// Renders one record: a two-column key/value table, or one JSON/YAML document, or a TSV row.
[[nodiscard]] std::string render_record(OutputFormat format, const Json& record,
                                        const TableStyle& style);
// The text of a value in a table cell or TSV field.
[[nodiscard]] std::string cell_text(const Json& value);

// Writes to ctx.out with the style its terminal allows.
void print_list(const Context& ctx, const Json& records, std::span<const Column> columns);
void print_record(const Context& ctx, const Json& record);
// Table or TSV rows, as render_rows.
void print_rows(const Context& ctx, std::vector<std::vector<std::string>> rows);
// Writes a nested document (a spec, a schema): YAML where a table or TSV was asked for,
// since neither can show nesting.
void print_document(const Context& ctx, const Json& document);

}  // namespace ferry::output
