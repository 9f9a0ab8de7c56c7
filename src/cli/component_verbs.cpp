// `ferry component create|list|show|archive|restore` (validate and schema are spec verbs).
#include "asset_support.hpp"
#include "ferry/assets/component.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/locate.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;

using CreateOptions = CreateFlags;
using ListOptions = ListFlags;

struct NameOptions {
    std::string name;
};

Json component_record(const assets::ComponentRecord& record) {
    const auto& spec = record.spec;
    Json json;
    json["name"] = spec.name;
    json["version"] = spec.version;
    json["display_name"] = spec.display_name;
    json["description"] = spec.description;
    json["tags"] = pairs_json(spec.tags);
    json["is_deterministic"] = spec.is_deterministic;
    json["snapshot"] = record.snapshot.empty() ? Json(nullptr) : Json(record.snapshot);
    json["files"] = record.files;
    json["bytes"] = record.bytes;
    json["created_at"] = record.created_at;
    json["archived"] = record.archived;
    json["spec"] = spec.to_json();
    return json;
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    TRY_ASSIGN(const auto sets, flag_sets(options));
    TRY_ASSIGN(const auto source, read_spec_text(ctx, options.file));
    TRY_ASSIGN(const auto spec, load_spec(ctx, source, sets, [](auto&&... args) {
                   return spec::load_component(std::forward<decltype(args)>(args)...);
               }));
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    const assets::ComponentOrigin origin{spec::locate(source.text, source.file, "code")};
    TRY_ASSIGN(auto created,
               assets::create_component(ctx, workspace, spec, origin, upload_progress(ctx)));
    output::print_record(ctx, component_record(created));
    return {};
}

Result<void> show(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(auto record, find_named(workspace, options.name, store::AssetKind::component,
                                       "component", assets::lookup_component));
    output::print_record(ctx, component_record(record));
    return {};
}

Result<void> list(Context& ctx, const ListOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(auto records, assets::list_components(workspace.db(), options.all_versions,
                                                     options.include_archived));
    Json rows = Json::array();
    for (const auto& record : records) {
        Json row = component_record(record);
        row["snapshot"] = record.snapshot.substr(0, 12);
        rows.push_back(std::move(row));
    }
    static const std::vector<output::Column> columns = {
        {"name", "NAME"},
        {"version", "VERSION"},
        {"snapshot", "SNAPSHOT"},
        {"created_at", "CREATED", output::Cell::time},
        {"description", "DESCRIPTION"}};
    output::print_list(ctx, rows, columns);
    return {};
}

}  // namespace

void add_component_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("component");
    tree.add_verb<CreateOptions>(
        group, "create", "Register a new version of a command component, its code snapshotted",
        [](CLI::App& verb, CreateOptions& o) {
            add_spec_flags(verb, o, "component", "component")->required();
            add_about_flags(verb, o, "What it does");
        },
        create);
    tree.add_verb<ListOptions>(
        group, "list", "List components: the latest version of each",
        [](CLI::App& verb, ListOptions& o) { add_list_flags(verb, o); }, list);
    tree.add_verb<NameOptions>(
        group, "show", "Show a component: its spec and code snapshot",
        [](CLI::App& verb, NameOptions& o) {
            verb.add_option("name", o.name, "NAME, NAME:VERSION or NAME@latest")
                ->required()
                ->type_name(value::component);
        },
        show);
    add_archive_verbs(tree, group, store::AssetKind::component, value::component);
}

}  // namespace ferry::cli
