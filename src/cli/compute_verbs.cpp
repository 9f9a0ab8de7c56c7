// `ferry compute create|update|list|show|delete`.

#include "asset_support.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/launcher.hpp"
#include "ferry/run/record.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct CreateOptions {
    std::string file;
    std::vector<std::string> sets;
    std::string name;
    std::string type;
    std::string max_concurrent_runs;
    std::string gpus;
    bool unchecked_gpus = false;
};

struct UpdateOptions {
    std::string name;
    std::vector<std::string> sets;
    std::string max_concurrent_runs;
    std::string gpus;
    std::string description;
    bool unchecked_gpus = false;
};

struct NameOptions {
    std::string name;
    bool force = false;
};

// The compute for people and scripts; `live`: with its nodes as the cluster says now.
Json compute_record(const run::ComputeRecord& compute, const run::ComputeLoad& load,
                    const run::Launcher& launcher, bool live = false) {
    Json record;
    record["name"] = compute.name;
    record["type"] = compute.type;
    Json fields = launcher.compute_fields();
    record["max_concurrent_runs"] = fields.value("max_concurrent_runs", Json(nullptr));
    record["gpus"] = compute.gpus ? Json(*compute.gpus) : Json(nullptr);
    for (auto& [key, value] : fields.items()) {
        if (key != "max_concurrent_runs") {
            record[key] = std::move(value);
        }
    }
    record["description"] = compute.description;
    record["created_at"] = compute.created_at.empty() ? Json(nullptr) : Json(compute.created_at);
    record["implicit"] = compute.implicit;
    record["active_runs"] = load.active;
    record["queued_runs"] = load.queued;
    if (live) {
        if (auto nodes = launcher.compute_nodes()) {
            record["nodes"] = std::move(*nodes);
        }
    }
    return record;
}

// Flags are --set values over the file (or over the compute as it is).
std::vector<std::string> with_flags(
    std::vector<std::string> sets,
    std::initializer_list<std::pair<const char*, std::string>> flags) {
    for (const auto& [key, value] : flags) {
        if (!value.empty()) {
            sets.push_back(fmt::format("{}={}", key, value));
        }
    }
    return sets;
}

// `text` from `file` with the overrides, as a compute ferry can create.
Result<spec::ComputeSpec> compute_spec(const Context& ctx, const std::string& text,
                                       const std::string& file, const fs::path& base,
                                       const std::vector<std::string>& sets) {
    auto spec = spec::load_compute(text, file, base, sets);
    if (!spec) {
        ctx.err << spec::render(spec.error(), text);
        const auto count = spec.error().size();
        return usage_error("{}: {} error{}", file, count, count == 1 ? "" : "s");
    }
    if (std::ranges::find(run::compute_types(), spec->type) == run::compute_types().end()) {
        return usage_error(
            "{}: compute type '{}' is not supported by this version of ferry yet "
            "(use type: {})",
            file, spec->type, fmt::join(run::compute_types(), " or "));
    }
    if (!spec->workspace_path.empty() && !fs::path(spec->workspace_path).is_absolute()) {
        return usage_error(
            "{}: workspace_path '{}' is not absolute (it is the workspace's directory as the "
            "nodes see it)",
            file, spec->workspace_path);
    }
    return std::move(*spec);
}

// A local compute's GPUs are handed to jobs as CUDA_VISIBLE_DEVICES 0 to N-1: more than
// nvidia-smi shows would give them devices that are not there, unless the user says so.
Result<void> check_gpus(Context& ctx, const spec::ComputeSpec& spec, bool unchecked) {
    if (spec.type != "local" || !spec.gpus || *spec.gpus == 0 || unchecked) {
        return {};
    }
    const CommandSeams seams(ctx);
    const auto present = run::discover_gpus(seams.get().runner).size();
    if (static_cast<std::int64_t>(present) >= *spec.gpus) {
        return {};
    }
    return usage_error(
        "compute '{}': gpus is {}, but nvidia-smi shows {} GPU{} on this machine, so its jobs "
        "would be given devices that are not there (--no-gpu-check declares them anyway)",
        spec.name, *spec.gpus, present, present == 1 ? "" : "s");
}

Result<spec::ComputeSpec> read_spec(const Context& ctx, const CreateOptions& options) {
    std::vector<std::string> sets =
        with_flags(options.sets, {{"name", options.name},
                                  {"type", options.type},
                                  {"max_concurrent_runs", options.max_concurrent_runs},
                                  {"gpus", options.gpus}});
    if (options.file.empty() && options.type.empty()) {
        sets.emplace_back("type=local");  // the only type a command line needs to say nothing of
    }
    if (options.file.empty() && options.name.empty()) {
        return usage_error("give -f COMPUTE_FILE, or --name NAME (and --type local)");
    }
    TRY_ASSIGN(const auto source, read_spec_text(ctx, options.file));
    return compute_spec(ctx, source.text, source.file, source.base, sets);
}

// Records the compute, new or changed, and prints it as it now is.
Result<void> store_and_print(Context& ctx, store::Workspace& workspace,
                             const spec::ComputeSpec& spec, run::Storing storing) {
    TRY_ASSIGN(auto stored, run::store_compute(workspace.db(), spec, stamp(ctx).text, storing));
    TRY_ASSIGN(auto load, run::compute_load(workspace.db(), stored.name));
    const CommandSeams seams(ctx);
    output::print_record(ctx,
                         compute_record(stored, load, *run::make_launcher(stored, seams.get())));
    return {};
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    TRY_ASSIGN(auto spec, read_spec(ctx, options));
    TRY(check_gpus(ctx, spec, options.unchecked_gpus));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    return store_and_print(ctx, workspace, spec, run::Storing::create);
}

Result<void> list(Context& ctx, const std::monostate& /*options*/) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto computes, run::list_computes(workspace.db()));
    const CommandSeams seams(ctx);
    Json records = Json::array();
    for (const auto& compute : computes) {
        TRY_ASSIGN(auto load, run::compute_load(workspace.db(), compute.name));
        records.push_back(compute_record(compute, load, *run::make_launcher(compute, seams.get())));
    }
    static const std::vector<output::Column> columns = {
        {"name", "NAME"},
        {"type", "TYPE"},
        {"max_concurrent_runs", "MAX_CONCURRENT_RUNS"},
        {"active_runs", "ACTIVE_RUNS"},
        {"queued_runs", "QUEUED_RUNS"}};
    output::print_list(ctx, records, columns);
    return {};
}

Result<run::ComputeRecord> get_compute(store::Workspace& workspace, const std::string& name) {
    return run::get_compute(workspace.db(), name, workspace.name());
}

Result<void> update(Context& ctx, const UpdateOptions& options) {
    const std::vector<std::string> sets =
        with_flags(options.sets, {{"max_concurrent_runs", options.max_concurrent_runs},
                                  {"gpus", options.gpus},
                                  {"description", options.description}});
    if (sets.empty()) {
        return usage_error(
            "say what changes: --max-concurrent-runs N, --gpus N, --description TEXT or --set "
            "KEY=VALUE");
    }
    for (const auto& set : sets) {
        const std::string_view key = std::string_view(set).substr(0, set.find('='));
        if (key == "name" || key == "type") {
            return usage_error(
                "--set {}: a compute keeps its {} (delete it and create another "
                "to change that)",
                set, key);
        }
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(auto compute, get_compute(workspace, options.name));
    // The stored spec is JSON, which YAML reads; errors point at the overrides.
    const std::string file = fmt::format("compute '{}'", compute.name);
    TRY_ASSIGN(auto spec, compute_spec(ctx, compute.spec.dump(2), file, ctx.cwd, sets));
    if (spec.gpus != compute.gpus) {
        TRY(check_gpus(ctx, spec, options.unchecked_gpus));
    }
    return store_and_print(ctx, workspace, spec, run::Storing::update);
}

Result<void> show(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto compute, get_compute(workspace, options.name));
    TRY_ASSIGN(auto load, run::compute_load(workspace.db(), compute.name));
    const CommandSeams seams(ctx);
    output::print_record(
        ctx, compute_record(compute, load, *run::make_launcher(compute, seams.get()), true));
    return {};
}

Result<void> remove(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(end_lost_runs(ctx, workspace));
    TRY_ASSIGN(auto compute, get_compute(workspace, options.name));
    if (compute.implicit) {
        return fail("compute '{}' exists implicitly and cannot be deleted", compute.name);
    }
    TRY_ASSIGN(auto load, run::compute_load(workspace.db(), compute.name));
    const auto busy = load.active + load.queued;
    if (busy > 0 && !options.force) {
        return fail(
            "compute '{}' has {} active or queued run{}; wait for them, or --force "
            "cancels them",
            compute.name, busy, busy == 1 ? "" : "s");
    }
    if (busy > 0) {
        // The compute goes once nothing runs on it any more.
        const CommandSeams seams(ctx);
        TRY(run::stop_compute_runs(
            workspace, compute.name, seams.get(),
            [&](const std::string& name) { ctx.err << fmt::format("canceling run {}\n", name); }));
    }
    TRY(run::delete_compute(workspace.db(), compute.name));
    ctx.err << fmt::format("deleted compute '{}'{}\n", compute.name,
                           compute.name == run::k_local_compute
                               ? " (the implicit local compute, one run at a time, remains)"
                               : "");
    return {};
}

}  // namespace

void add_compute_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("compute");
    tree.add_verb<CreateOptions>(
        group, "create", "Create a compute target (type: local or slurm) from a file or flags",
        [](CLI::App& verb, CreateOptions& o) {
            verb.add_option("-f,--file", o.file, "The compute file (YAML)")->type_name(value::file);
            verb.add_option("--set", o.sets, "Override a value of the file: KEY.PATH=VALUE")
                ->type_name(value::set);
            verb.add_option("--name", o.name, "The compute's name")->type_name(value::text);
            verb.add_option("--type", o.type, "Its type: local or slurm")
                ->type_name(value::compute_type);
            verb.add_option("--max-concurrent-runs", o.max_concurrent_runs,
                            "Runs at once; more wait in Queued (default 1)")
                ->type_name("N");
            verb.add_option("--gpus", o.gpus, "GPUs the compute has")->type_name("N");
            verb.add_flag("--no-gpu-check", o.unchecked_gpus,
                          "Declare more GPUs than nvidia-smi shows on this machine");
        },
        create);
    tree.add_verb<UpdateOptions>(
        group, "update",
        "Change a compute target's values; queued runs see them at once, running ones keep "
        "theirs",
        [](CLI::App& verb, UpdateOptions& o) {
            verb.add_option("name", o.name, "The compute's name")
                ->required()
                ->type_name(value::compute);
            verb.add_option("--max-concurrent-runs", o.max_concurrent_runs,
                            "Runs at once; more wait in Queued")
                ->type_name("N");
            verb.add_option("--gpus", o.gpus, "GPUs the compute has")->type_name("N");
            verb.add_flag("--no-gpu-check", o.unchecked_gpus,
                          "Declare more GPUs than nvidia-smi shows on this machine");
            verb.add_option("--description", o.description, "Its description")
                ->type_name(value::text);
            verb.add_option("--set", o.sets, "Change any value of its file: KEY.PATH=VALUE")
                ->type_name(value::set);
        },
        update);
    tree.add_verb<std::monostate>(
        group, "list", "List compute targets (local is always there)",
        [](CLI::App&, std::monostate&) {}, list);
    tree.add_verb<NameOptions>(
        group, "show", "Show a compute target and its active and queued runs",
        [](CLI::App& verb, NameOptions& o) {
            verb.add_option("name", o.name, "The compute's name")
                ->required()
                ->type_name(value::compute);
        },
        show);
    tree.add_verb<NameOptions>(
        group, "delete", "Delete a compute target (refused while runs use it, unless --force)",
        [](CLI::App& verb, NameOptions& o) {
            verb.add_option("name", o.name, "The compute's name")
                ->required()
                ->type_name(value::compute);
            verb.add_flag("--force", o.force, "Cancel its active and queued runs first");
        },
        remove);
}

}  // namespace ferry::cli
