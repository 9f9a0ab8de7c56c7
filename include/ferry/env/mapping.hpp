#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/env/registry.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/store/database.hpp"

// Environments an Azure job names but this workspace does not register: an environment of a
// registry (azureml://registries/REG/environments/NAME/...) or a curated one
// (AzureML-NAME, which Azure keeps in its `azureml` registry). They resolve to a registered
// environment of the same name, else through a mapping (`ferry env map REF TARGET`) to a
// registered environment or to the host.
namespace ferry::env {

// The name a curated environment has in the azureml registry: NAME for AzureML-NAME and for
// azureml://registries/azureml/environments/NAME/...; empty for any other reference.
[[nodiscard]] std::string curated_name(const spec::Reference& reference);

// The key a mapping of `reference` is stored under: the reference in registry form for a
// registry or curated environment, else NAME:VERSION, NAME@latest or NAME (any version).
[[nodiscard]] std::string mapping_key(const spec::Reference& reference);
// The key of a mapping of the reference's environment for any version.
[[nodiscard]] std::string any_version_key(const spec::Reference& reference);

struct Mapping {
    std::string reference;  // mapping_key()
    std::string target;     // "host", or NAME:VERSION / NAME@latest of a registered environment
    std::string created_at;
};

inline constexpr std::string_view k_host_target = "host";

// Maps the reference (a key, which may leave the version out) to "host" or to a registered
// environment, which must exist; a mapping of the same key is replaced.
[[nodiscard]] Result<Mapping> set_mapping(store::Database& db, const spec::Reference& reference,
                                          std::string_view target, std::string_view now);
// Whether there was a mapping of the key to remove.
[[nodiscard]] Result<bool> remove_mapping(store::Database& db, const spec::Reference& reference);
[[nodiscard]] Result<std::vector<Mapping>> list_mappings(store::Database& db);

// What a job's environment reference stands for in this workspace.
struct Found {
    std::optional<EnvironmentRecord> record;  // none with `host`, or when nothing was found
    bool host = false;
    std::optional<Mapping> mapping;  // the mapping that decided it, if one did
};
// In order: the registered environment of that name and version (for a curated one, also its
// registry name), the mapping of the exact reference, the mapping of the name for any version.
// A mapping whose target is no longer registered is an error that says so.
[[nodiscard]] Result<Found> find_for_job(store::Database& db, const spec::Reference& reference);

}  // namespace ferry::env
