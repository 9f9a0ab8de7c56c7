// `ferry env map [REF [TARGET]] [--remove]`: list, set or remove the mappings of environments
// an Azure job names (registry and curated ones) to what runs them here.
#include "env_map.hpp"

#include "ferry/env/mapping.hpp"
#include "ferry/output/render.hpp"
#include "ferry/util/escape.hpp"
#include "run_support.hpp"

namespace ferry::cli {

namespace {

using output::Json;

struct MapOptions {
    std::string reference;
    std::string target;
    bool remove = false;
};

Json mapping_record(const env::Mapping& mapping) {
    Json json;
    json["reference"] = mapping.reference;
    json["target"] = mapping.target;
    json["created_at"] = mapping.created_at;
    return json;
}

Result<void> map(Context& ctx, const MapOptions& options) {
    if (options.reference.empty()) {
        if (options.remove) {
            return usage_error("--remove needs the REFERENCE whose mapping to remove");
        }
        TRY_ASSIGN(auto workspace, open_workspace(ctx));
        TRY_ASSIGN(const auto mappings, env::list_mappings(workspace.db()));
        Json rows = Json::array();
        for (const auto& mapping : mappings) {
            rows.push_back(mapping_record(mapping));
        }
        static const std::vector<output::Column> columns = {
            {"reference", "REFERENCE"},
            {"target", "TARGET"},
            {"created_at", "CREATED", output::Cell::time}};
        output::print_list(ctx, rows, columns);
        return {};
    }
    TRY_ASSIGN(const auto reference, spec::parse_environment_pattern(options.reference));
    if (options.remove && !options.target.empty()) {
        return usage_error("give --remove or a TARGET, not both");
    }
    if (!options.remove && options.target.empty()) {
        return usage_error(
            "give the TARGET of '{}' (a registered environment or host), or --remove",
            util::escape_control(options.reference));
    }
    TRY_ASSIGN(auto workspace, open_workspace(ctx));
    if (options.remove) {
        TRY_ASSIGN(const bool removed, env::remove_mapping(workspace.db(), reference));
        if (!removed) {
            return usage_error("'{}' is not mapped in workspace '{}' (see 'ferry env map')",
                               env::mapping_key(reference), workspace.name());
        }
        ctx.err << fmt::format("removed the mapping of {}\n", env::mapping_key(reference));
        return {};
    }
    TRY_ASSIGN(const auto mapping,
               env::set_mapping(workspace.db(), reference, options.target, stamp(ctx).text));
    output::print_record(ctx, mapping_record(mapping));
    return {};
}

}  // namespace

void add_env_map_verb(CommandTree& tree, CLI::App* group) {
    tree.add_verb<MapOptions>(
        group, "map",
        "Map a registry or curated environment an Azure job names to a registered one or to "
        "the host; without arguments, list the mappings",
        [](CLI::App& verb, MapOptions& o) {
            verb.add_option("reference", o.reference,
                            "azureml://registries/REG/environments/NAME[/versions/V], "
                            "AzureML-NAME or NAME, with :VERSION or @latest or for any version")
                ->type_name(value::env_reference);
            verb.add_option("target", o.target,
                            "A registered environment (NAME, NAME:VERSION, NAME@latest) or host")
                ->type_name(value::environment_target);
            verb.add_flag("--remove", o.remove, "Remove the mapping of REFERENCE");
        },
        map);
}

}  // namespace ferry::cli
