// `ferry run submit`: the job from its file (or the words after '--') and the options, made a
// run by run::submit; then, optionally, the run followed.
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/submit.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/util/fs.hpp"
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
    std::vector<std::string> command;
};

bool is_file(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

// The job: from the file, or built from the words after `--`.
Result<std::pair<spec::CommandJob, std::string>> load(const Context& ctx,
                                                      const SubmitOptions& options) {
    if (!options.file.empty() && !options.command.empty()) {
        return usage_error("give a job file (-f) or a command after '--', not both");
    }
    if (options.file.empty()) {
        if (options.command.empty()) {
            return usage_error(
                "nothing to run: give -f JOB_FILE, or a command after '--' "
                "(e.g. ferry run submit -- python3 train.py)");
        }
        if (!options.sets.empty()) {
            return usage_error("--set changes a job file's values; there is no job file");
        }
        const auto& first = options.command.front();
        if ((first.ends_with(".yml") || first.ends_with(".yaml")) &&
            is_file(absolute_from(ctx, first))) {
            return usage_error("'{}' looks like a job file: did you mean 'ferry run submit -f {}'?",
                               first, first);
        }
        spec::CommandJob job;
        job.command = run::shell_join(options.command);
        job.code = absolute_from(ctx, options.code.empty() ? "." : options.code);
        job.compute.kind = spec::ReferenceKind::compute;
        job.compute.name = std::string(run::k_local_compute);
        job.compute.text = job.compute.name;
        return std::pair{std::move(job), std::string("command line")};
    }
    const fs::path path = absolute_from(ctx, options.file);
    auto text = util::read_file(path);
    if (!text) {
        return std::unexpected(Error{ExitCode::usage, text.error().message});
    }
    auto job = spec::load_job(*text, options.file, path.parent_path(), options.sets);
    if (!job) {
        ctx.err << spec::render(job.error(), *text);
        const auto count = job.error().size();
        return usage_error("{}: {} error{}", options.file, count, count == 1 ? "" : "s");
    }
    if (std::holds_alternative<spec::SweepJob>(*job)) {
        return usage_error("{}: sweep jobs cannot be submitted by this version of ferry yet",
                           options.file);
    }
    auto command = std::get<spec::CommandJob>(std::move(*job));
    if (!options.code.empty()) {
        command.code = absolute_from(ctx, options.code);
    }
    return std::pair{std::move(command), options.file};
}

Result<void> submit(Context& ctx, const SubmitOptions& options) {
    if (!options.runtime.empty() && options.runtime != "host") {
        return usage_error(
            "unknown runtime '{}': '--runtime host' runs the job on this machine as it is; "
            "without it the job's environment decides",
            options.runtime);
    }
    if (options.stream && options.wait) {
        return usage_error("--stream already waits for the end; give one of --stream and --wait");
    }
    if (options.stream) {
        TRY(check_stream_format(ctx));
    }
    TRY_ASSIGN(auto loaded, load(ctx, options));
    run::SubmitRequest request{
        .job = std::move(loaded.first),
        .source = std::move(loaded.second),
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
    }
    if (!options.experiment.empty()) {
        request.job.experiment_name = options.experiment;
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    const CommandSeams seams(ctx);
    TRY_ASSIGN(const auto submitted, run::submit(ctx, workspace, seams.get(), request));
    if (options.dry_run) {
        output::print_document(ctx, submitted.dry_run);
        return {};
    }
    const run::RunRecord& run = *submitted.run;
    if (options.stream) {
        return follow_run(ctx, workspace, run.name, true, std::nullopt);
    }
    // A document shows the run as it is when the command ends: ended, with --wait (or as far
    // as it got when the wait was interrupted).
    const bool document = ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml;
    if (!document) {
        ctx.out << run.name << '\n' << std::flush;
    }
    auto waited =
        options.wait ? follow_run(ctx, workspace, run.name, false, std::nullopt) : Result<void>{};
    if (document) {
        TRY_ASSIGN(auto current, run::get_run(workspace.db(), run.name, workspace.name()));
        TRY_ASSIGN(auto events, run::run_events(workspace.db(), current.seq));
        output::print_record(ctx, run::run_details(current, events, {}, stamp(ctx).ms));
    }
    return waited;
}

}  // namespace

void add_submit_verb(CommandTree& tree) {
    tree.add_verb<SubmitOptions>(
        tree.group("run"), "submit",
        "Submit a job (-f JOB_FILE, or a command after '--') and print the run's name",
        [](CLI::App& verb, SubmitOptions& o) {
            verb.add_option("-f,--file", o.file, "The job file (Azure ML CLI v2 YAML)")
                ->type_name(value::file);
            verb.add_option("--set", o.sets, "Override a value of the job file: KEY.PATH=VALUE")
                ->type_name(value::text);
            verb.add_option("-n,--name", o.name,
                            "The run's name (default: the file's, or a new one)")
                ->type_name(value::text);
            verb.add_option("--experiment", o.experiment,
                            "Experiment (default: experiment_name, else the code directory's name)")
                ->type_name(value::text);
            verb.add_option("--compute", o.compute,
                            "Compute to run on (default: the job's, or local)")
                ->type_name(value::compute);
            verb.add_option("--code", o.code,
                            "Code directory (the quick form's default: the current directory)")
                ->type_name(value::dir);
            verb.add_option("--runtime", o.runtime,
                            "'host': run on this machine as it is, whatever the job's environment")
                ->type_name(value::runtime);
            verb.add_flag("-s,--stream", o.stream, "Stream the log until the run ends");
            verb.add_flag("--wait", o.wait, "Wait until the run ends; exit with its status");
            verb.add_flag("--dry-run", o.dry_run, "Show what would run; store and start nothing");
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
