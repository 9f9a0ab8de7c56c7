// `ferry run submit`: validate, resolve, snapshot, record, start the supervisor; then
// optionally follow the run.
#include <pwd.h>
#include <unistd.h>

#include <random>

#include "ferry/assets/data.hpp"
#include "ferry/assets/model.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/env/registry.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/slurm.hpp"
#include "ferry/run/supervisor.hpp"
#include "ferry/snapshot/snapshot.hpp"
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
            fs::is_regular_file(absolute_from(ctx, first))) {
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

std::string submitter() {
    const passwd* user = ::getpwuid(::geteuid());
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return fmt::format("{}@{}", user != nullptr ? user->pw_name : std::to_string(::geteuid()),
                       host);
}

Result<std::string> choose_name(store::Workspace& workspace, const SubmitOptions& options,
                                const spec::CommandJob& job) {
    std::string name = !options.name.empty() ? options.name : job.name;
    if (!name.empty()) {
        if (auto valid = run::check_run_name(name); !valid) {
            return std::unexpected(valid.error());
        }
        auto existing = run::find_run(workspace.db(), name);
        if (!existing) {
            return std::unexpected(existing.error());
        }
        if (*existing) {
            return fail("run {} already exists in workspace '{}'; choose another name", name,
                        workspace.name());
        }
        return name;
    }
    std::mt19937_64 random(std::random_device{}());
    for (;;) {
        name = run::generate_run_name(random);
        auto existing = run::find_run(workspace.db(), name);
        if (!existing) {
            return std::unexpected(existing.error());
        }
        if (!*existing) {
            return name;
        }
    }
}

// The compute's GPUs: as many as its spec says, else what nvidia-smi finds.
std::vector<std::string> compute_gpus(const run::ComputeRecord& compute) {
    if (!compute.gpus) {
        return run::discover_gpus();
    }
    std::vector<std::string> gpus;
    for (std::int64_t i = 0; i < *compute.gpus; ++i) {
        gpus.push_back(std::to_string(i));
    }
    return gpus;
}

// What each process of a distributed job would get, with ports picked now.
Result<Json> rank_records(const run::Plan& plan) {
    Json ranks = Json::array();
    if (!plan.distribution) {
        return ranks;
    }
    auto planned = run::plan_ranks(*plan.distribution, run::free_port);
    if (!planned) {
        return std::unexpected(planned.error());
    }
    for (const auto& rank : *planned) {
        Json record;
        record["rank"] = rank.rank;
        record["role"] = rank.role.empty() ? plan.distribution->type : rank.role;
        record["index"] = rank.index;
        record["command"] = plan.command;
        Json variables = Json::object();
        for (const auto& [key, value] : rank.environment) {
            variables[key] = value;
        }
        record["environment"] = std::move(variables);
        record["log"] = rank.log;
        ranks.push_back(std::move(record));
    }
    return ranks;
}

struct Snapshot {
    std::optional<snapshot::Listing> listing;
    std::string id;
};

Result<Snapshot> take_snapshot(Context& ctx, store::Workspace* workspace,
                               const spec::CommandJob& job, const SubmitOptions& options) {
    Snapshot taken;
    if (!job.code) {
        return taken;
    }
    auto limit =
        snapshot::resolve_limit(options.snapshot_limit, ctx.env.get("FERRY_SNAPSHOT_LIMIT"));
    if (!limit) {
        return std::unexpected(limit.error());
    }
    std::error_code ec;
    if (!fs::is_directory(*job.code, ec)) {
        return usage_error("code directory {} does not exist", job.code->string());
    }
    auto listing = snapshot::list_tree(*job.code);
    if (!listing) {
        return std::unexpected(listing.error());
    }
    if (auto some = snapshot::require_files(*listing); !some) {
        return std::unexpected(some.error());
    }
    for (const auto& warning : snapshot::listing_warnings(*listing)) {
        ctx.warn(warning);
    }
    if (auto within = snapshot::check_limit(*listing, *limit); !within) {
        return std::unexpected(within.error());
    }
    if (workspace != nullptr) {
        auto cost = snapshot::store_snapshot(*workspace, *listing, *limit, stamp(ctx).text);
        if (!cost) {
            return std::unexpected(cost.error());
        }
        // For people at a terminal; scripts get a quiet stderr (-v says it anyway).
        if (ctx.terminal.stderr_is_tty || ctx.verbose) {
            ctx.err << snapshot::describe(*cost) << '\n';
        }
        taken.id = cost->id;
    }
    taken.listing = std::move(*listing);
    return taken;
}

// The job's environment: registered (NAME:VERSION, NAME@latest) or inline, checked against
// what this machine has. None: the host, as it is.
Result<std::optional<env::Environment>> resolve_environment(Context& ctx,
                                                            store::Workspace& workspace,
                                                            const spec::CommandJob& job,
                                                            const std::string& file,
                                                            const SubmitOptions& options) {
    if (options.runtime == "host" || std::holds_alternative<std::monostate>(job.environment)) {
        return std::optional<env::Environment>{};
    }
    env::Environment environment;
    if (const auto* reference = std::get_if<spec::Reference>(&job.environment)) {
        auto found = env::find_environment(workspace.db(), reference->name,
                                           reference->latest ? "" : reference->version);
        if (!found) {
            return std::unexpected(found.error());
        }
        if (!*found) {
            return usage_error(
                "{}: environment: no environment '{}' in workspace '{}' (see 'ferry env list')",
                file, reference->canonical(), workspace.name());
        }
        environment = std::move((*found)->environment);
    } else {
        auto defined = env::define(std::get<spec::EnvironmentSpec>(job.environment), file,
                                   options.dry_run ? nullptr : &workspace, stamp(ctx).text);
        if (!defined) {
            return std::unexpected(defined.error());
        }
        for (const auto& warning : defined->warnings) {
            ctx.warn(warning);
        }
        environment = std::move(*defined);
    }
    if (environment.kind == env::Kind::host) {
        return std::optional<env::Environment>{};
    }
    env::SystemRunner runner(ctx.env.variables());
    if (auto possible = env::check_can_materialize(environment, runner); !possible) {
        return usage_error("{}: environment{}: {}", file,
                           environment.name.empty() ? "" : " " + environment.label(),
                           possible.error().message);
    }
    return std::optional<env::Environment>{std::move(environment)};
}

// An input path that names a registered asset: azureml:N:V, azureml:N@latest, or N:V and
// N@latest where no such local path exists.
std::optional<spec::Reference> asset_reference(const spec::Reference& path) {
    if (path.kind == spec::ReferenceKind::asset) {
        return path;
    }
    if (path.kind != spec::ReferenceKind::local_path) {
        return std::nullopt;
    }
    const std::string text = path.text;
    if (text.find('/') != std::string::npos ||
        (text.find(':') == std::string::npos && !text.ends_with("@latest"))) {
        return std::nullopt;
    }
    std::error_code ec;
    if (fs::exists(path.path, ec)) {
        return std::nullopt;
    }
    auto parsed = spec::parse_reference(text, spec::ReferenceRole::asset);
    return parsed ? std::optional(*parsed) : std::nullopt;
}

// Inputs that name registered datasets and models, found now: a missing one is the job's
// mistake.
Result<std::map<std::string, run::ResolvedInput>> resolve_inputs(store::Workspace& workspace,
                                                                 const spec::CommandJob& job,
                                                                 const std::string& file) {
    std::map<std::string, run::ResolvedInput> resolved;
    for (const auto& input : job.inputs) {
        if (input.is_literal || !input.path) {
            continue;
        }
        const auto reference = asset_reference(*input.path);
        if (!reference) {
            continue;
        }
        const std::string version = reference->latest ? "" : reference->version;
        const std::string label =
            reference->latest ? reference->name + "@latest" : reference->name + ":" + version;
        run::ResolvedInput asset;
        asset.name = reference->name;
        if (input.type.ends_with("_model")) {
            auto model = assets::find_model(workspace.db(), reference->name, version);
            if (!model) {
                return std::unexpected(model.error());
            }
            if (!*model) {
                return usage_error("{}: input '{}': no model '{}' in workspace '{}'", file,
                                   input.name, label, workspace.name());
            }
            asset.kind = "model";
            asset.version = (*model)->version;
            asset.content = (*model)->content;
        } else {
            auto dataset = assets::find_dataset(workspace.db(), reference->name, version);
            if (!dataset) {
                return std::unexpected(dataset.error());
            }
            if (!*dataset) {
                return usage_error("{}: input '{}': no dataset '{}' in workspace '{}'", file,
                                   input.name, label, workspace.name());
            }
            const auto& record = **dataset;
            asset.kind = "data";
            asset.version = record.version;
            asset.content = record.remote ? std::string() : record.content;
            if (input.type == "uri_file") {
                if (record.remote) {
                    if (record.paths.size() != 1) {
                        return usage_error(
                            "{}: input '{}': dataset {} has {} URLs; a uri_file "
                            "input takes one file",
                            file, input.name, record.label(), record.paths.size());
                    }
                    asset.file_name = assets::url_file_name(record.paths.front());
                } else {
                    auto entries = assets::read_content(workspace.blobs(), record.content);
                    if (!entries) {
                        return std::unexpected(entries.error());
                    }
                    if (entries->size() != 1) {
                        return usage_error(
                            "{}: input '{}': dataset {} has {} files; a uri_file "
                            "input takes one (use uri_folder)",
                            file, input.name, record.label(), entries->size());
                    }
                    asset.file_name = entries->front().path;
                }
            }
        }
        resolved[input.name] = std::move(asset);
    }
    return resolved;
}

// What a run records of its environment at submit; Preparing adds the cache and location.
Json environment_record(const std::optional<env::Environment>& environment,
                        const fs::path& workspace_root, std::string_view interpreter) {
    if (!environment) {
        return nullptr;
    }
    Json record;
    record["name"] = environment->name.empty() ? Json(nullptr) : Json(environment->name);
    record["version"] = environment->version.empty() ? Json(nullptr) : Json(environment->version);
    record["hash"] = environment->hash;
    record["runtime"] = env::kind_name(environment->kind);
    record["cache"] = nullptr;
    record["location"] = env::location_of(*environment, workspace_root, interpreter);
    return record;
}

Json dry_run_record(const std::string& name, const std::string& experiment,
                    const std::string& compute, const run::Plan& plan, const fs::path& directory,
                    const Snapshot& snapshot, const Json& ranks, const Json& environment) {
    Json record;
    record["name"] = name;
    record["experiment"] = experiment;
    record["compute"] = compute;
    record["runtime"] = plan.job_environment ? env::kind_name(plan.job_environment->kind) : "host";
    record["environment"] = environment;
    record["command"] = plan.command;
    record["working_directory"] = run::working_directory(directory).string();
    Json variables = Json::object();
    for (const auto& [key, value] : plan.environment) {
        variables[key] = value;
    }
    record["environment_variables"] = std::move(variables);
    const Json json = plan.to_json();
    record["inputs"] = json["inputs"];
    record["outputs"] = json["outputs"];
    record["timeout"] = json["timeout"];
    record["distribution"] = json["distribution"];
    // An mpi job's ranks are started by one mpirun (their GPU slices come from `ranks`).
    if (plan.distribution && plan.distribution->type == "mpi") {
        std::vector<std::string> slices;
        for (const auto& rank : ranks) {
            slices.push_back(rank["environment"].value("CUDA_VISIBLE_DEVICES", std::string()));
        }
        record["launcher"] =
            run::shell_join(run::mpirun_command(plan.distribution->processes, plan.command,
                                                directory.string(), ::geteuid() == 0, slices));
    } else {
        record["launcher"] = nullptr;
    }
    record["ranks"] = ranks;
    if (snapshot.listing) {
        record["snapshot"] = {{"root", snapshot.listing->root.string()},
                              {"files", snapshot.listing->entries.size()},
                              {"bytes", snapshot.listing->bytes}};
    } else {
        record["snapshot"] = nullptr;
    }
    return record;
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
    auto loaded = load(ctx, options);
    if (!loaded) {
        return std::unexpected(loaded.error());
    }
    auto& [job, source] = *loaded;
    if (!options.compute.empty()) {
        auto compute = spec::parse_reference(options.compute, spec::ReferenceRole::compute);
        if (!compute) {
            return usage_error("--compute {}: {}", options.compute, compute.error().message);
        }
        job.compute = *compute;
    }
    if (!options.experiment.empty()) {
        job.experiment_name = options.experiment;
    }
    auto workspace = open_run_workspace(ctx);
    if (!workspace) {
        return std::unexpected(workspace.error());
    }
    const std::string compute_name = job.compute.name.empty() ? "local" : job.compute.name;
    auto compute = run::find_compute(workspace->db(), compute_name);
    if (!compute) {
        return std::unexpected(compute.error());
    }
    if (!*compute) {
        return fail("no compute named '{}' in workspace '{}' (see 'ferry compute list')",
                    compute_name, workspace->name());
    }
    auto name = choose_name(*workspace, options, job);
    if (!name) {
        return std::unexpected(name.error());
    }
    const std::string experiment = job.experiment_name.empty()
                                       ? run::default_experiment(job.code, ctx.cwd)
                                       : job.experiment_name;
    const fs::path directory = run::run_directory(workspace->root(), *name);
    run::PlanRequest request;
    request.file = source;
    request.run_name = *name;
    request.experiment = experiment;
    request.workspace = workspace->name();
    request.run_directory = directory;
    request.runtime = options.runtime == "host" ? run::Runtime::host : run::Runtime::from_job;
    const bool on_slurm = (*compute)->type == "slurm";
    request.cluster = on_slurm;
    if (on_slurm) {
        if (auto fits =
                run::slurm::check_instances(run::slurm::Cluster::from_spec((*compute)->spec),
                                            compute_name, job.resources.instance_count, source);
            !fits) {
            return std::unexpected(fits.error());
        }
        if (!env::SystemRunner(ctx.env.variables()).find_program("sbatch")) {
            return fail(
                "sbatch is not on PATH: compute '{}' is a Slurm cluster, whose clients must be "
                "on this machine (Debian: apt-get install slurm-client)",
                compute_name);
        }
        if (job.resources.instance_count > 1 && !job.distribution) {
            return usage_error(
                "{}: resources.instance_count is {} without a distribution: say how the nodes "
                "work together (distribution: pytorch, tensorflow or mpi)",
                source, job.resources.instance_count);
        }
    } else {
        request.gpus = compute_gpus(**compute);
    }
    auto environment = resolve_environment(ctx, *workspace, job, source, options);
    if (!environment) {
        return std::unexpected(environment.error());
    }
    request.environment = *environment;
    auto inputs = resolve_inputs(*workspace, job, source);
    if (!inputs) {
        return std::unexpected(inputs.error());
    }
    request.assets = std::move(*inputs);
    const Json environment_json =
        environment_record(*environment, workspace->root(),
                           env::venv_interpreter(env::SystemRunner(ctx.env.variables())));
    auto plan = run::make_plan(job, request);
    if (!plan) {
        return std::unexpected(plan.error());
    }
    for (const auto& note : plan->notes) {
        ctx.warn(note);
    }
    auto snapshot = take_snapshot(ctx, options.dry_run ? nullptr : &*workspace, job, options);
    if (!snapshot) {
        return std::unexpected(snapshot.error());
    }
    if (options.dry_run) {
        auto ranks = rank_records(*plan);
        if (!ranks) {
            return std::unexpected(ranks.error());
        }
        Json record = dry_run_record(*name, experiment, compute_name, *plan, directory, *snapshot,
                                     *ranks, environment_json);
        if (on_slurm) {
            // Slurm starts the tasks: the record shows the sbatch line, and each task's rank
            // and variables exist only inside the allocation.
            const auto cluster = run::slurm::Cluster::from_spec((*compute)->spec);
            auto on_nodes = [&](const fs::path& path) {
                return run::slurm::to_node_path(path.string(), workspace->root().string(),
                                                cluster.workspace_path);
            };
            run::slurm::Submission submission;
            submission.run_name = *name;
            submission.run_directory = on_nodes(directory);
            submission.script = on_nodes(directory / "system_logs" / "slurm_job.sh");
            record["launcher"] =
                run::shell_join(run::slurm::sbatch_argv(cluster, *plan, submission));
            record["ranks"] = nullptr;
        }
        output::print_document(ctx, record);
        return {};
    }

    if (auto made = util::create_directories(directory / "system_logs", 0700); !made) {
        return std::unexpected(made.error());
    }
    Json spec = job.to_json();
    run::NewRun new_run{*name,
                        job.display_name.empty() ? *name : job.display_name,
                        experiment,
                        compute_name,
                        plan->job_environment
                            ? std::string(env::kind_name(plan->job_environment->kind))
                            : std::string("host"),
                        snapshot->id,
                        plan->command,
                        std::move(spec),
                        plan->to_json(),
                        directory,
                        submitter(),
                        environment_json};
    auto recorded = run::insert_run(workspace->db(), new_run, stamp(ctx));
    if (!recorded) {
        return std::unexpected(recorded.error());
    }
    auto executable = run::own_executable();
    auto started = executable ? run::spawn_detached(
                                    {executable->string(), std::string(run::k_supervise_command),
                                     workspace->name(), workspace->root().string(), *name},
                                    run::supervisor_log(directory))
                              : Result<void>(std::unexpected(executable.error()));
    if (!started) {
        std::ignore = run::finish(workspace->db(), *name,
                                  {run::Status::failed, run::EndReason::infrastructure,
                                   std::nullopt, started.error().message, ""},
                                  stamp(ctx));
        return std::unexpected(Error{ExitCode::infrastructure, started.error().message});
    }
    ctx.debug(fmt::format("run {} recorded; its supervisor logs to {}", *name,
                          run::supervisor_log(directory).string()));
    if (options.stream) {
        return follow_run(ctx, *workspace, *name, true, std::nullopt);
    }
    if (ctx.format == OutputFormat::json || ctx.format == OutputFormat::yaml) {
        auto current = run::get_run(workspace->db(), *name, workspace->name());
        if (!current) {
            return std::unexpected(current.error());
        }
        auto events = run::run_events(workspace->db(), current->seq);
        if (!events) {
            return std::unexpected(events.error());
        }
        output::print_record(ctx, run::run_details(*current, *events, {}, stamp(ctx).ms));
    } else {
        ctx.out << *name << '\n' << std::flush;
    }
    if (options.wait) {
        return follow_run(ctx, *workspace, *name, false, std::nullopt);
    }
    return {};
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
