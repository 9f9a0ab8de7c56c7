#include "ferry/env/registry.hpp"

#include "ferry/store/assets.hpp"

namespace ferry::env {

namespace {

constexpr auto k_kind = store::AssetKind::environment;

Result<EnvironmentRecord> from_asset(store::AssetRecord asset) {
    EnvironmentRecord record;
    auto& environment = record.environment;
    environment.name = std::move(asset.name);
    environment.version = std::move(asset.version);
    const auto& body = asset.body;
    const auto kind =
        body.is_object() ? parse_kind(body.value("runtime", std::string())) : std::nullopt;
    if (!kind) {
        return fail("environment {}:{} is damaged: no runtime", environment.name,
                    environment.version);
    }
    environment.kind = *kind;
    environment.hash = body.value("hash", std::string());
    TRY_ASSIGN(auto definition, Definition::from_json(body.value("definition", Json::object())));
    environment.definition = std::move(definition);
    record.description = std::move(asset.description);
    record.tags = std::move(asset.tags);
    record.archived = asset.archived;
    record.created_at = std::move(asset.created_at);
    return record;
}

}  // namespace

Result<EnvironmentRecord> create_environment(store::Database& db, EnvironmentRecord record,
                                             std::string_view now) {
    const auto& environment = record.environment;
    store::AssetRecord asset;
    asset.kind = k_kind;
    asset.name = environment.name;
    asset.version = environment.version;
    asset.description = record.description;
    asset.tags = record.tags;
    asset.body = {{"runtime", kind_name(environment.kind)},
                  {"hash", environment.hash},
                  {"definition", environment.definition.to_json()}};
    TRY_ASSIGN(auto created, store::create_asset(db, std::move(asset), now));
    return from_asset(std::move(created));
}

Result<std::optional<EnvironmentRecord>> find_environment(store::Database& db,
                                                          std::string_view name,
                                                          std::string_view version) {
    return store::find_asset_as(db, k_kind, name, version, from_asset);
}

Result<std::vector<EnvironmentRecord>> list_environments(store::Database& db, bool all_versions,
                                                         bool include_archived) {
    return store::list_assets_as(db, k_kind, all_versions, include_archived, from_asset);
}

Result<std::int64_t> set_archived(store::Database& db, std::string_view name,
                                  std::string_view version, bool archived) {
    return store::set_asset_archived(db, k_kind, name, version, archived);
}

}  // namespace ferry::env
