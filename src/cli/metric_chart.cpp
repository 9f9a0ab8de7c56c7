#include "metric_chart.hpp"

namespace ferry::cli {

namespace {

constexpr int k_chart_height = 12;

}  // namespace

output::ChartStyle chart_style(const Context& ctx, std::string_view x) {
    output::ChartStyle style;
    style.width = ctx.terminal.stdout_is_tty ? ctx.terminal.width : 80;
    style.height = k_chart_height;
    style.unicode = output::utf8_locale(ctx.env);
    style.color = ctx.color && ctx.terminal.stdout_is_tty;
    style.x_label = x == "time" ? "seconds" : "step";
    return style;
}

output::Series metric_series(std::string name, const std::vector<track::Point>& points,
                             std::string_view x) {
    output::Series series{std::move(name), {}};
    const std::int64_t first = points.empty() ? 0 : points.front().timestamp_ms;
    for (const auto& point : points) {
        const double at = x == "time" ? static_cast<double>(point.timestamp_ms - first) / 1000.0
                                      : static_cast<double>(point.step);
        series.points.emplace_back(at, point.value);
    }
    return series;
}

}  // namespace ferry::cli
