#include "ferry/assets/component.hpp"

#include "ferry/snapshot/code.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/locate.hpp"
#include "ferry/store/assets.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/time.hpp"

namespace ferry::assets {

namespace {

using Json = nlohmann::ordered_json;

constexpr auto k_kind = store::AssetKind::component;

// The stored spec through the loader that read the file, so a record is what a file would give.
// Its code is an absolute path, so the base directory resolves nothing.
Result<ComponentRecord> from_asset(store::AssetRecord asset) {
    const std::string label = asset.name + ":" + asset.version;
    const Json& body = asset.body;
    if (!body.is_object() || !body.contains("spec")) {
        return fail("component {} is damaged: no spec", label);
    }
    const std::string text = body["spec"].dump();
    auto loaded = spec::load_component(text, "component " + label, "/");
    if (!loaded) {
        return fail("component {} is damaged: {}", label,
                    spec::to_error(loaded.error(), text).message);
    }
    ComponentRecord record;
    record.spec = std::move(*loaded);
    record.spec.name = std::move(asset.name);
    record.spec.version = std::move(asset.version);
    record.snapshot = body.value("snapshot", std::string());
    record.files = body.value("files", std::uint64_t{0});
    record.bytes = body.value("bytes", std::uint64_t{0});
    record.archived = asset.archived;
    record.created_at = std::move(asset.created_at);
    return record;
}

// " (did you mean 'X'?)": among the versions of a name the workspace has, else among names.
Result<std::string> suggestion(store::Database& db, std::string_view name,
                               std::string_view version) {
    TRY_ASSIGN(auto versions, store::list_assets(db, k_kind, true, true));
    std::vector<std::string> names;
    std::vector<std::string> of_name;
    for (const auto& asset : versions) {
        if (asset.name == name) {
            of_name.push_back(asset.name + ":" + asset.version);
        } else if (!asset.archived) {
            names.push_back(asset.name);
        }
    }
    if (!of_name.empty() && version.empty()) {
        return fmt::format(" (every version of it is archived: name one, as {})", of_name.back());
    }
    if (!of_name.empty()) {
        return util::did_you_mean(fmt::format("{}:{}", name, version), of_name);
    }
    return util::did_you_mean(name, names);
}

}  // namespace

Result<ComponentRecord> create_component(Context& ctx, store::Workspace& workspace,
                                         const spec::ComponentSpec& spec,
                                         const ComponentOrigin& origin,
                                         const snapshot::StoreProgress& progress) {
    // Held until the record naming its blobs is committed: gc must not collect them meanwhile.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    // Refused before the code is stored.
    TRY(store::check_new_version(workspace.db(), k_kind, spec.name, spec.version));
    Json body = {{"spec", Json()}, {"snapshot", ""}, {"files", 0}, {"bytes", 0}};
    if (spec.code) {
        TRY(spec::check_code_directory(spec.code, origin.code_where));
        TRY_ASSIGN(const auto limit, snapshot::code_limit(ctx));
        TRY_ASSIGN(const auto listing, snapshot::list_code(ctx, *spec.code, limit));
        TRY_ASSIGN(const auto cost, snapshot::store_code(ctx, workspace, listing, limit, progress));
        body["snapshot"] = cost.id;
        body["files"] = cost.files;
        body["bytes"] = cost.bytes;
    }
    store::AssetRecord asset;
    asset.kind = k_kind;
    asset.name = spec.name;
    asset.version = spec.version;
    asset.description = spec.description;
    asset.tags = spec.tags;
    asset.body = std::move(body);
    // The stored spec names the version chosen, so it reads back whole.
    TRY_ASSIGN(auto created,
               store::create_asset(workspace.db(), std::move(asset), util::format_utc(ctx.now()),
                                   [&spec](store::AssetRecord& chosen) {
                                       spec::ComponentSpec named = spec;
                                       named.version = chosen.version;
                                       chosen.body["spec"] = named.to_json();
                                   }));
    return from_asset(std::move(created));
}

Result<std::optional<ComponentRecord>> lookup_component(store::Database& db, std::string_view name,
                                                        std::string_view version) {
    return store::find_asset_as(db, k_kind, name, version, from_asset);
}

Result<RegisteredComponent> find_component(store::Workspace& workspace,
                                           const spec::Reference& ref) {
    if (ref.kind != spec::ReferenceKind::asset) {
        return usage_error(
            "'{}' does not name a registered component (NAME:VERSION or NAME@latest)", ref.text);
    }
    const std::string version = ref.latest ? std::string() : ref.version;
    TRY_ASSIGN(auto found, lookup_component(workspace.db(), ref.name, version));
    if (!found) {
        TRY_ASSIGN(const auto hint, suggestion(workspace.db(), ref.name, version));
        return usage_error("no component '{}' in workspace '{}'{} (see 'ferry component list')",
                           ref.canonical(), workspace.name(), hint);
    }
    std::string label = found->label();
    return RegisteredComponent{
        .spec = std::move(found->spec), .snapshot = found->snapshot, .label = std::move(label)};
}

Result<std::vector<ComponentRecord>> list_components(store::Database& db, bool all_versions,
                                                     bool include_archived) {
    return store::list_assets_as(db, k_kind, all_versions, include_archived, from_asset);
}

}  // namespace ferry::assets
