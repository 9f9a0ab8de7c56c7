#include <optional>
#include <string>
#include <system_error>
#include <variant>

#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/cancel.hpp"
#include "ferry/store/selection.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/time.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;
namespace fs = std::filesystem;

struct CreateOptions {
    std::string name;
    std::string path;
    std::string description;
};

struct ShowOptions {
    std::string name;
};

struct UseOptions {
    std::string name;
};

struct DeleteOptions {
    std::string name;
    bool yes = false;
    bool keep_files = false;
    bool force = false;
};

// The name the resolution order picks, for "which one is current".
std::string current_name(const Context& ctx) {
    auto choice = store::choose_workspace(ctx.workspace, ctx.env, ctx.cwd);
    return choice ? choice->name : std::string();
}

Json workspace_record(const store::RegistryEntry& entry, const std::string& current,
                      std::optional<store::WorkspaceStats> stats, std::string_view status) {
    Json record;
    record["name"] = entry.name;
    record["current"] = entry.name == current;
    record["path"] = entry.path.string();
    record["description"] = stats ? stats->description : "";
    record["created_at"] =
        stats && !stats->created_at.empty() ? stats->created_at : entry.created_at;
    record["status"] = status;
    return record;
}

Result<store::RegistryEntry> find_entry(store::Registry& registry, const std::string& name) {
    TRY_ASSIGN(auto entry, registry.find(name));
    if (!entry) {
        return usage_error("workspace '{}' does not exist", name);
    }
    return *entry;
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    std::string name = options.name;
    if (name.empty()) {
        TRY_ASSIGN(auto choice, store::choose_workspace(ctx.workspace, ctx.env, ctx.cwd));
        name = choice.name;
    }
    TRY(store::validate_workspace_name(name));
    std::optional<fs::path> path;
    if (!options.path.empty()) {
        path =
            fs::path(options.path).is_absolute() ? fs::path(options.path) : ctx.cwd / options.path;
        path = path->lexically_normal();
        if (path->has_filename() == false) {
            path = path->parent_path();
        }
    }
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    TRY_ASSIGN(auto entry,
               registry.create(name, path, options.description, util::format_utc(ctx.now())));
    TRY_ASSIGN(auto workspace, store::Workspace::open(entry.name, entry.path));
    TRY_ASSIGN(auto stats, workspace.stats());
    if (!options.description.empty() && stats.description != options.description) {
        ctx.warn(fmt::format("attached the existing workspace at {}; it keeps its description '{}'",
                             entry.path.string(), stats.description));
    }
    output::print_record(ctx, workspace_record(entry, current_name(ctx), stats, "ok"));
    return {};
}

Result<void> list(Context& ctx, const std::monostate&) {
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    TRY_ASSIGN(auto entries, registry.list());
    const std::string current = current_name(ctx);
    Json records = Json::array();
    for (const auto& entry : entries) {
        std::error_code ec;
        if (!fs::exists(entry.path, ec)) {
            ctx.warn(fmt::format("workspace '{}': {} is missing", entry.name, entry.path.string()));
            records.push_back(workspace_record(entry, current, std::nullopt, "missing"));
            continue;
        }
        auto workspace = store::Workspace::open(entry.name, entry.path);
        auto stats = workspace ? workspace->stats() : std::unexpected(workspace.error());
        if (!stats) {
            ctx.warn(stats.error().message);
            records.push_back(workspace_record(entry, current, std::nullopt, "unreadable"));
            continue;
        }
        records.push_back(workspace_record(entry, current, *stats, "ok"));
    }
    static const output::Column k_columns[] = {{"name", "NAME"},
                                               {"current", "CURRENT"},
                                               {"status", "STATUS"},
                                               {"description", "DESCRIPTION"},
                                               {"path", "PATH"}};
    // In a table a star marks the current workspace; JSON keeps the boolean.
    if (ctx.format == OutputFormat::table) {
        for (auto& record : records) {
            record["current"] = record["current"].get<bool>() ? "*" : "";
        }
    }
    output::print_list(ctx, records, k_columns);
    return {};
}

Result<void> show(Context& ctx, const ShowOptions& options) {
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    Result<store::Workspace> workspace = std::unexpected(Error{});
    if (options.name.empty()) {
        workspace = store::open_chosen_workspace(ctx, registry);
    } else {
        TRY_ASSIGN(auto entry, find_entry(registry, options.name));
        workspace = store::Workspace::open(entry.name, entry.path);
    }
    if (!workspace) {
        return std::unexpected(workspace.error());
    }
    TRY_ASSIGN(auto stats, workspace->stats());
    TRY_ASSIGN(auto entry, find_entry(registry, workspace->name()));
    Json record = workspace_record(entry, current_name(ctx), stats, "ok");
    record["database"] = (workspace->root() / store::k_workspace_db).string();
    record["schema_version"] = stats.schema_version;
    record["objects"] = {{"count", stats.blob_count}, {"bytes", stats.blob_bytes}};
    output::print_record(ctx, record);
    return {};
}

Result<void> use(Context& ctx, const UseOptions& options) {
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    TRY(find_entry(registry, options.name));
    const fs::path config = ctx.cwd / store::k_project_config;
    std::string text;
    if (auto present = util::exists(config); !present) {
        return std::unexpected(present.error());
    } else if (*present) {
        TRY_ASSIGN(auto existing, util::read_file(config));
        // Refuse to rewrite a file we cannot read back, so nothing the user wrote is lost.
        TRY(store::parse_project_config(existing, config.string()));
        text = existing;
    }
    TRY(util::create_directories(config.parent_path(), 0755));
    if (auto written =
            util::write_file_atomic(config, store::set_project_workspace(text, options.name), 0644);
        !written) {
        return written;
    }
    ctx.err << fmt::format("ferry: using workspace '{}' in {} (written to {})\n", options.name,
                           ctx.cwd.string(), config.string());
    if (ctx.workspace || ctx.env.get("FERRY_WORKSPACE")) {
        ctx.warn(fmt::format("{} is set and takes precedence over {}",
                             ctx.workspace ? "-w" : "FERRY_WORKSPACE", store::k_project_config));
    }
    return {};
}

// The workspace whose files are about to go, opened, with its lost runs ended; nullopt when
// there is no workspace to look into. One whose database cannot be opened (damaged) is
// deleted only with --force.
Result<std::optional<store::Workspace>> open_doomed(Context& ctx, const store::RegistryEntry& entry,
                                                    store::KeepFiles keep, bool force) {
    if (keep == store::KeepFiles::yes || !store::Workspace::is_workspace(entry.path)) {
        return std::optional<store::Workspace>{};
    }
    auto workspace = store::Workspace::open(entry.name, entry.path);
    if (!workspace) {
        if (!force) {
            return fail("{}; its runs cannot be checked: --force deletes it anyway",
                        workspace.error().message);
        }
        ctx.warn(fmt::format("{}; its runs cannot be checked, deleting it anyway (--force)",
                             workspace.error().message));
        return std::optional<store::Workspace>{};
    }
    TRY(end_lost_runs(ctx, *workspace));
    return std::optional<store::Workspace>(std::move(*workspace));
}

// Runs still going would go on in a deleted directory: refused unless --force. Returns how
// many there are.
Result<std::int64_t> check_runs(store::Workspace& workspace, const DeleteOptions& options) {
    TRY_ASSIGN(const auto unfinished, run::count_unfinished(workspace.db()));
    const auto busy = unfinished.active + unfinished.queued;
    if (busy > 0 && !options.force) {
        return fail(
            "workspace '{}' has {} active and {} queued runs; wait for them, or --force "
            "cancels them",
            options.name, unfinished.active, unfinished.queued);
    }
    return busy;
}

// --force: cancels every unfinished run and waits for their ends.
Result<void> cancel_runs(Context& ctx, store::Workspace& workspace) {
    const CommandSeams seams(ctx);
    TRY_ASSIGN(
        const auto outcomes,
        run::stop_runs(
            workspace, [](const run::RunRecord&) { return true; }, seams.get(),
            [&](const std::string& name) { ctx.err << fmt::format("canceling run {}\n", name); }));
    for (const auto& outcome : outcomes) {
        ctx.err << fmt::format(
            "run {} ended {}{}\n", outcome.run.name, run::status_name(outcome.run.status),
            outcome.forced ? " (its supervisor did not answer; ferry stopped the job itself)" : "");
    }
    return {};
}

Result<void> remove(Context& ctx, const DeleteOptions& options) {
    TRY_ASSIGN(auto registry, store::open_registry(ctx));
    TRY_ASSIGN(auto entry, find_entry(registry, options.name));
    const auto keep = options.keep_files ? store::KeepFiles::yes : store::KeepFiles::no;
    TRY_ASSIGN(auto workspace, open_doomed(ctx, entry, keep, options.force));
    std::int64_t busy = 0;
    if (workspace) {
        TRY_ASSIGN(busy, check_runs(*workspace, options));
    }
    if (!options.yes) {
        if (!ctx.terminal.stdin_is_tty) {
            return usage_error(
                "refusing to delete workspace '{}' without --yes (stdin is not a terminal)",
                options.name);
        }
        const std::string what = keep == store::KeepFiles::yes
                                     ? fmt::format("Forget workspace '{}' (its files at {} stay)?",
                                                   options.name, entry.path.string())
                                     : fmt::format("Delete workspace '{}' and everything in {}?",
                                                   options.name, entry.path.string());
        if (!ctx.confirm(what)) {
            return fail("workspace '{}' not deleted", options.name);
        }
    }
    if (busy > 0) {
        TRY(cancel_runs(ctx, *workspace));
    }
    workspace.reset();  // closed before its directory goes
    TRY(registry.remove(entry, keep));
    ctx.err << fmt::format("ferry: deleted workspace '{}'{}\n", options.name,
                           keep == store::KeepFiles::yes
                               ? fmt::format(" (files kept at {})", entry.path.string())
                               : "");
    if (options.name == store::k_default_workspace) {
        ctx.err << "ferry: the default workspace is created again, empty, on next use\n";
    }
    return {};
}

}  // namespace

void add_workspace_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("workspace");
    group->footer(
        "A workspace holds runs, environments, datasets and models. Commands use the one\n"
        "given by -w, else FERRY_WORKSPACE, else the nearest .ferry/config.yaml, else 'default'.");
    tree.add_verb<CreateOptions>(
        group, "create", "Create a workspace (or attach an existing one with --path)",
        [](CLI::App& app, CreateOptions& o) {
            app.add_option("name", o.name, "Workspace name (default: the resolved one)")
                ->type_name("NAME");
            app.add_option("--path", o.path, "Directory to keep it in, e.g. on a shared filesystem")
                ->type_name(value::dir);
            app.add_option("--description", o.description, "What the workspace is for")
                ->type_name(value::text);
        },
        create);
    tree.add_verb<std::monostate>(
        group, "list", "List workspaces; a star marks the current one",
        [](CLI::App&, std::monostate&) {}, list);
    tree.add_verb<ShowOptions>(
        group, "show", "Show a workspace (default: the current one)",
        [](CLI::App& app, ShowOptions& o) {
            app.add_option("name", o.name, "Workspace name")->type_name(value::workspace);
        },
        show);
    tree.add_verb<UseOptions>(
        group, "use", "Use a workspace in this directory and below (.ferry/config.yaml)",
        [](CLI::App& app, UseOptions& o) {
            app.add_option("name", o.name, "Workspace name")
                ->required()
                ->type_name(value::workspace);
        },
        use);
    tree.add_verb<DeleteOptions>(
        group, "delete", "Delete a workspace and its files",
        [](CLI::App& app, DeleteOptions& o) {
            app.add_option("name", o.name, "Workspace name")
                ->required()
                ->type_name(value::workspace);
            app.add_flag("-y,--yes", o.yes, "Do not ask for confirmation");
            app.add_flag("--keep-files", o.keep_files, "Only forget the name; keep the directory");
            app.add_flag("--force", o.force,
                         "Cancel its active and queued runs, wait for their end, then delete");
        },
        remove);
    add_workspace_care_verbs(tree, group);
}

}  // namespace ferry::cli
