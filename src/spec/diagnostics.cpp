#include "ferry/spec/diagnostics.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace ferry::spec {

void Diagnostics::add(const YAML::Mark& mark, std::string message) {
    if (mark.is_null() || mark.line < 0 || mark.column < 0) {
        m_items.push_back(Diagnostic{0, 0, {}, std::move(message)});
        return;
    }
    add_at(mark.line + 1, mark.column + 1, std::move(message));
}

void Diagnostics::add_at(int line, int column, std::string message) {
    m_items.push_back(Diagnostic{line, column, {}, std::move(message)});
}

void Diagnostics::add_origin(std::string origin, std::string message) {
    m_items.push_back(Diagnostic{0, 0, std::move(origin), std::move(message)});
}

namespace {

// The 1-based line of the text, without its newline; empty past the end.
std::string_view line_of(std::string_view text, int line) {
    std::size_t start = 0;
    for (int i = 1; i < line; ++i) {
        const std::size_t newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            return {};
        }
        start = newline + 1;
    }
    std::string_view rest = text.substr(start);
    rest = rest.substr(0, rest.find('\n'));
    if (!rest.empty() && rest.back() == '\r') {
        rest.remove_suffix(1);
    }
    return rest;
}

}  // namespace

std::string render(const Diagnostics& diagnostics, std::string_view source_text) {
    std::vector<const Diagnostic*> sorted;
    sorted.reserve(diagnostics.size());
    for (const Diagnostic& item : diagnostics.items()) {
        sorted.push_back(&item);
    }
    // Positioned ones first in file order, then those without a position in insertion order.
    std::ranges::stable_sort(sorted, [](const Diagnostic* a, const Diagnostic* b) {
        const bool a_none = a->line == 0;
        const bool b_none = b->line == 0;
        return std::tuple(a_none, a->line, a->column) < std::tuple(b_none, b->line, b->column);
    });
    std::string out;
    for (const Diagnostic* item : sorted) {
        if (item->line == 0) {
            const std::string& where = item->origin.empty() ? diagnostics.file() : item->origin;
            out += fmt::format("{}: {}\n", where, item->message);
            continue;
        }
        out += fmt::format("{}:{}:{}: {}\n", diagnostics.file(), item->line, item->column,
                           item->message);
        const std::string_view line = line_of(source_text, item->line);
        // Tabs stay tabs under the caret, so it lines up in a terminal.
        std::string pad;
        for (int i = 0; i + 1 < item->column; ++i) {
            const auto index = static_cast<std::size_t>(i);
            pad += (index < line.size() && line[index] == '\t') ? '\t' : ' ';
        }
        out += fmt::format("  {}\n  {}^\n", line, pad);
    }
    return out;
}

Error to_error(const Diagnostics& diagnostics, std::string_view source_text) {
    std::string message = render(diagnostics, source_text);
    if (!message.empty() && message.back() == '\n') {
        message.pop_back();
    }
    return Error{ExitCode::usage, std::move(message)};
}

}  // namespace ferry::spec
