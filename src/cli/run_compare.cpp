// `ferry run compare`: runs side by side, their params and the last value of each metric, the
// best one marked; or, with --plot, one chart a metric with a line a run.

#include <algorithm>
#include <set>

#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/track/compare.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/text.hpp"
#include "metric_chart.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;

struct CompareOptions {
    std::vector<std::string> runs;
    std::string experiment;
    std::string parent;
    std::vector<std::string> maximize;
    std::vector<std::string> minimize;
    std::vector<std::string> plot;
};

// A cell of the table; the best value of a metric is shown in colour where colour is allowed.
struct Cell {
    std::string text;
    bool best = false;
};

// The child runs of --parent (a sweep's trials), oldest first.
Result<std::vector<run::RunRecord>> children_of(store::Workspace& workspace,
                                                const std::string& parent) {
    TRY(run::get_run(workspace.db(), parent, workspace.name()));
    TRY_ASSIGN(auto listed, run::list_runs(workspace.db(), {.parent = parent}));
    if (listed.first.empty()) {
        return usage_error("run {} has no child runs to compare", parent);
    }
    std::ranges::reverse(listed.first);
    return std::move(listed.first);
}

// The runs named (each once, in the order given), every run of the experiment, newest first,
// or the children of --parent.
Result<std::vector<run::RunRecord>> chosen_runs(store::Workspace& workspace,
                                                const CompareOptions& options) {
    const int selectors = (options.runs.empty() ? 0 : 1) + (options.experiment.empty() ? 0 : 1) +
                          (options.parent.empty() ? 0 : 1);
    if (selectors > 1) {
        return usage_error(
            "give one of RUN names, --experiment and --parent (see 'ferry run compare --help')");
    }
    if (!options.parent.empty()) {
        return children_of(workspace, options.parent);
    }
    if (options.experiment.empty()) {
        if (options.runs.empty()) {
            return usage_error(
                "name the runs to compare, or give --experiment NAME or --parent RUN");
        }
        std::vector<run::RunRecord> runs;
        std::set<std::string> seen;
        for (const auto& name : options.runs) {
            if (seen.insert(name).second) {
                TRY_ASSIGN(auto record, run::get_run(workspace.db(), name, workspace.name()));
                runs.push_back(std::move(record));
            }
        }
        return runs;
    }
    TRY_ASSIGN(auto listed, run::list_runs(workspace.db(), {.experiment = options.experiment}));
    if (listed.first.empty()) {
        TRY_ASSIGN(const auto experiments, run::experiments(workspace.db()));
        std::vector<std::string> names;
        for (const auto& [name, count] : experiments) {
            names.push_back(name);
        }
        return usage_error("no runs in experiment '{}'{} (see 'ferry run list')",
                           options.experiment, util::did_you_mean(options.experiment, names));
    }
    return std::move(listed.first);
}

// --maximize and --minimize, each key said once.
Result<std::map<std::string, track::Direction>> given_directions(const CompareOptions& options) {
    std::map<std::string, track::Direction> directions;
    for (const auto& key : options.maximize) {
        directions[key] = track::Direction::maximize;
    }
    for (const auto& key : options.minimize) {
        if (directions.contains(key)) {
            return usage_error("--maximize {0} and --minimize {0}: give one of them", key);
        }
        directions[key] = track::Direction::minimize;
    }
    return directions;
}

// Each key an option names must be a metric some run logged: a typo would go unseen.
Result<void> check_keys(const track::Comparison& comparison, std::string_view option,
                        const std::vector<std::string>& keys) {
    std::vector<std::string> logged;
    for (const auto& row : comparison.metrics) {
        logged.push_back(row.key);
    }
    for (const auto& key : keys) {
        if (std::ranges::find(logged, key) == logged.end()) {
            return usage_error("{} {}: none of the runs logged metric '{}'{}", option, key, key,
                               logged.empty() ? std::string(" (they logged none)")
                                              : util::did_you_mean(key, logged));
        }
    }
    return {};
}

// One chart a key, one line a run that logged it, the runs' names in the legend.
Result<void> plot(Context& ctx, store::Database& db, const track::Comparison& comparison,
                  const std::vector<std::string>& keys) {
    const output::ChartStyle style = chart_style(ctx, "step");
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::vector<output::Series> series;
        for (const auto& run : comparison.runs) {
            TRY_ASSIGN(const auto points, track::metric_history(db, run, keys[i]));
            if (!points.empty()) {
                series.push_back(metric_series(run, points, "step"));
            }
        }
        ctx.out << (i == 0 ? "" : "\n")
                << output::line_chart(fmt::format("{} ({} of {} runs)", keys[i], series.size(),
                                                  comparison.runs.size()),
                                      series, style);
    }
    return {};
}

// {run: value} in the runs' order, built at once: a key at a time would search the keys before
// it, a cost that grows with the square of the runs (their names are distinct).
Json by_run(const std::vector<std::string>& runs, std::vector<Json> values) {
    std::vector<std::pair<const std::string, Json>> items;
    items.reserve(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
        items.emplace_back(runs[i], std::move(values[i]));
    }
    return Json::object_t(std::make_move_iterator(items.begin()),
                          std::make_move_iterator(items.end()));
}

Json comparison_json(const track::Comparison& comparison,
                     const std::vector<run::RunRecord>& records) {
    std::vector<Json> statuses;
    for (const auto& record : records) {
        statuses.emplace_back(run::status_name(record.status));
    }
    Json params = Json::object();
    for (const auto& row : comparison.params) {
        std::vector<Json> values;
        for (const auto& value : row.values) {
            values.push_back(value ? Json(*value) : Json(nullptr));
        }
        params[row.key] = {{"values", by_run(comparison.runs, std::move(values))},
                           {"differs", row.differs}};
    }
    Json metrics = Json::object();
    for (const auto& row : comparison.metrics) {
        std::vector<Json> values;
        for (const auto& summary : row.values) {
            values.push_back(summary ? Json{{"last", summary->last.value},
                                            {"step", summary->last.step},
                                            {"min", summary->min},
                                            {"max", summary->max},
                                            {"count", summary->count}}
                                     : Json(nullptr));
        }
        metrics[row.key] = {{"direction", track::direction_name(row.direction)},
                            {"best", row.best ? Json(comparison.runs[*row.best]) : Json(nullptr)},
                            {"values", by_run(comparison.runs, std::move(values))}};
    }
    return {{"runs", comparison.runs},
            {"status", by_run(comparison.runs, std::move(statuses))},
            {"params", std::move(params)},
            {"metrics", std::move(metrics)}};
}

// The rows of the table: a heading, the statuses, the params ("differs" where the runs do
// not agree), then each metric's last values ("max" or "min": which is best; the best with *).
std::vector<std::vector<Cell>> comparison_rows(const track::Comparison& comparison,
                                               const std::vector<run::RunRecord>& records) {
    std::vector<std::vector<Cell>> rows(2);
    rows[0] = {{"KEY"}, {""}};
    rows[1] = {{"status"}, {""}};
    for (std::size_t i = 0; i < records.size(); ++i) {
        rows[0].push_back({comparison.runs[i]});
        rows[1].push_back({std::string(run::status_name(records[i].status))});
    }
    for (const auto& row : comparison.params) {
        auto& cells = rows.emplace_back(
            std::vector<Cell>{{"params." + row.key}, {row.differs ? "differs" : ""}});
        for (const auto& value : row.values) {
            cells.push_back({value.value_or("-")});
        }
    }
    for (const auto& row : comparison.metrics) {
        auto& cells = rows.emplace_back(std::vector<Cell>{
            {"metrics." + row.key}, {std::string(track::direction_name(row.direction))}});
        for (std::size_t i = 0; i < row.values.size(); ++i) {
            const bool best = row.best == i;
            cells.push_back({row.values[i]
                                 ? output::cell_text(row.values[i]->last.value) + (best ? "*" : "")
                                 : "-",
                             best});
        }
    }
    return rows;
}

// Display width of UTF-8 text: one column per code point.
std::size_t width_of(std::string_view text) {
    return static_cast<std::size_t>(std::ranges::count_if(
        text, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The rows aligned in columns two spaces apart; in colour, the heading bold and the best values
// bold green.
std::string render_table(std::vector<std::vector<Cell>> rows, bool color) {
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            row[i].text = util::escape_control(row[i].text);
            widths[i] = std::max(widths[i], width_of(row[i].text));
        }
    }
    std::string text;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::string line;
        for (std::size_t i = 0; i < rows[r].size(); ++i) {
            const Cell& cell = rows[r][i];
            const char* on = !color ? "" : r == 0 ? "\x1b[1m" : cell.best ? "\x1b[1;32m" : "";
            line += *on != '\0' && !cell.text.empty() ? fmt::format("{}{}\x1b[0m", on, cell.text)
                                                      : cell.text;
            if (i + 1 < rows[r].size()) {
                line.append(widths[i] - width_of(cell.text) + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        text += line + "\n";
    }
    return text;
}

Result<void> compare(Context& ctx, const CompareOptions& options) {
    if (!options.plot.empty() && ctx.format != OutputFormat::table) {
        return usage_error("--plot draws charts for a terminal; -o {} gives the values instead",
                           to_string(ctx.format));
    }
    TRY_ASSIGN(auto directions, given_directions(options));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(const auto records, chosen_runs(workspace, options));
    if (!options.parent.empty()) {
        // A sweep's objective says which way its primary metric is better.
        TRY_ASSIGN(const auto parent,
                   run::get_run(workspace.db(), options.parent, workspace.name()));
        const Json objective = parent.spec.value("objective", Json::object());
        const std::string metric = objective.value("primary_metric", "");
        if (parent.is_sweep() && !metric.empty() && !directions.contains(metric)) {
            directions[metric] = objective.value("goal", "") == "minimize"
                                     ? track::Direction::minimize
                                     : track::Direction::maximize;
        }
    }
    std::vector<std::string> names;
    for (const auto& record : records) {
        names.push_back(record.name);
    }
    TRY_ASSIGN(const auto comparison, track::compare_runs(workspace.db(), names, directions));
    TRY(check_keys(comparison, "--maximize", options.maximize));
    TRY(check_keys(comparison, "--minimize", options.minimize));
    TRY(check_keys(comparison, "--plot", options.plot));
    if (!options.plot.empty()) {
        return plot(ctx, workspace.db(), comparison, options.plot);
    }
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        output::print_document(ctx, comparison_json(comparison, records));
        return {};
    }
    auto rows = comparison_rows(comparison, records);
    if (ctx.format == OutputFormat::tsv) {
        std::vector<std::vector<std::string>> texts;
        for (auto& row : rows) {
            auto& texts_row = texts.emplace_back();
            for (auto& cell : row) {
                texts_row.push_back(std::move(cell.text));
            }
        }
        output::print_rows(ctx, std::move(texts));
        return {};
    }
    ctx.out << render_table(std::move(rows), ctx.color && ctx.terminal.stdout_is_tty);
    ctx.out.flush();
    return {};
}

}  // namespace

void add_run_compare_verb(CommandTree& tree, CLI::App* group) {
    tree.add_verb<CompareOptions>(
        group, "compare",
        "Compare runs side by side: params (those that differ marked), each metric's last value "
        "(the best marked *); -o json with min, max and count",
        [](CLI::App& verb, CompareOptions& o) {
            // Each of --maximize, --minimize and --plot takes one KEY (repeat the option).
            verb.add_option("run,-n,--name", o.runs,
                            "The runs to compare (or --experiment, --parent)")
                ->type_name(value::run);
            verb.add_option("--experiment", o.experiment,
                            "Every run of this experiment, newest first, instead of RUN names")
                ->type_name(value::experiment);
            verb.add_option("--parent", o.parent,
                            "The child runs of this run, oldest first: a sweep's trials (its "
                            "primary metric better as its goal says)")
                ->type_name(value::run);
            verb.add_option("--maximize", o.maximize,
                            "A larger METRIC is better (the default, but for the names below)")
                ->type_name(value::metric)
                ->allow_extra_args(false);
            verb.add_option(
                    "--minimize", o.minimize,
                    "A smaller METRIC is better (the default for names with loss, err, mse, "
                    "mae, perplexity, time, latency or duration)")
                ->type_name(value::metric)
                ->allow_extra_args(false);
            verb.add_option("--plot", o.plot,
                            "Draw METRIC against its step, a line a run, instead of the table "
                            "(once a chart)")
                ->type_name(value::metric)
                ->allow_extra_args(false);
        },
        compare);
}

}  // namespace ferry::cli
