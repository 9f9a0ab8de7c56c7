// `ferry compute create|list|show|delete`.
#include <signal.h>

#include "ferry/cli/command_tree.hpp"
#include "ferry/env/command.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/slurm.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/util/fs.hpp"
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
};

struct NameOptions {
    std::string name;
    bool force = false;
};

Json compute_record(const run::ComputeRecord& compute, const run::ComputeLoad& load) {
    Json record;
    record["name"] = compute.name;
    record["type"] = compute.type;
    const bool slurm = compute.type == "slurm";
    record["max_concurrent_runs"] = slurm ? Json(nullptr) : Json(compute.max_concurrent_runs);
    record["gpus"] = compute.gpus ? Json(*compute.gpus) : Json(nullptr);
    if (slurm) {
        const auto cluster = run::slurm::Cluster::from_spec(compute.spec);
        auto or_null = [](const std::string& text) {
            return text.empty() ? Json(nullptr) : Json(text);
        };
        record["partition"] = or_null(cluster.partition);
        record["account"] = or_null(cluster.account);
        record["qos"] = or_null(cluster.qos);
        record["max_instances"] =
            cluster.max_instances ? Json(*cluster.max_instances) : Json(nullptr);
        Json arguments = Json::array();
        for (const auto& argument : cluster.sbatch_args) {
            arguments.push_back(argument);
        }
        record["sbatch_args"] = std::move(arguments);
        record["workspace_path"] = or_null(cluster.workspace_path);
        record["ferry_path"] = or_null(cluster.ferry_path);
    }
    record["description"] = compute.description;
    record["created_at"] = compute.created_at.empty() ? Json(nullptr) : Json(compute.created_at);
    record["implicit"] = compute.implicit;
    record["active_runs"] = load.active;
    record["queued_runs"] = load.queued;
    return record;
}

Result<spec::ComputeSpec> read_spec(const Context& ctx, const CreateOptions& options) {
    // Flags are --set values over the file (or over nothing).
    std::vector<std::string> sets = options.sets;
    for (const auto& [key, value] :
         {std::pair{"name", options.name}, std::pair{"type", options.type},
          std::pair{"max_concurrent_runs", options.max_concurrent_runs},
          std::pair{"gpus", options.gpus}}) {
        if (!value.empty()) {
            sets.push_back(fmt::format("{}={}", key, value));
        }
    }
    if (options.file.empty() && options.type.empty()) {
        sets.emplace_back("type=local");  // the only type a command line needs to say nothing of
    }
    std::string text = "{}\n";
    std::string file = "command line";
    fs::path base = ctx.cwd;
    if (!options.file.empty()) {
        const fs::path path =
            fs::path(options.file).is_absolute() ? fs::path(options.file) : ctx.cwd / options.file;
        auto read = util::read_file(path);
        if (!read) {
            return std::unexpected(Error{ExitCode::usage, read.error().message});
        }
        text = std::move(*read);
        file = options.file;
        base = path.parent_path();
    } else if (options.name.empty()) {
        return usage_error("give -f COMPUTE_FILE, or --name NAME (and --type local)");
    }
    auto spec = spec::load_compute(text, file, base, sets);
    if (!spec) {
        ctx.err << spec::render(spec.error(), text);
        const auto count = spec.error().size();
        return usage_error("{}: {} error{}", file, count, count == 1 ? "" : "s");
    }
    if (spec->type != "local" && spec->type != "slurm") {
        return usage_error(
            "{}: compute type '{}' is not supported by this version of ferry yet "
            "(use type: local or slurm)",
            file, spec->type);
    }
    if (!spec->workspace_path.empty() && !fs::path(spec->workspace_path).is_absolute()) {
        return usage_error(
            "{}: workspace_path '{}' is not absolute (it is the workspace's directory as the "
            "nodes see it)",
            file, spec->workspace_path);
    }
    return std::move(*spec);
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    auto spec = read_spec(ctx, options);
    if (!spec) {
        return std::unexpected(spec.error());
    }
    auto workspace = open_run_workspace(ctx);
    if (!workspace) {
        return std::unexpected(workspace.error());
    }
    auto created = run::insert_compute(workspace->db(), *spec, stamp(ctx).text);
    if (!created) {
        return std::unexpected(created.error());
    }
    auto load = run::compute_load(workspace->db(), created->name);
    if (!load) {
        return std::unexpected(load.error());
    }
    output::print_record(ctx, compute_record(*created, *load));
    return {};
}

Result<void> list(Context& ctx, const std::monostate& /*options*/) {
    auto workspace = open_run_workspace(ctx);
    if (!workspace) {
        return std::unexpected(workspace.error());
    }
    auto computes = run::list_computes(workspace->db());
    if (!computes) {
        return std::unexpected(computes.error());
    }
    Json records = Json::array();
    for (const auto& compute : *computes) {
        auto load = run::compute_load(workspace->db(), compute.name);
        if (!load) {
            return std::unexpected(load.error());
        }
        records.push_back(compute_record(compute, *load));
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
    auto compute = run::find_compute(workspace.db(), name);
    if (!compute) {
        return std::unexpected(compute.error());
    }
    if (!*compute) {
        return fail("no compute named '{}' in workspace '{}' (see 'ferry compute list')", name,
                    workspace.name());
    }
    return std::move(**compute);
}

Result<void> show(Context& ctx, const NameOptions& options) {
    auto workspace = open_run_workspace(ctx);
    if (!workspace) {
        return std::unexpected(workspace.error());
    }
    auto compute = get_compute(*workspace, options.name);
    if (!compute) {
        return std::unexpected(compute.error());
    }
    auto load = run::compute_load(workspace->db(), compute->name);
    if (!load) {
        return std::unexpected(load.error());
    }
    Json record = compute_record(*compute, *load);
    if (compute->type == "slurm") {
        env::SystemRunner runner(ctx.env.variables());
        record["nodes"] =
            run::slurm::partition_nodes(runner, run::slurm::Cluster::from_spec(compute->spec));
    }
    output::print_record(ctx, record);
    return {};
}

Result<void> remove(Context& ctx, const NameOptions& options) {
    auto workspace = open_run_workspace(ctx);
    if (!workspace) {
        return std::unexpected(workspace.error());
    }
    auto compute = get_compute(*workspace, options.name);
    if (!compute) {
        return std::unexpected(compute.error());
    }
    if (compute->implicit) {
        return fail("compute '{}' exists implicitly and cannot be deleted", compute->name);
    }
    auto load = run::compute_load(workspace->db(), compute->name);
    if (!load) {
        return std::unexpected(load.error());
    }
    const auto busy = load->active + load->queued;
    if (busy > 0 && !options.force) {
        return fail(
            "compute '{}' has {} active or queued run{}; wait for them, or --force "
            "cancels them",
            compute->name, busy, busy == 1 ? "" : "s");
    }
    if (busy > 0) {
        auto runs = run::unfinished_runs(workspace->db());
        if (!runs) {
            return std::unexpected(runs.error());
        }
        std::vector<std::string> canceled;
        for (const auto& run : *runs) {
            if (run.compute != compute->name) {
                continue;
            }
            if (auto asked = run::request_cancel(workspace->db(), run.name, 10, stamp(ctx));
                asked) {
                poke_supervisor(run, SIGUSR1);
                ctx.err << fmt::format("canceling run {}\n", run.name);
                canceled.push_back(run.name);
            }
        }
        // The compute goes once nothing runs on it any more.
        run::FollowOptions follow;
        follow.now = clock_of(ctx);
        for (const auto& name : canceled) {
            if (auto ended = run::wait_for_end(*workspace, name, follow); !ended) {
                return std::unexpected(ended.error());
            }
        }
    }
    auto deleted = run::delete_compute(workspace->db(), compute->name);
    if (!deleted) {
        return std::unexpected(deleted.error());
    }
    ctx.err << fmt::format("deleted compute '{}'{}\n", compute->name,
                           compute->name == run::k_local_compute
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
                ->type_name(value::text);
            verb.add_option("--name", o.name, "The compute's name")->type_name(value::text);
            verb.add_option("--type", o.type, "Its type: local or slurm")
                ->type_name(value::compute_type);
            verb.add_option("--max-concurrent-runs", o.max_concurrent_runs,
                            "Runs at once; more wait in Queued (default 1)")
                ->type_name("N");
            verb.add_option("--gpus", o.gpus, "GPUs the compute has")->type_name("N");
        },
        create);
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
