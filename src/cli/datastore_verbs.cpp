// `ferry datastore create|list|show|delete`: local folders that stand for Azure storage.
#include "ferry/assets/datastore.hpp"
#include "ferry/cli/command_tree.hpp"
#include "ferry/output/render.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;

struct CreateOptions {
    std::string name;
    std::string path;
    std::string account;
    std::string container;
    std::vector<std::string> urls;
    std::string description;
};

struct NameOptions {
    std::string name;
};

Json datastore_record(const assets::Datastore& datastore) {
    Json json;
    json["name"] = datastore.name;
    json["path"] = datastore.path.string();
    json["claims"] = datastore.claims;
    json["description"] = datastore.description;
    json["created_at"] = datastore.created_at.empty() ? Json(nullptr) : Json(datastore.created_at);
    json["builtin"] = datastore.builtin;
    return json;
}

Result<void> create(Context& ctx, const CreateOptions& options) {
    if (options.account.empty() != options.container.empty()) {
        return usage_error(
            "--account and --container go together: the container of a storage "
            "account");
    }
    assets::Datastore datastore{.name = options.name,
                                .path = absolute_from(ctx, options.path),
                                .claims = options.urls,
                                .description = options.description};
    if (!options.account.empty()) {
        TRY_ASSIGN(auto claims, assets::account_claims(options.account, options.container));
        std::ranges::move(claims, std::back_inserter(datastore.claims));
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto created,
               assets::create_datastore(workspace, std::move(datastore), stamp(ctx).text));
    output::print_record(ctx, datastore_record(created));
    return {};
}

Result<void> list(Context& ctx, const NameOptions&) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto datastores, assets::list_datastores(workspace));
    // Claims are one cell of a table or TSV row, an array of a record.
    const bool text = ctx.format == OutputFormat::table || ctx.format == OutputFormat::tsv;
    Json rows = Json::array();
    for (const auto& datastore : datastores) {
        Json row = datastore_record(datastore);
        if (text) {
            row["claims"] = fmt::format("{}", fmt::join(datastore.claims, " "));
        }
        rows.push_back(std::move(row));
    }
    static const std::vector<output::Column> columns = {
        {"name", "NAME"}, {"path", "PATH"}, {"claims", "CLAIMS"}, {"description", "DESCRIPTION"}};
    output::print_list(ctx, rows, columns);
    return {};
}

Result<assets::Datastore> find(store::Workspace& workspace, const std::string& name) {
    TRY_ASSIGN(auto found, assets::find_datastore(workspace, name));
    if (!found) {
        return usage_error("no datastore '{}' in workspace '{}' (see 'ferry datastore list')", name,
                           workspace.name());
    }
    return std::move(*found);
}

Result<void> show(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY_ASSIGN(const auto datastore, find(workspace, options.name));
    output::print_record(ctx, datastore_record(datastore));
    return {};
}

Result<void> remove(Context& ctx, const NameOptions& options) {
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    TRY(find(workspace, options.name));
    TRY(assets::delete_datastore(workspace, options.name));
    ctx.err << fmt::format("deleted datastore '{}' (its folder is left as it is)\n", options.name);
    return {};
}

void add_name(CLI::App& verb, NameOptions& o) {
    verb.add_option("name", o.name, "The datastore's name")
        ->required()
        ->type_name(value::datastore);
}

}  // namespace

void add_datastore_verbs(CommandTree& tree) {
    CLI::App* group = tree.group("datastore");
    tree.add_verb<CreateOptions>(
        group, "create", "Name a folder as a datastore, and the Azure storage it stands for",
        [](CLI::App& verb, CreateOptions& o) {
            verb.add_option("-n,--name", o.name, "The datastore's name")
                ->required()
                ->type_name(value::text);
            verb.add_option("--path", o.path, "The folder (local or network-mounted)")
                ->required()
                ->type_name(value::dir);
            verb.add_option("--account", o.account,
                            "An Azure storage account whose container it stands for")
                ->type_name(value::text);
            verb.add_option("--container", o.container,
                            "The container (a blob container or a Data Lake filesystem)")
                ->type_name(value::text);
            verb.add_option("--url", o.urls,
                            "A URL prefix it stands for (wasbs://, abfss://, https://); "
                            "repeatable")
                ->type_name(value::text);
            verb.add_option("--description", o.description, "What it holds")
                ->type_name(value::text);
        },
        create);
    tree.add_verb<NameOptions>(
        group, "list", "List datastores, the built-in ones first", [](CLI::App&, NameOptions&) {},
        list);
    tree.add_verb<NameOptions>(group, "show", "Show a datastore: its folder and what it claims",
                               add_name, show);
    tree.add_verb<NameOptions>(group, "delete", "Forget a datastore (its folder and files stay)",
                               add_name, remove);
}

}  // namespace ferry::cli
