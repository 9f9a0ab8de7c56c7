#include "ferry/output/plot.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>

#include <fmt/format.h>

namespace ferry::output {

namespace {

constexpr std::string_view k_markers = "*+ox#@%&";
constexpr const char* k_colors[] = {"36", "33", "35", "32", "34", "31"};  // ANSI foregrounds
constexpr int k_min_plot_width = 10;

struct Range {
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    void take(double value) {
        low = std::min(low, value);
        high = std::max(high, value);
    }
    // 0 .. steps-1 for a value in range; the middle when the range is one value.
    [[nodiscard]] int place(double value, int steps) const {
        if (high <= low) {
            return (steps - 1) / 2;
        }
        const double at = std::round((value - low) / (high - low) * (steps - 1));
        return std::clamp(static_cast<int>(at), 0, steps - 1);
    }
};

// A braille character (U+2800 to U+28FF) in UTF-8.
std::string braille_of(std::uint8_t dots) {
    const unsigned code = 0x2800U + dots;
    return {static_cast<char>(0xE0U | (code >> 12)),
            static_cast<char>(0x80U | ((code >> 6) & 0x3FU)),
            static_cast<char>(0x80U | (code & 0x3FU))};
}

std::string number(double value) {
    return fmt::format("{:.4g}", value);
}

// The plot area: a grid of cells, each with its dots (braille bits, or one bit for a
// marker) and the series drawn last in it.
class Canvas {
public:
    Canvas(int columns, int rows, bool braille)
        : m_columns(columns),
          m_rows(rows),
          m_braille(braille),
          m_bits(static_cast<std::size_t>(columns * rows), 0),
          m_owner(static_cast<std::size_t>(columns * rows), 0) {}

    [[nodiscard]] int dot_columns() const { return m_columns * (m_braille ? 2 : 1); }
    [[nodiscard]] int dot_rows() const { return m_rows * (m_braille ? 4 : 1); }

    // A line of dots from one point to the next (Bresenham).
    void line(int x0, int y0, int x1, int y1, std::uint8_t series) {
        const int dx = std::abs(x1 - x0);
        const int dy = -std::abs(y1 - y0);
        const int sx = x0 < x1 ? 1 : -1;
        const int sy = y0 < y1 ? 1 : -1;
        for (int error = dx + dy;;) {
            dot(x0, y0, series);
            if (x0 == x1 && y0 == y1) {
                return;
            }
            const int twice = 2 * error;
            if (twice >= dy) {
                error += dy;
                x0 += sx;
            }
            if (twice <= dx) {
                error += dx;
                y0 += sy;
            }
        }
    }

    // Row `row` of cells: braille characters or markers, coloured by series when asked.
    [[nodiscard]] std::string row(int row, bool color) const {
        std::string text;
        int colored = -1;
        for (int column = 0; column < m_columns; ++column) {
            const auto at = static_cast<std::size_t>(row * m_columns + column);
            const int owner = m_bits[at] == 0 ? -1 : m_owner[at];
            if (color && owner != colored) {
                text += owner < 0 ? "\x1b[0m" : fmt::format("\x1b[{}m", k_colors[owner % 6]);
                colored = owner;
            }
            if (m_braille) {
                text += braille_of(m_bits[at]);
            } else {
                text +=
                    owner < 0 ? ' ' : k_markers[static_cast<std::size_t>(owner) % k_markers.size()];
            }
        }
        if (color && colored >= 0) {
            text += "\x1b[0m";
        }
        return text;
    }

private:
    void dot(int x, int y, std::uint8_t series) {
        const int column = m_braille ? x / 2 : x;
        const int row = m_braille ? y / 4 : y;
        const auto at = static_cast<std::size_t>(row * m_columns + column);
        // The braille dots of a cell: 1 4 / 2 5 / 3 6 / 7 8.
        static constexpr std::uint8_t k_dots[4][2] = {
            {0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};
        m_bits[at] |= m_braille ? k_dots[y % 4][x % 2] : std::uint8_t{1};
        m_owner[at] = series;
    }

    int m_columns;
    int m_rows;
    bool m_braille;
    std::vector<std::uint8_t> m_bits;
    std::vector<std::uint8_t> m_owner;
};

}  // namespace

std::string line_chart(std::string_view title, const std::vector<Series>& series,
                       const ChartStyle& style) {
    Range xs;
    Range ys;
    for (const auto& one : series) {
        for (const auto& [x, y] : one.points) {
            if (std::isfinite(x) && std::isfinite(y)) {
                xs.take(x);
                ys.take(y);
            }
        }
    }
    std::string chart = std::string(title) + "\n";
    if (xs.low > xs.high) {
        return chart + "  (no points)\n";
    }
    if (ys.low == ys.high) {
        // One value: a flat line in the middle of a range around it.
        const double pad = std::max(std::abs(ys.low) * 0.1, 1e-9);
        ys.take(ys.low - pad);
        ys.take(ys.high + pad);
    }
    const std::string top = number(ys.high);
    const std::string middle = number((ys.low + ys.high) / 2);
    const std::string bottom = number(ys.low);
    const int label = static_cast<int>(std::max({top.size(), middle.size(), bottom.size()}));
    const int columns = std::max(k_min_plot_width, style.width - label - 2);
    const int rows = std::max(3, style.height);
    // Braille cannot tell series apart without colour: markers then.
    const bool braille = style.unicode && (style.color || series.size() == 1);
    Canvas canvas(columns, rows, braille);
    for (std::size_t s = 0; s < series.size(); ++s) {
        std::optional<std::pair<int, int>> previous;
        for (const auto& [x, y] : series[s].points) {
            if (!std::isfinite(x) || !std::isfinite(y)) {
                continue;
            }
            const std::pair<int, int> here{xs.place(x, canvas.dot_columns()),
                                           canvas.dot_rows() - 1 - ys.place(y, canvas.dot_rows())};
            const auto from = previous.value_or(here);
            canvas.line(from.first, from.second, here.first, here.second,
                        static_cast<std::uint8_t>(s));
            previous = here;
        }
    }
    const std::string tick = style.unicode ? "┤" : "+";
    const std::string bar = style.unicode ? "│" : "|";
    for (int row = 0; row < rows; ++row) {
        const std::string* text = row == 0                ? &top
                                  : row == rows - 1       ? &bottom
                                  : row == (rows - 1) / 2 ? &middle
                                                          : nullptr;
        chart += fmt::format("{:>{}} {}{}\n", text ? *text : "", label, text ? tick : bar,
                             canvas.row(row, style.color));
    }
    std::string axis;
    for (int column = 0; column < columns; ++column) {
        axis += style.unicode ? "─" : "-";
    }
    chart += fmt::format("{:>{}} {}{}\n", "", label, style.unicode ? "└" : "+", axis);
    const std::string low = number(xs.low);
    const std::string high = number(xs.high);
    const int room = columns - static_cast<int>(low.size() + high.size());
    const int name = static_cast<int>(style.x_label.size());
    const int before = std::max(1, (room - name) / 2);
    const int after = std::max(1, room - name - before);
    chart += fmt::format("{:>{}}  {}{:{}}{}{:{}}{}\n", "", label, low, "", before, style.x_label,
                         "", after, high);
    if (series.size() > 1) {
        for (std::size_t s = 0; s < series.size(); ++s) {
            const std::string mark =
                braille ? "⣿" : std::string(1, k_markers[s % k_markers.size()]);
            chart += style.color ? fmt::format("  \x1b[{}m{}\x1b[0m {}\n", k_colors[s % 6], mark,
                                               series[s].name)
                                 : fmt::format("  {} {}\n", mark, series[s].name);
        }
    }
    return chart;
}

bool utf8_locale(const Environment& env) {
    for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
        if (auto value = env.get(name)) {
            std::string lower = *value;
            std::ranges::transform(lower, lower.begin(), [](unsigned char c) {
                return static_cast<char>(std::tolower(c));
            });
            return lower.find("utf-8") != std::string::npos ||
                   lower.find("utf8") != std::string::npos;
        }
    }
    return false;
}

}  // namespace ferry::output
