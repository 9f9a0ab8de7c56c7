// `ferry dataset create|list|show|files|download|archive|restore` (validate and schema are
// spec verbs).
#include "asset_records.hpp"
#include "asset_support.hpp"
#include "ferry/assets/data.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/spec/load.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

namespace fs = std::filesystem;
using output::Json;

struct CreateOptions : CreateFlags {
    std::vector<std::string> paths;
    std::string type;
};

using ListOptions = ListFlags;

struct NameOptions {
    std::string name;
    bool refresh = false;
    std::string directory;
    bool overwrite = false;
};

Result<void> create(Context& ctx, const CreateOptions& options) {
    TRY_ASSIGN(auto sets, flag_sets(options, {{"type", options.type}}));
    // Paths given as flags are the caller's: absolute before the spec sees them.
    // URLs (http(s), Azure storage, datastore paths) and azureml: references stay as written.
    const auto flag_path = [&](const std::string& path) {
        return path.find("://") != std::string::npos || path.starts_with("azureml:")
                   ? path
                   : absolute_from(ctx, path).string();
    };
    if (options.paths.size() == 1) {
        sets.push_back("path=" + flag_path(options.paths.front()));
    } else if (options.paths.size() > 1 && !options.file.empty()) {
        return usage_error("several paths go in the file's 'paths', or all in --path flags");
    }
    if (options.file.empty() && options.name.empty()) {
        return usage_error("give -f DATA_FILE, or --name NAME and --path PATH");
    }
    TRY_ASSIGN(auto source, read_spec_text(ctx, options.file));
    if (options.paths.size() > 1) {
        Json several;
        for (const auto& path : options.paths) {
            several["paths"].push_back(flag_path(path));
        }
        source.text = several.dump() + "\n";  // JSON is YAML
    }
    TRY_ASSIGN(auto spec, load_spec(ctx, source, sets, [](auto&&... args) {
                   return spec::load_data(std::forward<decltype(args)>(args)...);
               }));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(auto created, assets::create_dataset(workspace, spec, source.file, stamp(ctx).text,
                                                    upload_progress(ctx)));
    for (const auto& warning : created.warnings) {
        ctx.warn(warning);
    }
    output::print_record(ctx, dataset_record(workspace.db(), created));
    return {};
}

Result<void> list(Context& ctx, const ListOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(auto rows, dataset_list(workspace, options));
    if (ctx.format == OutputFormat::table || ctx.format == OutputFormat::tsv) {
        for (auto& row : rows) {
            for (const char* key : {"files", "bytes"}) {
                if (row[key].is_null()) {
                    row[key] = "-";  // a URL dataset not fetched yet
                }
            }
        }
    }
    static const std::vector<output::Column> columns = {
        {"name", "NAME"},
        {"version", "VERSION"},
        {"type", "TYPE"},
        {"files", "FILES"},
        {"bytes", "SIZE", output::Cell::bytes},
        {"created_at", "CREATED", output::Cell::time},
        {"description", "DESCRIPTION"}};
    output::print_list(ctx, rows, columns);
    return {};
}

Result<void> show(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto record, dataset_show(workspace, options.name));
    output::print_record(ctx, record);
    return {};
}

Result<assets::Content> content_of(Context& ctx, store::Workspace& workspace,
                                   const NameOptions& options, std::string& label) {
    TRY_ASSIGN(auto record, find_dataset(workspace, options.name));
    label = record.label();
    return assets::dataset_content(workspace, record, options.refresh, stamp(ctx).text);
}

Result<void> files(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    std::string label;
    TRY_ASSIGN(auto content, content_of(ctx, workspace, options, label));
    TRY_ASSIGN(auto entries, assets::read_content(workspace.blobs(), content.id));
    Json rows = Json::array();
    for (const auto& entry : entries) {
        rows.push_back({{"path", entry.path}, {"size", entry.size}});
    }
    static const std::vector<output::Column> columns = {{"path", "PATH"},
                                                        {"size", "SIZE", output::Cell::bytes}};
    output::print_list(ctx, rows, columns);
    return {};
}

Result<void> download(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    std::string label;
    TRY_ASSIGN(auto content, content_of(ctx, workspace, options, label));
    return download_content(ctx, workspace, content.id, options.directory, options.overwrite,
                            "dataset " + label);
}

void add_name(CLI::App& verb, std::string& name) {
    verb.add_option("name", name, "NAME, NAME:VERSION or NAME@latest")
        ->required()
        ->type_name(value::dataset);
}

}  // namespace

void add_dataset_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("dataset");
    tree.add_verb<CreateOptions>(
        group, "create", "Register a new version of a dataset from a file or flags",
        [](CLI::App& verb, CreateOptions& o) {
            add_spec_flags(verb, o, "data", "dataset");
            verb.add_option("--path", o.paths,
                            "A local file or folder, or an http(s) URL (repeatable)")
                ->type_name(value::path);
            verb.add_option("--type", o.type, "uri_folder (default) or uri_file")
                ->type_name(value::text);
            add_about_flags(verb, o, "What it holds");
        },
        create);
    tree.add_verb<ListOptions>(
        group, "list", "List datasets: the latest version of each",
        [](CLI::App& verb, ListOptions& o) { add_list_flags(verb, o); }, list);
    tree.add_verb<NameOptions>(
        group, "show", "Show a dataset version",
        [](CLI::App& verb, NameOptions& o) { add_name(verb, o.name); }, show);
    tree.add_verb<NameOptions>(
        group, "files", "List a dataset's files and their sizes",
        [](CLI::App& verb, NameOptions& o) {
            add_name(verb, o.name);
            verb.add_flag("--refresh", o.refresh, "Fetch a URL dataset again");
        },
        files);
    tree.add_verb<NameOptions>(
        group, "download", "Write a dataset's files into a directory",
        [](CLI::App& verb, NameOptions& o) {
            add_name(verb, o.name);
            verb.add_option("-p,--path", o.directory, "The directory (default: the current one)")
                ->type_name(value::dir);
            verb.add_flag("--overwrite", o.overwrite, "Replace files that differ");
            verb.add_flag("--refresh", o.refresh, "Fetch a URL dataset again");
        },
        download);
    add_archive_verbs(tree, group, store::AssetKind::data, value::dataset);
}

}  // namespace ferry::cli
