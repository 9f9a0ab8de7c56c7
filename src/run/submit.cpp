#include "ferry/run/submit.hpp"

#include <pwd.h>

#include <random>

#include "ferry/env/materialize.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/launcher.hpp"
#include "ferry/run/process.hpp"
#include "ferry/run/resolve.hpp"
#include "ferry/run/storage.hpp"
#include "ferry/run/supervisor.hpp"
#include "ferry/snapshot/ferry_data.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/spec/locate.hpp"
#include "ferry/sweep/trial.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/time.hpp"

namespace ferry::run {

// Who submitted: "user@host".
std::string submitter(const Host& host) {
    const passwd* user = ::getpwuid(host.euid);
    const auto at = host.machine.find('@');
    return fmt::format("{}@{}", user != nullptr ? user->pw_name : std::to_string(host.euid),
                       at == std::string::npos ? host.machine : host.machine.substr(at + 1));
}

Result<std::string> choose_run_name(store::Workspace& workspace, std::string name) {
    if (!name.empty()) {
        TRY(check_run_name(name));
        TRY_ASSIGN(auto existing, find_run(workspace.db(), name));
        if (existing) {
            return usage_error("run {} already exists in workspace '{}'; choose another name", name,
                               workspace.name());
        }
        return name;
    }
    std::mt19937_64 random(std::random_device{}());
    for (;;) {
        name = generate_run_name(random);
        TRY_ASSIGN(auto existing, find_run(workspace.db(), name));
        if (!existing) {
            return name;
        }
    }
}

namespace {

struct Snapshot {
    std::optional<snapshot::Listing> listing;
    std::string id;  // empty: not stored (--dry-run, or no code)
    SnapshotFigures added;
};

Result<Snapshot> take_snapshot(Context& ctx, store::Workspace* workspace,
                               const SubmitRequest& request) {
    Snapshot taken;
    const auto& code = request.job.code;
    if (!code) {
        return taken;
    }
    if (!request.snapshot.empty()) {
        taken.id = request.snapshot;  // stored by the sweep; what it added is the sweep's
        return taken;
    }
    TRY_ASSIGN(const auto limit, snapshot::resolve_limit(request.snapshot_limit,
                                                         ctx.env.get("FERRY_SNAPSHOT_LIMIT")));
    TRY(spec::check_code_directory(code, request.where("code")));
    // Every workspace (this one too) and FERRY_HOME: else they would be stored into themselves.
    TRY_ASSIGN(const auto ferry_data, snapshot::ferry_directories(ctx.env));
    TRY_ASSIGN(auto listing,
               snapshot::list_tree(*code, snapshot::IgnoreFiles::honoured, ferry_data));
    TRY(snapshot::require_files(listing));
    for (const auto& warning : snapshot::listing_warnings(listing)) {
        ctx.warn(warning);
    }
    TRY(snapshot::check_limit(listing, limit));
    if (workspace != nullptr) {
        TRY_ASSIGN(auto cost, snapshot::store_snapshot(*workspace, listing, limit,
                                                       util::format_utc(ctx.now())));
        // For people at a terminal; scripts get a quiet stderr (-v says it anyway).
        if (ctx.terminal.stderr_is_tty || ctx.verbose) {
            ctx.err << snapshot::describe(cost) << '\n';
        }
        taken.id = cost.id;
        taken.added.new_files = static_cast<std::int64_t>(cost.new_files);
        taken.added.new_bytes = static_cast<std::int64_t>(cost.new_bytes);
    }
    taken.listing = std::move(listing);
    return taken;
}

// The run as submit makes it, before it is recorded.
struct Candidate {
    std::string name;
    std::string compute;
    std::string experiment;
    fs::path directory;
    Plan plan;
    Json environment;  // the run's record of it
    Snapshot snapshot;
};

Json dry_run_record(const Candidate& run, const Json& launch) {
    const Plan& plan = run.plan;
    const Json json = plan.to_json();
    Json record = {
        {"name", run.name},
        {"experiment", run.experiment},
        {"compute", run.compute},
        {"runtime", plan.job_environment ? env::kind_name(plan.job_environment->kind) : "host"},
        {"environment", run.environment},
        {"command", plan.command},
        {"working_directory", working_directory(run.directory).string()},
        {"environment_variables", json["environment"]},
        {"inputs", json["inputs"]},
        {"outputs", json["outputs"]},
        {"timeout", json["timeout"]},
        {"distribution", json["distribution"]},
        {"launcher", launch["launcher"]},
        {"ranks", launch["ranks"]}};
    const auto& listing = run.snapshot.listing;
    record["snapshot"] = listing ? Json{{"root", listing->root.string()},
                                        {"files", listing->entries.size()},
                                        {"bytes", listing->bytes}}
                                 : Json(nullptr);
    return record;
}

// The run as it would start: what --dry-run asks the launcher to describe.
LaunchTarget target_of(const Candidate& run, const store::Workspace& workspace,
                       const Runner& runner) {
    LaunchTarget target{.run = run.name,
                        .run_directory = run.directory,
                        .workspace = workspace.name(),
                        .workspace_root = workspace.root(),
                        .plan = run.plan};
    if (run.environment.is_object()) {
        target.environment_location = run.environment.value("location", std::string());
    }
    if (run.plan.job_environment && run.plan.job_environment->kind == env::Kind::docker) {
        target.engine = env::container_engine(runner).value_or("docker");
    }
    return target;
}

// The run at the top of the family `parent` belongs to (a sweep step's pipeline); empty: none.
Result<std::string> root_of(store::Database& db, std::string parent) {
    for (std::string up = parent; !up.empty();) {
        TRY_ASSIGN(const auto run, find_run(db, up));
        parent = std::exchange(up, run ? run->parent : std::string());
    }
    return parent;
}

Result<Candidate> plan_run(Context& ctx, store::Workspace& workspace, const Seams& seams,
                           const SubmitRequest& request, Launcher& launcher,
                           const ComputeRecord& compute) {
    TRY_ASSIGN(auto name,
               choose_run_name(workspace, !request.name.empty() ? request.name : request.job.name));
    // Storage paths become the local paths they are here; the spec keeps them as written.
    spec::CommandJob job = request.job;
    TRY_ASSIGN(auto storage, resolve_storage(workspace, job, name, [&](std::string_view key) {
                   return request.where(key);
               }));
    Candidate run{.name = name,
                  .compute = compute.name,
                  .experiment = job.experiment_name.empty() ? default_experiment(job.code, ctx.cwd)
                                                            : job.experiment_name,
                  .directory = run_directory(workspace.root(), name)};
    TRY(launcher.admit({.file = request.source,
                        .instances = job.resources.instance_count,
                        .distributed = job.distribution.has_value()}));
    const auto& traits = launcher.traits();
    PlanRequest planning{.file = request.source,
                         .run_name = run.name,
                         .experiment = run.experiment,
                         .workspace = workspace.name(),
                         .run_directory = run.directory,
                         .runtime = request.runtime,
                         .gpus = launcher.gpus(),
                         .compute = {.label = traits.label,
                                     .multi_node = traits.multi_node,
                                     .containers = traits.containers},
                         .input_origins = std::move(storage.inputs),
                         .output_destinations = std::move(storage.outputs)};
    const auto store = request.dry_run ? StoreDefinition::no : StoreDefinition::yes;
    TRY_ASSIGN(planning.environment,
               resolve_environment(ctx, workspace, job, request.source,
                                   request.where("environment"), request.runtime, store));
    TRY_ASSIGN(planning.assets, resolve_inputs(workspace, job, request.source));
    run.environment = environment_record(planning.environment, workspace.root(),
                                         env::venv_interpreter(seams.runner));
    TRY_ASSIGN(planning.root_run, root_of(workspace.db(), request.parent));
    TRY_ASSIGN(run.plan, make_plan(job, planning));
    for (const auto& note : run.plan.notes) {
        ctx.warn(note);
    }
    // Said when the file was read; kept for `run show`.
    std::ranges::move(ignored_notes(job, request.source), std::back_inserter(run.plan.notes));
    TRY_ASSIGN(run.snapshot, take_snapshot(ctx, request.dry_run ? nullptr : &workspace, request));
    return run;
}

// Records the run and starts its supervisor.
Result<RunRecord> record(Context& ctx, store::Workspace& workspace, const Seams& seams,
                         const SubmitRequest& request, const Candidate& run) {
    TRY(util::create_directories(run.directory / "system_logs", 0700));
    const auto& job = request.job;
    const NewRun new_run{
        .name = run.name,
        .display_name = job.display_name.empty() ? run.name : job.display_name,
        .experiment = run.experiment,
        .compute = run.compute,
        .runtime = run.plan.job_environment
                       ? std::string(env::kind_name(run.plan.job_environment->kind))
                       : std::string("host"),
        .snapshot = run.snapshot.id,
        .snapshot_added = run.snapshot.added,
        .command = run.plan.command,
        .spec = job.to_json(),
        .plan = run.plan.to_json(),
        .directory = run.directory,
        .submitted_by = submitter(seams.host),
        .environment = run.environment,
        .parent = request.parent,
        .trial = request.trial};
    TRY_ASSIGN(auto recorded, insert_run(workspace.db(), new_run, seams.clock.stamp()));
    if (!request.trial.is_null()) {
        // Its sampled values, as MLflow's params: what compare, search and show read.
        const track::Batch params{
            .params = sweep::params_of(request.trial.value("values", Json::object()))};
        TRY_ASSIGN(const auto refused, track::log_batch(workspace.db(), run.name, params));
        if (refused) {
            ctx.warn(fmt::format("run {}: its values were not kept as params: {}", run.name,
                                 refused->message));
        }
    }
    TRY(start_supervisor(ctx, workspace, seams, recorded));
    return recorded;
}

}  // namespace

Result<void> start_supervisor(Context& ctx, store::Workspace& workspace, const Seams& seams,
                              const RunRecord& run) {
    auto executable = own_executable();
    auto started = executable
                       ? spawn_detached({executable->string(), std::string(k_supervise_command),
                                         workspace.name(), workspace.root().string(), run.name},
                                        ctx.env.variables(), supervisor_log(run.directory))
                       : Result<pid_t>(std::unexpected(executable.error()));
    if (!started) {
        std::ignore = finish(workspace.db(), run.name,
                             Ending::infrastructure(started.error().message), seams.clock.stamp());
        return std::unexpected(Error{ExitCode::infrastructure, started.error().message});
    }
    // The supervisor records itself too, once it runs; a loaded machine may take a while to
    // get it there, and until then its pid already says that it is alive.
    if (auto noted = set_supervisor(workspace.db(), run.name, *started, seams.host.machine,
                                    seams.clock.stamp());
        !noted) {
        ctx.debug(fmt::format("the supervisor's pid was not recorded: {}", noted.error().message));
    }
    ctx.debug(fmt::format("run {} recorded; its supervisor logs to {}", run.name,
                          supervisor_log(run.directory).string()));
    return {};
}

std::string SubmitRequest::where(std::string_view key) const {
    if (const auto flag = flags.find(key); flag != flags.end()) {
        return flag->second;
    }
    if (key == "compute" && !compute_key.empty()) {
        return spec::locate(text, source, compute_key);
    }
    // A sweep's trial has its command keys under `trial:`; the compute, inputs and outputs
    // are the sweep's.
    const bool sweeps =
        key_prefix == "trial." && (key.starts_with("inputs.") || key.starts_with("outputs."));
    if (!key_prefix.empty() && key != "compute" && !sweeps) {
        return spec::locate(text, source, key_prefix + std::string(key));
    }
    return spec::locate(text, source, key);
}

std::vector<std::string> ignored_notes(const spec::JobCommon& job, std::string_view source) {
    std::vector<std::string> notes;
    for (const auto& note : job.ignored) {
        notes.push_back(spec::place_of(source, note) + note.message);
    }
    return notes;
}

Result<RunRecord> start_parent(Context& ctx, store::Workspace& workspace, const Seams& seams,
                               const std::string& wanted, NewRun run,
                               const std::function<void(NewRun&)>& complete) {
    TRY_ASSIGN(run.name, choose_run_name(workspace, wanted));
    run.directory = run_directory(workspace.root(), run.name);
    TRY(util::create_directories(run.directory / "system_logs", 0700));
    TRY(util::create_directories(run.directory / "user_logs", 0700));
    if (run.display_name.empty()) {
        run.display_name = run.name;
    }
    run.submitted_by = submitter(seams.host);
    // The spec says the name it runs under.
    if (run.spec.is_object()) {
        run.spec["name"] = run.name;
    }
    if (complete) {
        complete(run);
    }
    TRY_ASSIGN(auto recorded, insert_run(workspace.db(), run, seams.clock.stamp()));
    TRY(start_supervisor(ctx, workspace, seams, recorded));
    return recorded;
}

Result<std::string> store_code(Context& ctx, store::Workspace& workspace,
                               const SubmitRequest& request) {
    TRY_ASSIGN(const auto taken, take_snapshot(ctx, &workspace, request));
    return taken.id;
}

Result<Submission> submit(Context& ctx, store::Workspace& workspace, const Seams& seams,
                          const SubmitRequest& request) {
    // The supervisor collects within these; a value it could not read is refused here.
    TRY(artifact_limits(ctx.env));
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));

    const std::string compute_name =
        request.job.compute.name.empty() ? std::string(k_local_compute) : request.job.compute.name;
    auto compute = get_compute(workspace.db(), compute_name, workspace.name());
    if (!compute) {
        return std::unexpected(with_context(compute.error(), request.where("compute")));
    }
    const auto launcher = make_launcher(*compute, seams);
    TRY_ASSIGN(const auto run, plan_run(ctx, workspace, seams, request, *launcher, *compute));
    Submission submission;
    if (request.dry_run) {
        TRY_ASSIGN(const auto launch, launcher->describe(target_of(run, workspace, seams.runner)));
        submission.dry_run = dry_run_record(run, launch);
        return submission;
    }
    TRY_ASSIGN(submission.run, record(ctx, workspace, seams, request, run));
    return submission;
}

}  // namespace ferry::run
