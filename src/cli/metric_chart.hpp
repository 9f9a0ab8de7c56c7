#pragma once

// What `run metrics --plot` and `run compare --plot` share: a chart's style for this
// terminal, and a metric's history as a series.
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/context.hpp"
#include "ferry/output/plot.hpp"
#include "ferry/track/store.hpp"

namespace ferry::cli {

// The terminal's width when stdout is one (else 80), braille in a UTF-8 locale, colour
// where allowed; `x` ("step" or "time") names what the charts draw along.
[[nodiscard]] output::ChartStyle chart_style(const Context& ctx, std::string_view x);

// The points of a history as (step, value), or (seconds since its first point, value).
[[nodiscard]] output::Series metric_series(std::string name,
                                           const std::vector<track::Point>& points,
                                           std::string_view x);

}  // namespace ferry::cli
