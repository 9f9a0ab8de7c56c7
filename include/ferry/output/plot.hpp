#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/core/context.hpp"

// Line charts for a terminal: each series drawn as a line through its points, in Unicode
// braille (2 x 4 dots a character) or, where that cannot be shown or told apart, in ASCII
// markers; the y range labelled on the left, the x range below, a legend for several series.
namespace ferry::output {

struct Series {
    std::string name;
    std::vector<std::pair<double, double>> points;  // (x, y), in the order drawn
};

struct ChartStyle {
    int width = 80;       // columns in all, labels included
    int height = 12;      // rows of the plot area
    bool unicode = true;  // braille and box lines; else ASCII
    bool color = false;   // one ANSI colour a series
    std::string x_label = "step";
};

// The chart, lines ending in '\n'; a title line first. Points that are not finite are left out.
[[nodiscard]] std::string line_chart(std::string_view title, const std::vector<Series>& series,
                                     const ChartStyle& style);

// Whether the locale the environment names (LC_ALL, then LC_CTYPE, then LANG) is UTF-8.
[[nodiscard]] bool utf8_locale(const Environment& env);

}  // namespace ferry::output
