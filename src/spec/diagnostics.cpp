#include "ferry/spec/diagnostics.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "ferry/util/escape.hpp"

namespace ferry::spec {

void Diagnostics::note(const YAML::Mark& mark, std::string message) {
    const bool placed = !mark.is_null() && mark.line >= 0 && mark.column >= 0;
    m_notes.push_back(Diagnostic{
        placed ? mark.line + 1 : 0, placed ? mark.column + 1 : 0, {}, std::move(message)});
}

void Diagnostics::add(const YAML::Mark& mark, std::string message) {
    for (const auto& [pos, origin] : m_redirects) {
        if (!mark.is_null() && mark.pos == pos) {
            add_origin(origin, std::move(message));
            return;
        }
    }
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

void Diagnostics::redirect(const YAML::Mark& mark, std::string origin) {
    if (!mark.is_null() && mark.pos >= 0) {
        m_redirects.emplace_back(mark.pos, std::move(origin));
    }
}

namespace {

// The lines of a text, found once: a file with many diagnostics is not scanned for each.
class Lines {
public:
    explicit Lines(std::string_view text) : m_text(text) {
        m_starts.push_back(0);
        for (std::size_t at = text.find('\n'); at != std::string_view::npos;
             at = text.find('\n', at + 1)) {
            m_starts.push_back(at + 1);
        }
    }

    // The 1-based line, without its newline; empty past the end.
    [[nodiscard]] std::string_view line(int number) const {
        const auto index = static_cast<std::size_t>(number - 1);
        if (number < 1 || index >= m_starts.size()) {
            return {};
        }
        std::string_view rest = m_text.substr(m_starts[index]);
        rest = rest.substr(0, rest.find('\n'));
        if (!rest.empty() && rest.back() == '\r') {
            rest.remove_suffix(1);
        }
        return rest;
    }

private:
    std::string_view m_text;
    std::vector<std::size_t> m_starts;
};

// The source line with its control characters escaped, and a caret under `column`: tabs stay
// tabs under the caret, so it lines up in a terminal.
std::string quoted_line(std::string_view line, int column) {
    const auto before = static_cast<std::size_t>(std::max(column - 1, 0));
    const std::string shown_before =
        util::escape_control(line.substr(0, std::min(before, line.size())), util::Keep::tabs);
    std::string pad;
    for (const char c : shown_before) {
        pad += c == '\t' ? '\t' : ' ';
    }
    pad.append(before - std::min(before, line.size()), ' ');
    return fmt::format("  {}\n  {}^\n", util::escape_control(line, util::Keep::tabs), pad);
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
    const Lines lines(source_text);
    const std::string file = util::escape_control(diagnostics.file());
    std::string out;
    for (const Diagnostic* item : sorted) {
        // Names and values of the file are quoted in messages: never their control characters.
        const std::string message = util::escape_control(item->message);
        if (item->line == 0) {
            const std::string where =
                item->origin.empty() ? file : util::escape_control(item->origin);
            out += fmt::format("{}: {}\n", where, message);
            continue;
        }
        out += fmt::format("{}:{}:{}: {}\n", file, item->line, item->column, message);
        out += quoted_line(lines.line(item->line), item->column);
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

std::string place_of(std::string_view file, const Diagnostic& note) {
    return note.line > 0 ? fmt::format("{}:{}:{}: ", file, note.line, note.column)
                         : fmt::format("{}: ", file);
}

Diagnostics strict_errors(std::string file, const std::vector<Diagnostic>& ignored) {
    constexpr std::string_view k_prefix = "ignored: ";
    Diagnostics refused{std::move(file)};
    for (const auto& note : ignored) {
        std::string_view what = note.message;
        if (what.starts_with(k_prefix)) {
            what.remove_prefix(k_prefix.size());
        }
        refused.add_at(note.line, note.column,
                       fmt::format("not supported by ferry: {}; without --strict it is ignored "
                                   "with a note",
                                   what));
    }
    return refused;
}

}  // namespace ferry::spec
