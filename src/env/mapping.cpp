#include "ferry/env/mapping.hpp"

#include "ferry/util/escape.hpp"

namespace ferry::env {

namespace {

constexpr std::string_view k_curated_prefix = "AzureML-";
constexpr std::string_view k_azure_registry = "azureml";

// The reference with a curated name in the registry form it stands for.
spec::Reference normalized(const spec::Reference& reference) {
    spec::Reference out = reference;
    if (out.registry.empty() && out.name.starts_with(k_curated_prefix)) {
        out.registry = std::string(k_azure_registry);
        out.name = out.name.substr(k_curated_prefix.size());
    }
    return out;
}

spec::Reference any_version(spec::Reference reference) {
    reference.version.clear();
    reference.latest = false;
    return reference;
}

Mapping read_mapping(const store::Statement& row) {
    return Mapping{.reference = row.text(0), .target = row.text(1), .created_at = row.text(2)};
}

Result<std::optional<Mapping>> find_mapping(store::Database& db, const std::string& key) {
    return db.query_one("SELECT reference, target, created_at FROM env_maps WHERE reference = ?1",
                        read_mapping, key);
}

// The registered environment a target names: NAME:VERSION, NAME@latest or NAME (the latest).
Result<std::optional<EnvironmentRecord>> find_target(store::Database& db, std::string_view target) {
    TRY_ASSIGN(const auto reference, spec::parse_environment_pattern(target));
    if (!reference.registry.empty()) {
        return usage_error(
            "map to a registered environment of this workspace or to host, not "
            "to '{}'",
            util::escape_control(target));
    }
    return find_environment(db, reference.name, reference.latest ? "" : reference.version);
}

}  // namespace

std::string curated_name(const spec::Reference& reference) {
    const spec::Reference curated = normalized(reference);
    return curated.registry == k_azure_registry ? curated.name : std::string();
}

std::string mapping_key(const spec::Reference& reference) {
    return normalized(reference).canonical();
}

std::string any_version_key(const spec::Reference& reference) {
    return mapping_key(any_version(reference));
}

Result<Mapping> set_mapping(store::Database& db, const spec::Reference& reference,
                            std::string_view target, std::string_view now) {
    std::string stored(target);
    if (target != k_host_target) {
        TRY_ASSIGN(const auto found, find_target(db, target));
        if (!found) {
            return usage_error(
                "no environment '{}' in this workspace to map to (see 'ferry env "
                "list'; or map to host)",
                util::escape_control(target));
        }
        const auto& environment = found->environment;
        stored = environment.name + ":" + environment.version;
    }
    Mapping mapping{.reference = mapping_key(reference),
                    .target = std::move(stored),
                    .created_at = std::string(now)};
    TRY(
        db.execute("INSERT INTO env_maps(reference, target, created_at) VALUES (?1, ?2, ?3) "
                   "ON CONFLICT (reference) DO UPDATE SET target = excluded.target, "
                   "created_at = excluded.created_at",
                   mapping.reference, mapping.target, mapping.created_at));
    return mapping;
}

Result<bool> remove_mapping(store::Database& db, const spec::Reference& reference) {
    const std::string key = mapping_key(reference);
    TRY_ASSIGN(const auto existing, find_mapping(db, key));
    if (!existing) {
        return false;
    }
    TRY(db.execute("DELETE FROM env_maps WHERE reference = ?1", key));
    return true;
}

Result<std::vector<Mapping>> list_mappings(store::Database& db) {
    return db.query_all("SELECT reference, target, created_at FROM env_maps ORDER BY reference",
                        read_mapping);
}

Result<Found> find_for_job(store::Database& db, const spec::Reference& reference) {
    const std::string version = reference.latest ? "" : reference.version;
    std::vector<std::string> names = {reference.name};
    if (const std::string curated = curated_name(reference);
        !curated.empty() && curated != reference.name) {
        names.push_back(curated);
    }
    for (const auto& name : names) {
        TRY_ASSIGN(auto record, find_environment(db, name, version));
        if (record) {
            return Found{.record = std::move(record)};
        }
    }
    for (const auto& key : {mapping_key(reference), any_version_key(reference)}) {
        TRY_ASSIGN(auto mapping, find_mapping(db, key));
        if (!mapping) {
            continue;
        }
        if (mapping->target == k_host_target) {
            return Found{.host = true, .mapping = std::move(mapping)};
        }
        TRY_ASSIGN(auto record, find_target(db, mapping->target));
        if (!record) {
            return usage_error(
                "environment '{}' is mapped to '{}', which is no longer in this "
                "workspace (see 'ferry env map')",
                reference.canonical(), mapping->target);
        }
        return Found{.record = std::move(record), .mapping = std::move(mapping)};
    }
    return Found{};
}

}  // namespace ferry::env
