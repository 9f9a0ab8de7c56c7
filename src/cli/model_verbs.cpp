// `ferry model create|register|list|show|download|archive|restore` (validate and schema are
// spec verbs).
#include "asset_records.hpp"
#include "asset_support.hpp"
#include "ferry/assets/model.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/status.hpp"
#include "ferry/run/storage.hpp"
#include "ferry/spec/load.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

constexpr std::string_view k_job_outputs = "azureml://jobs/";

namespace fs = std::filesystem;
using output::Json;

struct CreateOptions : CreateFlags {
    std::string run;
    std::string path;
    std::string type;
    std::string framework;
    std::string framework_version;
    std::vector<std::string> properties;
    bool from_run = false;  // register, which takes --run
};

using ListOptions = ListFlags;

struct NameOptions {
    std::string name;
    std::string directory;
    bool overwrite = false;
};

// The model's lineage and files from a run that has ended.
Result<assets::ModelRecord> register_from_run(Context& ctx, store::Workspace& workspace,
                                              assets::ModelRecord record,
                                              const std::string& run_name) {
    TRY_ASSIGN(auto found, run::find_run(workspace.db(), run_name));
    if (!found) {
        return usage_error("no run named '{}' in workspace '{}'", run_name, workspace.name());
    }
    // A sweep's outputs are its best trial's, a reused step's those of the run it reused.
    TRY_ASSIGN(const auto run, run::is_terminal(found->status)
                                   ? run::outputs_of(workspace.db(), *found)
                                   : Result<run::RunRecord>(*found));
    if (!run::is_terminal(run.status)) {
        return fail("run {} is {}: a model is registered from a run that has ended", run.name,
                    run::status_name(run.status));
    }
    if (run.artifacts.empty()) {
        return fail("run {} stored no files", run.name);
    }
    record.lineage = run::model_lineage(run);
    auto registered =
        assets::register_run_model(workspace, std::move(record), run.artifacts, stamp(ctx).text);
    constexpr std::string_view k_missing = "no file at ";
    if (registered || !registered.error().message.starts_with(k_missing)) {
        return registered;
    }
    // Say what the run has, so the right path is one look away.
    auto entries = assets::read_content(workspace.blobs(), run.artifacts);
    std::vector<std::string> outputs;
    if (entries) {
        for (const auto& entry : *entries) {
            if (entry.path.starts_with("outputs/") && outputs.size() < 10) {
                outputs.push_back(entry.path);
            }
        }
    }
    return usage_error("run {} has no file at {}; {}", run.name,
                       registered.error().message.substr(k_missing.size()),
                       outputs.empty()
                           ? std::string("it has nothing under outputs/")
                           : fmt::format("under outputs/ it has: {}", fmt::join(outputs, ", ")));
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    TRY_ASSIGN(auto sets, flag_sets(options, {{"type", options.type},
                                              {"framework", options.framework},
                                              {"framework_version", options.framework_version}}));
    // azureml://jobs/RUN/outputs/NAME[/paths/P]: a run's files, as --run RUN --path would name
    // them.
    std::optional<Json> job_output;
    if (options.path.starts_with(k_job_outputs)) {
        if (!options.run.empty()) {
            return usage_error("--run and an {} path name the run twice; give one", k_job_outputs);
        }
        TRY_ASSIGN(job_output, run::parse_job_output(options.path));
    }
    if (!options.path.empty()) {
        // A run's artifact path stays as written; a local one is the caller's.
        sets.push_back("path=" + (options.run.empty() && !job_output
                                      ? absolute_from(ctx, options.path).string()
                                      : options.path));
    }
    TRY(add_pair_sets(options.properties, "--property", "properties", sets));
    if (options.file.empty() && (options.name.empty() || options.path.empty())) {
        return usage_error(
            "give -f MODEL_FILE, or --name NAME and --path PATH{}",
            options.from_run ? " (with --run RUN for a path of a run's outputs)" : "");
    }
    TRY_ASSIGN(auto source, read_spec_text(ctx, options.file));
    TRY_ASSIGN(auto spec, load_spec(ctx, source, sets, [](auto&&... args) {
                   return spec::load_model(std::forward<decltype(args)>(args)...);
               }));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    assets::ModelRecord record;
    record.name = spec.name;
    record.version = spec.version;
    record.description = spec.description;
    record.tags = spec.tags;
    record.properties = spec.properties;
    record.type = spec.type;
    record.framework = spec.framework;
    record.framework_version = spec.framework_version;
    record.stage = spec.stage;
    Result<assets::ModelRecord> registered = std::unexpected(Error{});
    if (!job_output && spec.path.kind == spec::ReferenceKind::azure_job_output) {
        TRY_ASSIGN(job_output, run::parse_job_output(spec.path.text));
    }
    if (job_output) {
        record.path = run::stored_path(*job_output);
        registered = register_from_run(ctx, workspace, std::move(record),
                                       job_output->at("run").get<std::string>());
    } else if (!options.run.empty()) {
        // A path of the run's files: as written (the file's `path:` was read as a local one).
        record.path = !options.path.empty() ? options.path : spec.path.text;
        registered = register_from_run(ctx, workspace, std::move(record), options.run);
    } else {
        if (spec.path.kind != spec::ReferenceKind::local_path) {
            return usage_error(
                "{}: path '{}': a model is a local file or folder, or a path of "
                "a run's outputs with --run",
                source.file, spec.path.text);
        }
        record.path = spec.path.path.string();
        registered = assets::register_local_model(workspace, std::move(record), source.file,
                                                  stamp(ctx).text, upload_progress(ctx));
    }
    if (!registered) {
        return std::unexpected(registered.error());
    }
    for (const auto& warning : registered->warnings) {
        ctx.warn(warning);
    }
    output::print_record(ctx, model_record(*registered));
    return {};
}

Result<void> list(Context& ctx, const ListOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto rows, model_list(workspace, options));
    static const std::vector<output::Column> columns = {
        {"name", "NAME"}, {"version", "VERSION"},
        {"type", "TYPE"}, {"framework", "FRAMEWORK"},
        {"run", "RUN"},   {"created_at", "CREATED", output::Cell::time}};
    output::print_list(ctx, rows, columns);
    return {};
}

Result<void> show(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto record, model_show(workspace, options.name));
    output::print_record(ctx, record);
    return {};
}

Result<void> download(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(auto record, find_model(workspace, options.name));
    return download_content(ctx, workspace, record.content, options.directory, options.overwrite,
                            "model " + record.label());
}

void add_name(CLI::App& verb, std::string& name) {
    verb.add_option("name", name, "NAME, NAME:VERSION or NAME@latest")
        ->required()
        ->type_name(value::model);
}

void add_create_options(CLI::App& verb, CreateOptions& o, bool from_run) {
    o.from_run = from_run;
    add_spec_flags(verb, o, "model", "model");
    if (from_run) {
        verb.add_option("--run", o.run, "The run whose outputs hold the model")
            ->type_name(value::run);
        verb.add_option("--path", o.path,
                        "The model's path: in the run's files (outputs/model), or a local one")
            ->type_name(value::path);
    } else {
        verb.add_option("--path", o.path, "The model's local file or folder (with --name)")
            ->type_name(value::path);
    }
    verb.add_option("--type", o.type, "custom_model (default), mlflow_model or triton_model")
        ->type_name(value::text);
    verb.add_option("--framework", o.framework, "Its framework (e.g. scikit-learn)")
        ->type_name(value::text);
    verb.add_option("--framework-version", o.framework_version, "The framework's version")
        ->type_name(value::text);
    add_about_flags(verb, o, "What it is");
    verb.add_option("--property", o.properties, "A property KEY=VALUE (repeatable)")
        ->type_name(value::text);
}

}  // namespace

void add_model_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("model");
    tree.add_verb<CreateOptions>(
        group, "create", "Register a new version of a model from a file",
        [](CLI::App& verb, CreateOptions& o) { add_create_options(verb, o, false); }, create);
    tree.add_verb<CreateOptions>(
        group, "register", "Register a model from a run's outputs (--run) or a local path",
        [](CLI::App& verb, CreateOptions& o) { add_create_options(verb, o, true); }, create);
    tree.add_verb<ListOptions>(
        group, "list", "List models: the latest version of each",
        [](CLI::App& verb, ListOptions& o) { add_list_flags(verb, o); }, list);
    tree.add_verb<NameOptions>(
        group, "show", "Show a model version and its lineage",
        [](CLI::App& verb, NameOptions& o) { add_name(verb, o.name); }, show);
    tree.add_verb<NameOptions>(
        group, "download", "Write a model's files into a directory",
        [](CLI::App& verb, NameOptions& o) {
            add_name(verb, o.name);
            verb.add_option("-p,--path", o.directory, "The directory (default: the current one)")
                ->type_name(value::dir);
            verb.add_flag("--overwrite", o.overwrite, "Replace files that differ");
        },
        download);
    add_archive_verbs(tree, group, store::AssetKind::model, value::model);
}

}  // namespace ferry::cli
