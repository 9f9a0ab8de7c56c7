// `ferry run list|show|stream|wait|cancel|delete`.

#include <chrono>
#include <thread>

#include "ferry/assets/model.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/maintain/delete_runs.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/download.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/pipeline.hpp"
#include "ferry/run/query.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/util/text.hpp"
#include "run_support.hpp"
#include "ui_support.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

using ListOptions = run::ListQuery;

struct RunOptions {
    std::string name;
    bool folder_logs = false;
    bool metrics = false;
    bool trials = false;
    std::int64_t tail = -1;
    std::int64_t grace = 10;
    std::int64_t timeout = run::k_default_cancel_timeout_seconds;
    std::string rank;
    bool web = false;  // show: the run's page in `ferry ui`
    bool open = false;
};

struct DeleteOptions {
    std::vector<std::string> names;
    std::int64_t older_than = -1;  // days; -1: any age
    std::string status;
};

Result<void> list(Context& ctx, const ListOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(const auto listed, run::list_records(workspace, options, stamp(ctx).ms));
    std::vector<output::Column> columns = {{"name", "NAME"},
                                           {"status", "STATUS"},
                                           {"experiment", "EXPERIMENT"},
                                           {"compute", "COMPUTE"},
                                           {"created_at", "CREATED", output::Cell::time},
                                           {"duration_text", "DURATION"},
                                           {"tags", "TAGS"}};
    for (const auto& column : listed.columns) {
        columns.push_back({column.text(), column.text()});
    }
    output::print_list(ctx, listed.records, columns);
    const auto shown = static_cast<std::int64_t>(listed.records.size());
    // Said when the default limit hid runs; a limit the user chose is no surprise.
    if (!options.max_results && shown < listed.total) {
        ctx.warn(fmt::format("showing the {} {} of {} runs; --all shows every one",
                             listed.ordered ? "first" : "newest", shown, listed.total));
    }
    return {};
}

Result<run::RunRecord> named_or_newest(store::Workspace& workspace, const std::string& name) {
    if (!name.empty()) {
        return run::get_run(workspace.db(), name, workspace.name());
    }
    TRY_ASSIGN(auto newest, run::newest_run(workspace.db()));
    if (!newest) {
        return fail("workspace '{}' has no runs yet (submit one with 'ferry run submit')",
                    workspace.name());
    }
    return std::move(*newest);
}

// A sweep's trials as a table, best first: name, status, each parameter, the primary metric.
void print_trials(Context& ctx, const Json& sweep) {
    const std::string metric = sweep["objective"].value("primary_metric", std::string());
    std::vector<std::vector<std::string>> rows{{"TRIAL", "STATUS"}};
    const Json& trials = sweep["trials"];
    if (!trials.empty()) {
        for (const auto& [key, value] : trials.front()["values"].items()) {
            rows.front().push_back(key);
        }
    }
    rows.front().push_back(metric);
    for (const Json& trial : trials) {
        std::vector<std::string> row{trial["name"].get<std::string>(),
                                     trial["status"].get<std::string>()};
        for (const auto& [key, value] : trial["values"].items()) {
            row.push_back(output::cell_text(value));
        }
        row.push_back(output::cell_text(trial["metric"]));
        rows.push_back(std::move(row));
    }
    ctx.out << "\ntrials (best first):\n";
    output::print_rows(ctx, std::move(rows));
}

Result<void> show(Context& ctx, const RunOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto run, run::get_run(workspace.db(), options.name, workspace.name()));
    if (options.web || options.open) {
        TRY_ASSIGN(const auto url, run_page_url(workspace, run.name));
        if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
            output::print_record(ctx, {{"name", run.name}, {"url", url}});
        } else {
            ctx.out << url << '\n' << std::flush;
        }
        if (options.open) {
            open_in_browser(ctx, url);
        }
        return {};
    }
    TRY_ASSIGN(const auto details, run::show_record(workspace, run, stamp(ctx).ms));
    output::print_document(ctx, details);
    if (run.is_sweep() && ctx.format == OutputFormat::table) {
        print_trials(ctx, details["sweep"]);
    }
    if (run.is_pipeline() && ctx.format == OutputFormat::table) {
        ctx.out << "\nsteps:\n" << run::draw_pipeline(details["pipeline"]);
    }
    return {};
}

Result<void> stream(Context& ctx, const RunOptions& options) {
    TRY(check_stream_format(ctx));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto run, named_or_newest(workspace, options.name));
    if (options.trials && !run.is_sweep()) {
        return usage_error("--trials: run {} is not a sweep (it has no trials)", run.name);
    }
    std::optional<std::size_t> tail;
    if (options.tail >= 0) {
        tail = static_cast<std::size_t>(options.tail);
    }
    return follow_run(ctx, workspace, run.name, true, tail,
                      {.rank = options.rank,
                       .folder_logs = options.folder_logs,
                       .metrics = options.metrics,
                       .trials = options.trials});
}

void print_status(Context& ctx, const run::RunRecord& run) {
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        output::print_record(ctx, run::run_summary(run, stamp(ctx).ms));
    } else {
        ctx.out << run::status_name(run.status) << '\n';
    }
}

Result<void> wait(Context& ctx, const RunOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY(run::get_run(workspace.db(), options.name, workspace.name()));
    auto followed = follow_run(ctx, workspace, options.name, false, std::nullopt);
    if (!followed && followed.error().code == ExitCode::detached) {
        return followed;
    }
    TRY_ASSIGN(auto run, run::get_run(workspace.db(), options.name, workspace.name()));
    print_status(ctx, run);
    return followed;
}

Result<void> cancel(Context& ctx, const RunOptions& options) {
    if (options.grace < 0) {
        return usage_error("--grace must be 0 or more seconds (got {})", options.grace);
    }
    if (options.timeout < 1) {
        return usage_error("--timeout must be 1 or more seconds (got {})", options.timeout);
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto run, run::get_run(workspace.db(), options.name, workspace.name()));
    TRY_ASSIGN(auto before, request_cancel(ctx, workspace, run, options.grace));
    const CommandSeams seams(ctx);
    if (run::is_terminal(before)) {
        return fail("run {} already ended ({})", run.name, run::status_name(before));
    }
    ctx.err << fmt::format("cancel requested for run {}: SIGTERM, then SIGKILL after {} s\n",
                           run.name, options.grace);
    InterruptGuard guard;
    TRY_ASSIGN(auto outcome, run::await_cancel(workspace, run,
                                               {.grace_seconds = options.grace,
                                                .timeout_seconds = options.timeout,
                                                .interrupted = &InterruptGuard::interrupted},
                                               seams.get()));
    if (!outcome) {
        ctx.err << fmt::format("ferry: stopped waiting; the cancel of run {} goes on\n", run.name);
        return std::unexpected(exit_status(to_int(ExitCode::detached)));
    }
    if (outcome->forced) {
        const auto count = outcome->forced->signalled;
        ctx.warn(
            fmt::format("the supervisor of run {} (pid {}) did not end the run within {} s; "
                        "ferry stopped {} process{} of the job itself",
                        run.name, run.supervisor_pid.value_or(0), options.grace + options.timeout,
                        count, count == 1 ? "" : "es"));
    }
    if (outcome->run.status != run::Status::canceled) {
        ctx.warn(fmt::format("run {} ended {} before the cancel took effect", run.name,
                             run::status_name(outcome->run.status)));
    }
    print_status(ctx, outcome->run);
    return {};
}

void add_run_argument(CLI::App& verb, RunOptions& o, bool required) {
    auto* option =
        verb.add_option("run,-n,--name", o.name,
                        required ? "The run's name" : "The run's name (default: the newest)")
            ->type_name(value::run);
    if (required) {
        option->required();
    }
}

Result<void> remove(Context& ctx, const DeleteOptions& options) {
    maintain::RunSelection selection;
    selection.names = options.names;
    TRY_ASSIGN(selection.status, run::status_option(options.status));
    if (options.older_than >= 0) {
        selection.ended_before_ms = stamp(ctx).ms - options.older_than * 86'400'000;
    }
    if (selection.names.empty() && !selection.status && !selection.ended_before_ms) {
        return usage_error("name the runs to delete, or choose them with --older-than or --status");
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(const auto runs, maintain::select_runs(workspace.db(), selection, workspace.name()));
    Json records = Json::array();
    for (const auto& one : runs) {
        TRY(maintain::delete_run(workspace, one));
        records.push_back({{"name", one.name}, {"status", run::status_name(one.status)}});
    }
    static const output::Column k_columns[] = {{"name", "DELETED"}, {"status", "STATUS"}};
    output::print_list(ctx, records, k_columns);
    ctx.err << fmt::format(
        "ferry: deleted {} run{}; blobs no record names go at the next 'ferry workspace gc'\n",
        runs.size(), runs.size() == 1 ? "" : "s");
    return {};
}

void add_show_options(CLI::App& verb, RunOptions& o) {
    add_run_argument(verb, o, true);
    verb.add_flag("--web", o.web,
                  "Print the run's page in the 'ferry ui' that serves this workspace");
    verb.add_flag("--open", o.open, "Open that page in a browser (implies --web)");
}

void add_stream_verb(CommandTree& tree, CLI::App* group) {
    tree.add_verb<RunOptions>(
        group, "stream", "Print a run's log live until it ends (default: the newest run)",
        [](CLI::App& verb, RunOptions& o) {
            add_run_argument(verb, o, false);
            verb.add_option("--tail", o.tail, "Start with the last N lines")->type_name("N");
            verb.add_option("--rank", o.rank,
                            "Distributed runs: the log of rank N (default 0), or 'all' prefixed")
                ->type_name(value::rank);
            verb.add_flag("--logs", o.folder_logs,
                          "Also the files the job writes in ./logs, as they appear, each line "
                          "prefixed [logs/NAME]");
            verb.add_flag("--metrics", o.metrics,
                          "Also the metric points the run logs, as they arrive: 'metric: KEY = "
                          "VALUE (step N)' on stderr, or JSON Lines of type metric with -o json");
            verb.add_flag("--trials", o.trials,
                          "A sweep: also its trials' logs, as they start, each line prefixed "
                          "[TRIAL]");
        },
        stream);
}

}  // namespace

void add_run_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("run");
    tree.add_verb<ListOptions>(
        group, "list", "List runs, newest first or as --order-by says",
        [](CLI::App& verb, ListOptions& o) {
            verb.add_option("--experiment", o.experiment, "Only runs of this experiment")
                ->type_name(value::experiment);
            verb.add_option("--status", o.status, "Only runs with this status (e.g. Failed)")
                ->type_name(value::status);
            verb.add_option("--max-results", o.max_results, "Show at most N runs (default 50)")
                ->type_name("N");
            verb.add_option("--tag", o.tags,
                            "Only runs whose job has this tag: KEY=VALUE, or KEY for any value "
                            "(repeat: all of them)")
                ->type_name("KEY=VALUE");
            verb.add_option("--filter", o.filter,
                            "Only runs that match MLflow's search filter: clauses joined by AND, "
                            "e.g. \"metrics.accuracy > 0.9 and params.lr = '0.01'\" (metrics.KEY "
                            "by its last value; params.KEY, tags.KEY; attributes.status, run_name, "
                            "start_time, end_time, ...)")
                ->type_name("EXPR");
            verb.add_option("--order-by", o.order_by,
                            "Order by these, then newest first: e.g. \"metrics.accuracy DESC, "
                            "params.lr\" (ASC by default; runs lacking a key come last)")
                ->type_name("EXPR");
            verb.add_option("--columns", o.columns,
                            "Also show these, in the table and in each -o json record: e.g. "
                            "metrics.accuracy,params.lr,tags.team")
                ->type_name("LIST");
            verb.add_option("--parent", o.parent,
                            "Only the child runs of this run (a sweep's trials, or the runs its "
                            "job's MLflow client made)")
                ->type_name(value::run);
            verb.add_flag("--include-children", o.children,
                          "Also child runs, which are left out otherwise");
            verb.add_flag("--include-archived", o.archived,
                          "Also archived runs (run archive), which are left out otherwise");
            verb.add_flag("--all", o.all, "Show every run");
        },
        list);
    tree.add_verb<RunOptions>(group, "show",
                              "Show a run: status history, spec, snapshot, exit code, artifacts",
                              add_show_options, show);
    add_stream_verb(tree, group);
    tree.add_verb<RunOptions>(
        group, "wait", "Wait until a run ends; exit with its status",
        [](CLI::App& verb, RunOptions& o) { add_run_argument(verb, o, true); }, wait);
    tree.add_verb<RunOptions>(
        group, "cancel", "Cancel a run: SIGTERM to all its processes, SIGKILL after the grace",
        [](CLI::App& verb, RunOptions& o) {
            add_run_argument(verb, o, true);
            verb.add_option("--grace", o.grace, "Seconds between SIGTERM and SIGKILL (default 10)")
                ->type_name("SECONDS");
            verb.add_option("--timeout", o.timeout,
                            "Seconds to wait for the run's supervisor after the grace before "
                            "stopping the job itself (default 30)")
                ->type_name("SECONDS");
        },
        cancel);
    tree.add_verb<DeleteOptions>(
        group, "delete", "Delete ended runs: their records and directories",
        [](CLI::App& verb, DeleteOptions& o) {
            verb.add_option("run,-n,--name", o.names, "The runs' names")->type_name(value::run);
            verb.add_option("--older-than", o.older_than,
                            "Only runs that ended DAYS days ago or more")
                ->type_name("DAYS")
                ->check(CLI::Range(0, 100000));
            verb.add_option("--status", o.status, "Only runs with this status (e.g. Failed)")
                ->type_name(value::status);
        },
        remove);
    add_run_download_verb(tree, group);
    add_run_resume_verb(tree, group);
    add_run_archive_verbs(tree, group);
    add_run_tracking_verbs(tree, group);
}

}  // namespace ferry::cli
