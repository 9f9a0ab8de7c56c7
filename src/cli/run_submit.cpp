// `ferry run submit`: the job from its file (or the words after '--') and the options, made a
// run by run::submit; then, optionally, the run followed.
#include <algorithm>
#include <cctype>

#include "asset_support.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/pipeline.hpp"
#include "ferry/run/submit.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "ignored_keys.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct SubmitOptions {
    std::string file;
    std::vector<std::string> sets;
    std::string name;
    std::string experiment;
    std::string compute;
    std::string code;
    std::string runtime;
    std::string snapshot_limit;
    bool stream = false;
    bool wait = false;
    bool dry_run = false;
    std::string timeout;
    std::vector<std::string> variables;  // --env KEY=VALUE
    std::string objective_value;         // a sweep's: last or best
    bool strict = false;                 // refuse Azure's keys that ferry ignores
    std::vector<std::string> command;
};

bool is_file(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

// --timeout and --env, as the --set values they stand for, after the --set values given.
Result<std::vector<std::string>> all_sets(const SubmitOptions& options) {
    std::vector<std::string> sets = options.sets;
    if (!options.timeout.empty()) {
        const auto seconds = util::parse_integer(options.timeout);
        if (!seconds || *seconds < 1) {
            return usage_error("--timeout '{}': give whole seconds, at least 1 (e.g. 3600)",
                               options.timeout);
        }
        sets.push_back("limits.timeout=" + options.timeout);
    }
    for (const auto& variable : options.variables) {
        const auto equals = variable.find('=');
        const std::string key = variable.substr(0, equals);
        const bool name_ok =
            !key.empty() && std::isdigit(static_cast<unsigned char>(key.front())) == 0 &&
            std::ranges::all_of(key, [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
            });
        if (equals == std::string::npos || !name_ok) {
            return usage_error(
                "--env '{}': give NAME=VALUE, with a NAME of letters, digits and _ (not first a "
                "digit)",
                variable);
        }
        sets.push_back("environment_variables." + variable);
    }
    return sets;
}

// The job file of the quick form: the command, run where the code directory's files are (an
// empty directory needs no snapshot), on the local compute.
Result<std::string> quick_job_text(const Context& ctx, const SubmitOptions& options) {
    if (options.command.empty()) {
        return usage_error(
            "nothing to run: give -f JOB_FILE, or a command after '--' "
            "(e.g. ferry run submit -- python3 train.py)");
    }
    const auto& first = options.command.front();
    if ((first.ends_with(".yml") || first.ends_with(".yaml")) &&
        is_file(absolute_from(ctx, first))) {
        return usage_error("'{}' looks like a job file: did you mean 'ferry run submit -f {}'?",
                           first, first);
    }
    nlohmann::ordered_json job = {{"command", run::shell_join(options.command)},
                                  {"compute", std::string(run::k_local_compute)}};
    const fs::path code = absolute_from(ctx, options.code.empty() ? "." : options.code);
    std::error_code ec;
    if (!options.code.empty() || !fs::is_directory(code, ec) || !fs::is_empty(code, ec)) {
        job["code"] = code.string();
    }
    return job.dump(2);  // JSON, which YAML reads
}

// The job, from the file or built from the words after `--`; the file's name and text.
struct Loaded {
    spec::Job job;  // a command job, a sweep or a pipeline
    std::string file;
    std::string text;  // empty for the quick form, whose text is ferry's own
};

Result<Loaded> load(Context& ctx, const SubmitOptions& options) {
    if (!options.file.empty() && !options.command.empty()) {
        return usage_error("give a job file (-f) or a command after '--', not both");
    }
    TRY_ASSIGN(const auto sets, all_sets(options));
    const bool quick = options.file.empty();
    SpecText source{.file = "command line", .base = ctx.cwd};
    if (quick) {
        TRY_ASSIGN(source.text, quick_job_text(ctx, options));
    } else {
        TRY_ASSIGN(source, read_spec_text(ctx, options.file));
    }
    auto job = spec::load_job(source.text, source.file, source.base, sets);
    if (!job) {
        ctx.err << spec::render(job.error(), source.text);
        const auto count = job.error().size();
        return usage_error("{}: {} error{}", source.file, count, count == 1 ? "" : "s");
    }
    const auto& ignored = std::visit([](const auto& typed) { return typed.ignored; }, *job);
    TRY(say_ignored(ctx, ignored, source.file, source.text, strict_wanted(ctx, options.strict)));
    if (!options.code.empty() && std::holds_alternative<spec::PipelineJob>(*job)) {
        return usage_error(
            "--code is for a command job or a sweep; a pipeline's steps name "
            "their code ({})",
            source.file);
    }
    if (!options.code.empty()) {
        auto& code = std::holds_alternative<spec::SweepJob>(*job)
                         ? std::get<spec::SweepJob>(*job).trial.code
                         : std::get<spec::CommandJob>(*job).code;
        code = absolute_from(ctx, options.code);
    }
    return Loaded{std::move(*job), source.file, quick ? std::string() : source.text};
}

// The request for a command job (run::SubmitRequest) or a sweep (run::SweepRequest), with the
// command line's options over the job's keys, each flag kept for messages.
template <typename Request, typename Job>
Result<Request> request_of(const SubmitOptions& options, Loaded loaded) {
    Request request{
        .job = std::get<Job>(std::move(loaded.job)),
        .source = std::move(loaded.file),
        .text = std::move(loaded.text),
        .name = options.name,
        .runtime = options.runtime == "host" ? run::Runtime::host : run::Runtime::from_job,
        .snapshot_limit = options.snapshot_limit,
        .dry_run = options.dry_run};
    if (!options.compute.empty()) {
        auto compute = spec::parse_reference(options.compute, spec::ReferenceRole::compute);
        if (!compute) {
            return usage_error("--compute {}: {}", options.compute, compute.error().message);
        }
        request.job.compute = *compute;
        request.flags.emplace("compute", "--compute " + options.compute);
    }
    if (!options.code.empty()) {
        request.flags.emplace("code", "--code " + options.code);
    }
    if (!options.experiment.empty()) {
        request.job.experiment_name = options.experiment;
    }
    return request;
}

// A command job is a run; a sweep or a pipeline is a run whose supervisor submits its trials
// or its steps.
Result<run::Submission> submit_loaded(Context& ctx, const SubmitOptions& options, Loaded loaded,
                                      store::Workspace& workspace, const run::Seams& seams) {
    if (std::holds_alternative<spec::SweepJob>(loaded.job)) {
        TRY_ASSIGN(auto request,
                   (request_of<run::SweepRequest, spec::SweepJob>(options, std::move(loaded))));
        request.best_value = options.objective_value == "best";
        return run::submit_sweep(ctx, workspace, seams, request);
    }
    if (!options.objective_value.empty()) {
        return usage_error("--objective-value is for a sweep, and the job ({}) is not one",
                           loaded.file);
    }
    if (std::holds_alternative<spec::PipelineJob>(loaded.job)) {
        TRY_ASSIGN(const auto request, (request_of<run::PipelineRequest, spec::PipelineJob>(
                                           options, std::move(loaded))));
        return run::submit_pipeline(ctx, workspace, seams, request);
    }
    TRY_ASSIGN(const auto request,
               (request_of<run::SubmitRequest, spec::CommandJob>(options, std::move(loaded))));
    return run::submit(ctx, workspace, seams, request);
}

// The run's name, or with -o json|yaml its record; then, with --stream or --wait, its end.
Result<void> after_submit(Context& ctx, const SubmitOptions& options, store::Workspace& workspace,
                          const run::RunRecord& run) {
    if (options.stream) {
        return follow_run(ctx, workspace, run.name, true, std::nullopt);
    }
    return print_started(ctx, workspace, run.name, options.wait);
}

Result<void> submit(Context& ctx, const SubmitOptions& options) {
    if (!options.runtime.empty() && options.runtime != "host") {
        return usage_error(
            "unknown runtime '{}': '--runtime host' runs the job on this machine as it is; "
            "without it the job's environment decides",
            options.runtime);
    }
    if (!options.objective_value.empty() && options.objective_value != "last" &&
        options.objective_value != "best") {
        return usage_error(
            "--objective-value '{}': give 'last' (a trial's last value of the primary metric) "
            "or 'best' (its best by the goal)",
            options.objective_value);
    }
    if (options.stream && options.wait) {
        return usage_error("--stream already waits for the end; give one of --stream and --wait");
    }
    if (options.stream) {
        TRY(check_stream_format(ctx));
    }
    TRY_ASSIGN(auto loaded, load(ctx, options));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    const CommandSeams seams(ctx);
    TRY_ASSIGN(const auto submitted,
               submit_loaded(ctx, options, std::move(loaded), workspace, seams.get()));
    if (options.dry_run) {
        output::print_document(ctx, submitted.dry_run);
        return {};
    }
    return after_submit(ctx, options, workspace, *submitted.run);
}

}  // namespace

void add_submit_verb(CommandTree& tree) {
    tree.add_verb<SubmitOptions>(
        tree.group("run"), "submit",
        "Submit a job (-f JOB_FILE, or a command after '--') and print the run's name",
        [](CLI::App& verb, SubmitOptions& o) {
            verb.add_option("-f,--file", o.file, "The job file (Azure ML CLI v2 YAML)")
                ->type_name(value::file);
            verb.add_option("--set", o.sets,
                            "Override a value of the job (file, or quick form): KEY.PATH=VALUE")
                ->type_name(value::set)
                ->allow_extra_args(false);  // one value each: `--set K=V -- CMD` ends here
            verb.add_option("--timeout", o.timeout,
                            "Stop the run after this many seconds (limits.timeout)")
                ->type_name("SECONDS");
            verb.add_option("--env", o.variables,
                            "Set a variable of the job's environment: NAME=VALUE "
                            "(environment_variables)")
                ->type_name("NAME=VALUE")
                ->allow_extra_args(false);
            verb.add_option("-n,--name", o.name,
                            "The run's name (default: the file's, or a new one)")
                ->type_name(value::text);
            verb.add_option("--experiment", o.experiment,
                            "Experiment (default: experiment_name, else the code directory's name)")
                ->type_name(value::experiment);
            verb.add_option("--compute", o.compute,
                            "Compute to run on (default: the job's, or local)")
                ->type_name(value::compute);
            verb.add_option("--code", o.code,
                            "Code directory (the quick form's default: the current directory)")
                ->type_name(value::dir);
            verb.add_option("--runtime", o.runtime,
                            "'host': run on this machine as it is, whatever the job's environment")
                ->type_name(value::runtime);
            verb.add_option("--objective-value", o.objective_value,
                            "A sweep: a trial's result is the 'last' value it logged of the "
                            "primary metric (default, as Azure) or its 'best' by the goal")
                ->type_name("last|best");
            verb.add_flag("-s,--stream", o.stream, "Stream the log until the run ends");
            verb.add_flag("--wait", o.wait, "Wait until the run ends; exit with its status");
            verb.add_flag("--dry-run", o.dry_run, "Show what would run; store and start nothing");
            verb.add_flag("--strict", o.strict, k_strict_help);
            verb.add_option(
                    "--snapshot-limit", o.snapshot_limit,
                    "Refuse snapshots larger than SIZE (default 2g, or FERRY_SNAPSHOT_LIMIT)")
                ->type_name(value::size);
            verb.add_option("command", o.command, "The command of the quick form, after '--'")
                ->type_name("COMMAND");
        },
        submit);
}

}  // namespace ferry::cli
