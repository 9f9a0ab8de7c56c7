// `ferry run log-metric|log-param|tag|metrics`: what a job logs from its shell, and what a
// run tracked, as a table, its histories or charts.

#include <charconv>
#include <cmath>

#include "ferry/cli/command_tree.hpp"
#include "ferry/output/plot.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/query.hpp"
#include "ferry/track/client.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/text.hpp"
#include "metric_chart.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;

struct LogOptions {
    std::string key;
    std::string value;
    std::int64_t step = 0;
};

struct TagOptions {
    std::vector<std::string> words;  // [RUN] KEY=VALUE...
};

struct MetricsOptions {
    std::string run;
    std::vector<std::string> keys;
    bool plot = false;
    std::string x = "step";
};

// The run the command is called from, by its job's environment.
Result<track::Endpoint> job_endpoint(const Context& ctx, std::string_view verb) {
    auto endpoint = track::endpoint_of(ctx.env);
    if (!endpoint) {
        return usage_error(
            "run {} logs into the run whose job calls it, and MLFLOW_TRACKING_URI and "
            "MLFLOW_RUN_ID are not set here: call it from a job's command",
            verb);
    }
    return std::move(*endpoint);
}

// A metric's value: a finite number, as the job printed it.
Result<double> metric_value(std::string_view text) {
    double value = 0;
    const auto* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || at != end || !std::isfinite(value)) {
        return usage_error("VALUE '{}': a metric's value is a finite number, such as 0.93 or 1e-4",
                           text);
    }
    return value;
}

Result<void> log_metric(Context& ctx, const LogOptions& options) {
    TRY_ASSIGN(const auto endpoint, job_endpoint(ctx, "log-metric"));
    TRY_ASSIGN(const double value, metric_value(options.value));
    return track::send(endpoint, {.metrics = {{options.key, value, stamp(ctx).ms, options.step}}});
}

Result<void> log_param(Context& ctx, const LogOptions& options) {
    TRY_ASSIGN(const auto endpoint, job_endpoint(ctx, "log-param"));
    return track::send(endpoint, {.params = {{options.key, options.value}}});
}

// A refusal of the store: an unknown run is the user's word (2), an ended run's state (1).
Result<void> refusal_error(const std::optional<track::Refused>& refused) {
    if (!refused) {
        return {};
    }
    if (refused->refusal == track::Refusal::invalid_state) {
        return fail("{}", refused->message);
    }
    return usage_error("{}", refused->message);
}

Result<void> tag(Context& ctx, const TagOptions& options) {
    std::string run;
    std::vector<std::pair<std::string, std::string>> tags;
    for (std::size_t i = 0; i < options.words.size(); ++i) {
        const std::string& word = options.words[i];
        const auto equals = word.find('=');
        if (i == 0 && equals == std::string::npos) {
            run = word;
            continue;
        }
        if (equals == std::string::npos || equals == 0) {
            return usage_error("'{}': give each tag as KEY=VALUE", word);
        }
        tags.emplace_back(word.substr(0, equals), word.substr(equals + 1));
    }
    if (tags.empty()) {
        return usage_error("give the tags to set as KEY=VALUE, e.g. 'ferry run tag {} best=yes'",
                           run.empty() ? "RUN" : run);
    }
    if (run.empty()) {
        TRY_ASSIGN(const auto endpoint, job_endpoint(ctx, "tag without a RUN"));
        TRY(track::send(endpoint, {.tags = tags}));
        run = endpoint.run;
    } else {
        TRY_ASSIGN(auto workspace, open_workspace(ctx));
        TRY(run::get_run(workspace.db(), run, workspace.name()));
        TRY_ASSIGN(const auto refused, track::set_tags(workspace.db(), run, tags));
        TRY(refusal_error(refused));
    }
    ctx.err << fmt::format("ferry: tagged run {}:", run);
    for (const auto& [key, value] : tags) {
        ctx.err << fmt::format(" {}={}", key, value);
    }
    ctx.err << '\n';
    return {};
}

// The keys asked for, each one the run logged; all of them when none was asked for.
Result<std::vector<std::string>> chosen_keys(const track::RunData& data, const std::string& run,
                                             const std::vector<std::string>& asked) {
    std::vector<std::string> logged;
    for (const auto& [key, summary] : data.metrics) {
        logged.push_back(key);
    }
    for (const auto& key : asked) {
        if (!data.metrics.contains(key)) {
            return usage_error("run {} logged no metric '{}'{}", run, key,
                               logged.empty() ? std::string(" (it logged none)")
                                              : util::did_you_mean(key, logged));
        }
    }
    return asked.empty() ? logged : asked;
}

Result<void> plot(Context& ctx, store::Database& db, const std::string& run,
                  const std::vector<std::string>& keys, const std::string& x) {
    const output::ChartStyle style = chart_style(ctx, x);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        TRY_ASSIGN(const auto points, track::metric_history(db, run, keys[i]));
        ctx.out << (i == 0 ? "" : "\n")
                << output::line_chart(
                       fmt::format("{} ({}, {} points)", keys[i], run, points.size()),
                       {metric_series(run, points, x)}, style);
    }
    return {};
}

Result<void> metrics(Context& ctx, const MetricsOptions& options) {
    if (options.x != "step" && options.x != "time") {
        return usage_error("--x '{}': give step or time", options.x);
    }
    if (options.plot && ctx.format != OutputFormat::table) {
        return usage_error("--plot draws charts for a terminal; -o {} gives the histories instead",
                           to_string(ctx.format));
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(const auto run, run::get_run(workspace.db(), options.run, workspace.name()));
    TRY_ASSIGN(const auto data, track::run_data(workspace.db(), run.name));
    TRY_ASSIGN(const auto keys, chosen_keys(data, run.name, options.keys));
    if (keys.empty()) {
        ctx.warn(fmt::format("run {} ({}) has logged no metrics", run.name,
                             run::status_name(run.status)));
    }
    if (options.plot) {
        return plot(ctx, workspace.db(), run.name, keys, options.x);
    }
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        TRY_ASSIGN(auto document, run::metrics_record(workspace.db(), run, data, keys));
        output::print_document(ctx, document);
        return {};
    }
    Json records = Json::array();
    for (const auto& key : keys) {
        const auto& summary = data.metrics.at(key);
        records.push_back({{"key", key},
                           {"last", summary.last.value},
                           {"step", summary.last.step},
                           {"min", summary.min},
                           {"max", summary.max},
                           {"count", summary.count}});
    }
    static const output::Column k_columns[] = {{"key", "METRIC"}, {"last", "LAST"},
                                               {"step", "STEP"},  {"min", "MIN"},
                                               {"max", "MAX"},    {"count", "POINTS"}};
    output::print_list(ctx, records, k_columns);
    return {};
}

void add_log_verb(CommandTree& tree, CLI::App* group, const std::string& name,
                  const std::string& description,
                  std::function<Result<void>(Context&, const LogOptions&)> action) {
    const bool metric = name == "log-metric";
    tree.add_verb<LogOptions>(
        group, name, description,
        [metric](CLI::App& verb, LogOptions& o) {
            verb.add_option("key", o.key, metric ? "The metric's name" : "The param's name")
                ->required()
                ->type_name("KEY");
            verb.add_option("value", o.value,
                            metric ? "Its value now: a number" : "Its value (set once)")
                ->required()
                ->type_name("VALUE");
            if (metric) {
                verb.add_option("--step", o.step, "The step it was measured at (default 0)")
                    ->type_name("N");
            }
        },
        std::move(action));
}

}  // namespace

void add_run_tracking_verbs(CommandTree& tree, CLI::App* group) {
    add_log_verb(tree, group, "log-metric",
                 "From a job: log a metric's value (at a step) into the job's run", log_metric);
    add_log_verb(tree, group, "log-param", "From a job: log a param of the job's run", log_param);
    tree.add_verb<TagOptions>(
        group, "tag", "Tag a run: KEY=VALUE (from a job, the job's run when no RUN is given)",
        [](CLI::App& verb, TagOptions& o) {
            verb.add_option("words", o.words, "[RUN] KEY=VALUE...")
                ->required()
                ->type_name(value::run);
        },
        tag);
    tree.add_verb<MetricsOptions>(
        group, "metrics", "Show a run's metrics: last, min, max; -o json the histories",
        [](CLI::App& verb, MetricsOptions& o) {
            verb.add_option("run,-n,--name", o.run, "The run's name")
                ->required()
                ->type_name(value::run);
            verb.add_option("key", o.keys, "Only these metrics")->type_name(value::metric);
            verb.add_flag("--plot", o.plot,
                          "Draw each metric against its step in the terminal (braille, or ASCII "
                          "outside a UTF-8 locale)");
            verb.add_option("--x", o.x, "What --plot draws along: step (default) or time")
                ->type_name("step|time");
        },
        metrics);
    add_run_compare_verb(tree, group);
    add_run_tensorboard_verb(tree, group);
}

}  // namespace ferry::cli
