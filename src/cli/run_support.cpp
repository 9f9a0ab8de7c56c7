#include "run_support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <csignal>
#include <functional>

#include "ferry/output/render.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/query.hpp"
#include "ferry/store/selection.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/program.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/time.hpp"

namespace ferry::cli {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int /*signal*/) {
    g_interrupted = 1;
}

// The end of the log `log` of a failed run, with the path of the whole log: what a user reads
// first. Nothing when the run failed before its job wrote a line.
// The module a Python traceback says is missing ("No module named 'numpy'"), if any.
std::optional<std::string> missing_module(std::string_view tail) {
    constexpr std::string_view k_said = "No module named '";
    const auto at = tail.rfind(k_said);
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const auto begin = at + k_said.size();
    const auto end = tail.find('\'', begin);
    if (end == std::string_view::npos || end == begin) {
        return std::nullopt;
    }
    return std::string(tail.substr(begin, end - begin));
}

// Which Python ran the job and how to choose another, when the job failed for a module it
// could not import: the first python3 on a host job's PATH is often not the one the user meant.
void print_module_hint(Context& ctx, const run::RunRecord& run, std::string_view tail) {
    const auto module = missing_module(tail);
    if (!module) {
        return;
    }
    if (run.environment.is_object()) {
        ctx.err << fmt::format(
            "hint: environment {}:{} has no Python module '{}': add it to the environment's "
            "requirements (its conda file or pip requirements) and submit again\n",
            run.environment.value("name", std::string("?")),
            run.environment.value("version", std::string("?")), util::escape_control(*module));
        return;
    }
    // python3 as the job's PATH finds it: its own environment_variables.PATH, else the one
    // it inherited.
    std::string path = ctx.env.get("PATH").value_or("");
    if (run.spec.is_object() && run.spec.contains("environment_variables")) {
        const auto& set = run.spec["environment_variables"];
        if (set.is_object() && set.contains("PATH") && set["PATH"].is_string()) {
            path = set["PATH"].get<std::string>();
        }
    }
    const auto python = util::find_program_on("python3", path);
    ctx.err << fmt::format(
        "hint: the job ran on the host, where python3 is {} (the first on PATH), and that one has "
        "no module '{}': name an environment that has it (environment:), put the right Python "
        "first on the job's PATH (--env PATH=...), or call it by its full path in the command\n",
        python ? python->string() : std::string("not on PATH"), util::escape_control(*module));
}

void print_failing_tail(Context& ctx, const run::RunRecord& run, const fs::path& log) {
    const std::string tail = run::log_tail(run.directory / log, 10);
    if (tail.empty()) {
        return;
    }
    ctx.err << fmt::format("the last lines of {} ({}):\n", log.string(),
                           (run.directory / log).string())
            << util::escape_control(tail, util::Keep::tabs_and_newlines)
            << (tail.ends_with('\n') ? "" : "\n");
    print_module_hint(ctx, run, tail);
}

// The end of a streamed run: its summary on stderr (and with JSON Lines its end on stdout),
// then the failing rank's last lines unless they were just streamed.
void print_stream_end(Context& ctx, const run::RunRecord& run,
                      const std::vector<run::LogSource>& logs, bool json_lines) {
    const auto duration = run::duration_ms(run, stamp(ctx).ms);
    ctx.err << "\nExecution Summary\n=================\nRunId: " << run.name
            << "\nStatus: " << run::status_name(run.status)
            << "\nDuration: " << (duration ? run::human_duration(*duration) : "-")
            << "\nExit code: " << (run.exit_code ? std::to_string(*run.exit_code) : "-") << '\n';
    if (!run.error.empty()) {
        ctx.err << "Error: " << run.error << '\n';
    }
    ctx.err.flush();
    if (json_lines) {
        ctx.out << output::Json{{"type", "end"},
                                {"name", run.name},
                                {"status", run::status_name(run.status)},
                                {"exit_code", run.exit_code ? output::Json(*run.exit_code)
                                                            : output::Json(nullptr)},
                                {"error", run.error}}
                       .dump(-1, ' ', false, output::Json::error_handler_t::replace)
                << '\n'
                << std::flush;
    }
    // The failing rank's last lines, unless they were just streamed.
    if (run.status != run::Status::failed) {
        return;
    }
    const fs::path failed = run::failing_log(run);
    if (std::ranges::none_of(logs, [&](const auto& log) { return log.path == failed; })) {
        print_failing_tail(ctx, run, failed);
    } else {
        print_module_hint(ctx, run, run::log_tail(run.directory / failed, 10));
    }
}

}  // namespace

run::Stamp stamp(const Context& ctx) {
    const auto now = ctx.now();
    return {util::format_utc(now),
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count()};
}

CommandSeams::CommandSeams(Context& ctx)
    : m_host(run::Host::of_process(ctx.env)),
      m_clock(run::SystemClock::Signals::leave, ctx.now),
      m_log(nullptr, m_clock),
      m_seams{ctx.runner, m_host, m_clock, m_log} {}

Result<store::Workspace> open_workspace(Context& ctx) {
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    return store::open_chosen_workspace(ctx, registry);
}

Result<run::Status> request_cancel(Context& ctx, store::Workspace& workspace,
                                   const run::RunRecord& run, std::int64_t grace_seconds) {
    if (!run.parent.empty() && !run::is_terminal(run.status)) {
        return fail(
            "run {} is a nested run of {}: it ends when its client ends it or with {}; "
            "cancel {}",
            run.name, run.parent, run.parent, run.parent);
    }
    const CommandSeams seams(ctx);
    return run::request_stop(workspace.db(), run, grace_seconds, seams.get());
}

Result<void> end_lost_runs(Context& ctx, store::Workspace& workspace) {
    const CommandSeams seams(ctx);
    TRY_ASSIGN(const int reaped, run::reap_lost_runs(workspace, seams.get()));
    if (reaped > 0) {
        ctx.warn(fmt::format("{} run{} marked Failed: {} supervisor was gone", reaped,
                             reaped == 1 ? "" : "s", reaped == 1 ? "its" : "their"));
    }
    return {};
}

InterruptGuard::InterruptGuard(Also also) : m_terminate(also == Also::terminate) {
    g_interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, nullptr);
    if (m_terminate) {
        ::sigaction(SIGTERM, &action, nullptr);
    }
}

InterruptGuard::~InterruptGuard() {
    ::signal(SIGINT, SIG_DFL);
    if (m_terminate) {
        ::signal(SIGTERM, SIG_DFL);
    }
}

bool InterruptGuard::interrupted() {
    return g_interrupted != 0;
}

Error exit_status(int code) {
    return Error{static_cast<ExitCode>(code), ""};
}

Result<std::vector<run::LogSource>> chosen_logs(store::Workspace& workspace,
                                                const std::string& name, const std::string& rank) {
    TRY_ASSIGN(auto run, run::get_run(workspace.db(), name, workspace.name()));
    const auto every = run::log_sources(run, std::nullopt);
    // The ranks' logs; an environment's build log (first, when there is one) is no rank.
    const auto ranks =
        static_cast<std::size_t>(std::ranges::count_if(every, [](const run::LogSource& source) {
            return source.path.string().starts_with("user_logs/");
        }));
    const bool distributed = ranks > 1 || every.back().path != "user_logs/std_log.txt";
    if (rank.empty()) {
        return distributed ? run::log_sources(run, 0) : every;
    }
    if (!distributed) {
        return usage_error("run {} is one process: --rank is for distributed runs", name);
    }
    if (rank == "all") {
        return every;
    }
    std::int64_t number = -1;
    const auto [end, ec] = std::from_chars(rank.data(), rank.data() + rank.size(), number);
    if (ec != std::errc() || end != rank.data() + rank.size() || number < 0 ||
        number >= static_cast<std::int64_t>(ranks)) {
        return usage_error("--rank {}: run {} has ranks 0 to {} (or 'all')", rank, name, ranks - 1);
    }
    return run::log_sources(run, number);
}

Result<void> check_stream_format(const Context& ctx) {
    if (ctx.format == OutputFormat::yaml || ctx.format == OutputFormat::tsv) {
        return usage_error(
            "-o {} does not fit a stream of log lines: use -o json for JSON Lines (one object a "
            "line), or the default text",
            to_string(ctx.format));
    }
    return {};
}

namespace {

// Prints the metric points the run logged since its last call: "metric: KEY = VALUE (step N)"
// on stderr, or a JSON Lines object of type "metric" on stdout.
std::function<Result<void>()> metric_printer(Context& ctx, store::Workspace& workspace,
                                             const std::string& name, bool json_lines) {
    return
        [&ctx, &workspace, &name, json_lines, after = std::int64_t{0}]() mutable -> Result<void> {
            for (;;) {
                TRY_ASSIGN(auto points, track::points_after(workspace.db(), name, after, 1000));
                for (const auto& [number, point] : points) {
                    after = number;
                    if (json_lines) {
                        ctx.out << output::Json{{"type", "metric"},
                                                {"key", point.key},
                                                {"value", point.value},
                                                {"step", point.step},
                                                {"timestamp", point.timestamp_ms}}
                                       .dump()
                                << '\n';
                    } else {
                        ctx.err << fmt::format("metric: {} = {} (step {})\n", point.key,
                                               point.value, point.step);
                    }
                }
                (json_lines ? ctx.out : ctx.err).flush();
                if (points.size() < 1000) {
                    return {};
                }
            }
        };
}

// The logs of a sweep's trials or a pipeline's steps (every rank's of a distributed one), at
// their place relative to the parent's directory, each line after "[TRIAL] " or "[STEP] ".
std::function<Result<std::vector<run::LogSource>>()> trial_logs(store::Workspace& workspace,
                                                                const std::string& sweep) {
    return [&workspace, sweep]() -> Result<std::vector<run::LogSource>> {
        TRY_ASSIGN(const auto children, run::list_runs(workspace.db(), {.parent = sweep}));
        std::vector<run::LogSource> sources;
        for (const auto& trial : children.first) {
            for (auto source : run::log_sources(trial, std::nullopt)) {
                source.path = fs::path("..") / trial.name / source.path;
                const bool step = trial.trial.is_object() && trial.trial.contains("step");
                source.prefix = fmt::format(
                    "[{}] {}", step ? trial.trial.value("step", "") : trial.name, source.prefix);
                source.optional = true;
                sources.push_back(std::move(source));
            }
        }
        return sources;
    };
}

}  // namespace

Result<void> follow_run(Context& ctx, store::Workspace& workspace, const std::string& name,
                        bool stream, std::optional<std::size_t> tail, const StreamChoice& choice) {
    const bool json_lines = stream && ctx.format == OutputFormat::json;
    std::vector<run::LogSource> logs;
    if (stream) {
        TRY_ASSIGN(auto chosen, chosen_logs(workspace, name, choice.rank));
        logs = std::move(chosen);
    }
    InterruptGuard guard;
    run::FollowOptions options;
    options.interrupted = &InterruptGuard::interrupted;
    const CommandSeams seams(ctx);
    options.seams = &seams.get();
    options.json_lines = json_lines;
    if (choice.folder_logs) {
        options.log_folder = run::working_directory(fs::path()) / "logs";
    }
    if (stream && choice.metrics) {
        options.checked = metric_printer(ctx, workspace, name, json_lines);
    }
    // A pipeline's steps always: its own log says only what its supervisor did.
    TRY_ASSIGN(const auto record, run::find_run(workspace.db(), name));
    if (stream && (choice.trials || (record && record->is_pipeline()))) {
        options.more_sources = trial_logs(workspace, name);
    }
    if (stream) {
        options.status_changed = [&ctx, json_lines](run::Status status) {
            if (json_lines) {
                ctx.out << output::Json{{"type", "status"},
                                        {"status", run::status_name(status)},
                                        {"time", stamp(ctx).text}}
                               .dump()
                        << '\n'
                        << std::flush;
            } else {
                ctx.err << "status: " << run::status_name(status) << '\n' << std::flush;
            }
        };
        ctx.err << "RunId: " << name << "\n\n";
        for (const auto& log : logs) {
            const std::string header = "Streaming " + log.path.string();
            ctx.err << header << '\n' << std::string(header.size(), '=') << '\n';
        }
        if (options.log_folder) {
            const std::string header =
                "Streaming " + options.log_folder->string() + "/* as they appear";
            ctx.err << header << '\n' << std::string(header.size(), '=') << '\n';
        }
        ctx.err << '\n' << std::flush;
    }
    TRY_ASSIGN(auto ended, stream ? run::stream_log(workspace, name, ctx.out, tail, options, logs)
                                  : run::wait_for_end(workspace, name, options));
    if (!ended) {
        ctx.out.flush();
        ctx.err << fmt::format(
            "\nferry: stopped following run {}; it goes on. Re-attach with 'ferry run stream "
            "{}'\n",
            name, name);
        return std::unexpected(exit_status(to_int(ExitCode::detached)));
    }
    const run::RunRecord& run = *ended;
    const int code = run.waited_exit_code();
    if (stream) {
        print_stream_end(ctx, run, logs, json_lines);
    } else if (run.status != run::Status::completed) {
        ctx.err << fmt::format("ferry: run {} {}{}\n", run.name, run::status_name(run.status),
                               run.error.empty() ? "" : ": " + run.error);
        if (run.status == run::Status::failed) {
            print_failing_tail(ctx, run, run::failing_log(run));
        }
    }
    if (code != 0) {
        return std::unexpected(exit_status(code));
    }
    return {};
}

Result<void> print_started(Context& ctx, store::Workspace& workspace, const std::string& name,
                           bool wait) {
    // A document shows the run as it is when the command ends: ended, with --wait (or as far
    // as it got when the wait was interrupted).
    const bool document = ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml;
    if (!document) {
        ctx.out << name << '\n' << std::flush;
    }
    auto waited = wait ? follow_run(ctx, workspace, name, false, std::nullopt) : Result<void>{};
    if (document) {
        TRY_ASSIGN(auto current, run::get_run(workspace.db(), name, workspace.name()));
        TRY_ASSIGN(auto events, run::run_events(workspace.db(), current.seq));
        output::print_record(ctx, run::run_details(current, events, {}, stamp(ctx).ms));
    }
    return waited;
}

}  // namespace ferry::cli
