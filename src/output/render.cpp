#include "ferry/output/render.hpp"

#include <algorithm>
#include <chrono>
#include <ostream>
#include <vector>

#include "ferry/util/escape.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/time.hpp"
#include "yaml_emit.hpp"

namespace ferry::output {

namespace {

// Display width of UTF-8 text: one column per code point.
std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(std::ranges::count_if(
        text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Cuts text to `width` columns, marking the cut with an ellipsis.
std::string fit(const std::string& text, std::size_t width) {
    if (display_width(text) <= width) {
        return text;
    }
    std::string out;
    std::size_t columns = 0;
    for (std::size_t i = 0; i < text.size() && columns + 1 < width; ++i) {
        out.push_back(text[i]);
        // Copy continuation bytes with their lead byte.
        while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
            out.push_back(text[++i]);
        }
        ++columns;
    }
    return out + "\u2026";
}

// A TSV field: backslashes doubled, then tabs, newlines and other control characters escaped.
std::string escape_tsv(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return util::escape_control(out);
}

std::string render_table(std::vector<std::vector<std::string>> rows, const TableStyle& style,
                         bool has_header) {
    if (rows.empty()) {
        return {};
    }
    // Control characters in a name would move the cursor or recolour the terminal.
    for (auto& row : rows) {
        for (auto& cell : row) {
            if (util::has_control(cell)) {
                cell = util::escape_control(cell);
            }
        }
    }
    const std::size_t count = rows.front().size();
    std::vector<std::size_t> widths(count, 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < count; ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    constexpr std::size_t k_gap = 2;
    if (style.width > 0 && count > 0) {
        const auto limit = static_cast<std::size_t>(style.width);
        auto total = [&] {
            std::size_t sum = k_gap * (count - 1);
            for (auto w : widths) {
                sum += w;
            }
            return sum;
        };
        // Narrow the widest column, one step at a time, down to a readable minimum.
        while (total() > limit) {
            auto widest = std::ranges::max_element(widths);
            if (*widest <= 8) {
                break;
            }
            --*widest;
        }
    }
    std::string out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        for (std::size_t i = 0; i < count; ++i) {
            std::string cell = fit(rows[r][i], widths[i]);
            const bool last = i + 1 == count;
            const std::size_t pad = last ? 0 : widths[i] - display_width(cell) + k_gap;
            if (r == 0 && has_header && style.bold) {
                cell = "\x1b[1m" + cell + "\x1b[0m";
            }
            line += cell;
            line.append(pad, ' ');
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + "\n";
    }
    return out;
}

void flatten(const Json& value, const std::string& prefix,
             std::vector<std::vector<std::string>>& rows) {
    if (value.is_object() && !value.empty()) {
        for (const auto& [key, item] : value.items()) {
            flatten(item, prefix.empty() ? key : prefix + "." + key, rows);
        }
        return;
    }
    rows.push_back({prefix, cell_text(value)});
}

// A value as a table or TSV row shows it.
std::string table_cell(OutputFormat format, Cell cell, const Json& value) {
    if (format == OutputFormat::table && cell == Cell::time && value.is_string()) {
        return util::compact_time(value.get_ref<const std::string&>(),
                                  std::chrono::system_clock::now());
    }
    if (format == OutputFormat::table && cell == Cell::bytes && value.is_number_integer() &&
        value.get<std::int64_t>() >= 0) {
        return util::human_bytes(static_cast<std::uint64_t>(value.get<std::int64_t>()));
    }
    return cell_text(value);
}

}  // namespace

std::string cell_text(const Json& value) {
    if (value.is_null() || (value.is_structured() && value.empty())) {
        return "";
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_object() && !value.empty() &&
        std::ranges::all_of(value, [](const Json& v) { return v.is_primitive(); })) {
        std::string pairs;  // tags: "team=vision,lr=0.1"
        for (const auto& [key, item] : value.items()) {
            pairs += fmt::format("{}{}={}", pairs.empty() ? "" : ",", key, cell_text(item));
        }
        return pairs;
    }
    if (value.is_array() &&
        std::ranges::all_of(value, [](const Json& v) { return v.is_string(); })) {
        std::string joined;
        for (const auto& item : value) {
            if (!joined.empty()) {
                joined += ',';
            }
            joined += item.get_ref<const std::string&>();
        }
        return joined;
    }
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string render_list(OutputFormat format, const Json& records, std::span<const Column> columns,
                        const TableStyle& style) {
    switch (format) {
        case OutputFormat::json:
            return records.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
        case OutputFormat::yaml:
            return to_yaml(records);
        case OutputFormat::tsv:
        case OutputFormat::table: {
            std::vector<std::vector<std::string>> rows;
            std::vector<std::string> header;
            for (const auto& column : columns) {
                header.push_back(column.header);
            }
            rows.push_back(std::move(header));
            for (const auto& record : records) {
                std::vector<std::string> row;
                for (const auto& column : columns) {
                    row.push_back(record.contains(column.key)
                                      ? table_cell(format, column.cell, record[column.key])
                                      : "");
                }
                rows.push_back(std::move(row));
            }
            return render_rows(format, std::move(rows), style);
        }
    }
    return {};
}

std::string render_rows(OutputFormat format, std::vector<std::vector<std::string>> rows,
                        const TableStyle& style) {
    if (format == OutputFormat::table) {
        return render_table(std::move(rows), style, true);
    }
    std::string out;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        for (std::size_t i = 0; i < rows[r].size(); ++i) {
            out += i == 0 ? "" : "\t";
            out += escape_tsv(rows[r][i]);
        }
        out += '\n';
    }
    return out;
}

std::string render_record(OutputFormat format, const Json& record, const TableStyle& style) {
    switch (format) {
        case OutputFormat::json:
            return record.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
        case OutputFormat::yaml:
            return to_yaml(record);
        case OutputFormat::tsv: {
            std::string line;
            for (const auto& [key, value] : record.items()) {
                if (!line.empty()) {
                    line += '\t';
                }
                line += escape_tsv(cell_text(value));
            }
            return line + "\n";
        }
        case OutputFormat::table: {
            std::vector<std::vector<std::string>> rows;
            flatten(record, "", rows);
            return render_table(std::move(rows), style, false);
        }
    }
    return {};
}

namespace {

TableStyle style_for(const Context& ctx) {
    TableStyle style;
    if (ctx.terminal.stdout_is_tty) {
        style.width = ctx.terminal.width;
        style.bold = ctx.color;
    }
    return style;
}

}  // namespace

void print_list(const Context& ctx, const Json& records, std::span<const Column> columns) {
    ctx.out << render_list(ctx.format, records, columns, style_for(ctx));
    ctx.out.flush();
}

void print_rows(const Context& ctx, std::vector<std::vector<std::string>> rows) {
    ctx.out << render_rows(ctx.format, std::move(rows), style_for(ctx));
    ctx.out.flush();
}

void print_record(const Context& ctx, const Json& record) {
    ctx.out << render_record(ctx.format, record, style_for(ctx));
    ctx.out.flush();
}

void print_document(const Context& ctx, const Json& document) {
    const bool flat = ctx.format == OutputFormat::table || ctx.format == OutputFormat::tsv;
    ctx.out << render_record(flat ? OutputFormat::yaml : ctx.format, document, style_for(ctx));
    ctx.out.flush();
}

}  // namespace ferry::output
