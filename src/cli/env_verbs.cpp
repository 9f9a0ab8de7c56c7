// `ferry env create|list|show|build|archive|restore` (validate and schema are spec verbs).
#include "asset_records.hpp"
#include "asset_support.hpp"
#include "env_map.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/env/curated.hpp"
#include "ferry/env/materialize.hpp"
#include "ferry/env/registry.hpp"
#include "ferry/output/render.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct CreateOptions : CreateFlags {
    std::string image;
    std::string conda_file;
    std::string build_context;
    std::string dockerfile_path;
    std::string pip_requirements;
    std::string from_curated;
};

using ListOptions = ListFlags;

struct NamesOptions {
    std::vector<std::string> names;
};

// An environment file that stands for a curated environment: its name, and a conda file of
// the Python and packages Azure's definition pins.
Result<SpecText> curated_spec(const Context& ctx, const std::string& name) {
    const auto* curated = env::find_curated(name);
    if (curated == nullptr) {
        std::vector<std::string> names;
        for (const auto& known : env::curated_environments()) {
            names.emplace_back(known.name);
        }
        return usage_error(
            "--from-curated: '{}' is not a curated environment ferry knows{} "
            "(known: {})",
            util::escape_control(name), util::did_you_mean(name, names), fmt::join(names, ", "));
    }
    Json spec;
    spec["name"] = curated->name;
    spec["description"] =
        fmt::format("Azure ML curated environment {} (Python {}; Azure's image {})", curated->name,
                    curated->python, curated->image);
    spec["tags"] = {{"curated", curated->name}, {"source", env::curated_source(*curated)}};
    spec["conda_file"] = env::curated_conda(*curated);
    return SpecText{.text = spec.dump(2) + "\n",  // JSON is YAML
                    .file = fmt::format("curated {}", curated->name),
                    .base = ctx.cwd};
}

Result<spec::EnvironmentSpec> read_spec(Context& ctx, const CreateOptions& options) {
    // Flags are --set values over the file; their paths are the caller's, made absolute.
    TRY_ASSIGN(auto sets, flag_sets(options, {{"image", options.image}}));
    const auto path_of = [&](const std::string& value) {
        return absolute_from(ctx, value).string();
    };
    if (!options.conda_file.empty()) {
        sets.push_back("conda_file=" + path_of(options.conda_file));
    }
    if (!options.pip_requirements.empty()) {
        sets.push_back("pip_requirements=" + path_of(options.pip_requirements));
    }
    if (!options.build_context.empty()) {
        sets.push_back("build.path=" + path_of(options.build_context));
    }
    if (!options.dockerfile_path.empty()) {
        sets.push_back("build.dockerfile_path=" + options.dockerfile_path);
    }
    if (options.file.empty() && options.name.empty() && options.from_curated.empty()) {
        return usage_error(
            "give -f ENVIRONMENT_FILE, --from-curated NAME, or --name NAME and what it is made of");
    }
    TRY_ASSIGN(auto source, options.from_curated.empty() ? read_spec_text(ctx, options.file)
                                                         : curated_spec(ctx, options.from_curated));
    return load_spec(ctx, source, sets, [](auto&&... args) {
        return spec::load_environment(std::forward<decltype(args)>(args)...);
    });
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    TRY_ASSIGN(auto spec, read_spec(ctx, options));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    const std::string file = options.file.empty() ? "command line" : options.file;
    // Refused before the build context is stored.
    TRY(store::check_new_version(workspace.db(), store::AssetKind::environment, spec.name,
                                 spec.version));
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    TRY_ASSIGN(auto defined, env::define(spec, file, &workspace, stamp(ctx).text));
    for (const auto& warning : defined.warnings) {
        ctx.warn(warning);
    }
    env::EnvironmentRecord record;
    record.environment = std::move(defined);
    record.description = spec.description;
    record.tags = spec.tags;
    TRY_ASSIGN(auto created,
               env::create_environment(workspace.db(), std::move(record), stamp(ctx).text));
    output::print_record(ctx, environment_record(created, std::nullopt));
    return {};
}

Result<void> list(Context& ctx, const ListOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto rows, environment_list(workspace, options));
    static const std::vector<output::Column> columns = {
        {"name", "NAME"},
        {"version", "VERSION"},
        {"runtime", "RUNTIME"},
        {"hash", "HASH"},
        {"created_at", "CREATED", output::Cell::time},
        {"description", "DESCRIPTION"}};
    output::print_list(ctx, rows, columns);
    return {};
}

Result<void> show(Context& ctx, const NamesOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto record, environment_show(workspace, options.names.front(), ctx.runner));
    output::print_record(ctx, record);
    return {};
}

Result<void> build(Context& ctx, const NamesOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    std::vector<env::EnvironmentRecord> records;
    for (const auto& name : options.names) {
        TRY_ASSIGN(auto record, find_environment(workspace, name));
        records.push_back(std::move(record));
    }
    InterruptGuard guard;
    Runner& runner = ctx.runner;
    Json built = Json::array();
    for (const auto& record : records) {
        const auto& environment = record.environment;
        if (auto possible = env::check_can_materialize(environment, runner); !possible) {
            return std::unexpected(
                with_context(possible.error(), fmt::format("environment {}", environment.label())));
        }
        env::MaterializeContext context;
        context.workspace_root = workspace.root();
        context.blobs = &workspace.blobs();
        context.runner = &runner;
        context.log_fd = 2;
        context.keep_going = [] { return !InterruptGuard::interrupted(); };
        context.note = [&](const std::string& text) {
            ctx.err << fmt::format("environment {}: {}\n", environment.label(), text) << std::flush;
        };
        auto made = env::materialize(environment, context);
        if (!made) {
            if (InterruptGuard::interrupted()) {
                return std::unexpected(Error{ExitCode::detached, "interrupted"});
            }
            Error error =
                with_context(made.error(), fmt::format("environment {}", environment.label()));
            error.code = ExitCode::failure;
            return std::unexpected(error);
        }
        Json row;
        row["name"] = environment.name;
        row["version"] = environment.version;
        row["runtime"] = env::kind_name(environment.kind);
        row["hash"] = environment.hash;
        row["cache"] = env::cache_outcome_name(made->cache);
        row["location"] = made->location;
        row["seconds"] = made->seconds;
        built.push_back(std::move(row));
    }
    static const std::vector<output::Column> columns = {{"name", "NAME"},
                                                        {"version", "VERSION"},
                                                        {"runtime", "RUNTIME"},
                                                        {"cache", "CACHE"},
                                                        {"location", "LOCATION"}};
    output::print_list(ctx, built, columns);
    return {};
}

}  // namespace

void add_env_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("env");
    tree.add_verb<CreateOptions>(
        group, "create", "Register a new version of an environment from a file or flags",
        [](CLI::App& verb, CreateOptions& o) {
            CLI::Option* file = add_spec_flags(verb, o, "environment", "environment");
            verb.add_option("--image", o.image, "A container image to run in")
                ->type_name(value::text);
            verb.add_option("--conda-file", o.conda_file, "A conda environment file")
                ->type_name(value::file);
            verb.add_option("--build-context", o.build_context, "A Docker build context directory")
                ->type_name(value::dir);
            verb.add_option("--dockerfile-path", o.dockerfile_path,
                            "The Dockerfile, relative to the build context (default Dockerfile)")
                ->type_name(value::text);
            verb.add_option("--pip-requirements", o.pip_requirements,
                            "A pip requirements file (a venv on the host's python3)")
                ->type_name(value::file);
            verb.add_option("--from-curated", o.from_curated,
                            "Write the conda definition of an Azure curated environment (its "
                            "Python and pinned packages; named as it, unless --name)")
                ->type_name(value::curated)
                ->excludes(file);
            add_about_flags(verb, o, "What it is for");
        },
        create);
    tree.add_verb<ListOptions>(
        group, "list", "List environments: the latest version of each",
        [](CLI::App& verb, ListOptions& o) { add_list_flags(verb, o); }, list);
    tree.add_verb<NamesOptions>(
        group, "show", "Show an environment: definition, hash, materialization",
        [](CLI::App& verb, NamesOptions& o) {
            verb.add_option("name", o.names, "NAME, NAME:VERSION or NAME@latest")
                ->required()
                ->expected(1)
                ->type_name(value::environment);
        },
        show);
    tree.add_verb<NamesOptions>(
        group, "build", "Materialize environments now (pre-warm the cache)",
        [](CLI::App& verb, NamesOptions& o) {
            verb.add_option("names", o.names, "NAME, NAME:VERSION or NAME@latest (several)")
                ->required()
                ->type_name(value::environment);
        },
        build);
    add_env_map_verb(tree, group);
    add_archive_verbs(tree, group, store::AssetKind::environment, value::environment);
}

}  // namespace ferry::cli
