#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/store/workspace.hpp"

// Datastores (Azure's `az ml datastore`): a name for a local or network-mounted directory
// that may stand in for Azure storage URLs. azureml://datastores/NAME/paths/P is NAME's
// directory / P; a wasbs://, abfss:// or https:// URL is the directory of the datastore that
// claims its prefix, / the rest. Every workspace has workspaceblobstore (Azure's default) and
// workspacefilestore, folders of the workspace.
namespace ferry::assets {

struct Datastore {
    std::string name;
    std::filesystem::path path;       // absolute
    std::vector<std::string> claims;  // URL prefixes it stands for, each ending in '/'
    std::string description;
    std::string created_at;  // empty for a built-in one
    bool builtin = false;
};

inline constexpr std::string_view k_default_datastore = "workspaceblobstore";

// The names of the built-in datastores.
[[nodiscard]] std::span<const std::string_view> builtin_datastores();
// The names of the datastores created in the workspace's database (for completion, which
// opens the database alone).
[[nodiscard]] Result<std::vector<std::string>> datastore_names(store::Database& db);

// The prefixes a storage account's container is reached by: wasbs://C@A.blob..., abfss://
// C@A.dfs..., https://A.blob.../C/ and https://A.dfs.../C/ (all endpoints of core.windows.net).
[[nodiscard]] Result<std::vector<std::string>> account_claims(std::string_view account,
                                                              std::string_view container);
// A URL prefix in the form claims are compared in: scheme and host in lower case, wasb and
// abfs as wasbs and abfss, ending in '/'.
[[nodiscard]] Result<std::string> claim_of(std::string_view url);

// Registers a datastore; a name that exists (or a built-in one) and a prefix another datastore
// claims are refused. The directory must exist.
[[nodiscard]] Result<Datastore> create_datastore(store::Workspace& workspace, Datastore datastore,
                                                 std::string_view now);
[[nodiscard]] Result<std::optional<Datastore>> find_datastore(store::Workspace& workspace,
                                                              std::string_view name);
// The built-in ones first, then by name.
[[nodiscard]] Result<std::vector<Datastore>> list_datastores(store::Workspace& workspace);
// Whether there was one to delete; a built-in one is refused.
[[nodiscard]] Result<bool> delete_datastore(store::Workspace& workspace, std::string_view name);

// Where a storage reference (azureml://datastores/..., wasbs://, abfss://, or an https URL
// a datastore claims) is on this machine.
struct Located {
    std::string datastore;
    std::string path;  // in the datastore, '/'-separated, decoded; empty for its root
    std::filesystem::path local;
};
// nullopt: an https URL no datastore claims; with Unclaimed::keep also one of Azure storage
// (a dataset fetches it). A datastore that does not exist, a storage URL nothing claims and a
// path that leaves the datastore are usage errors that say what to create. A URL's query and
// fragment (a SAS token) are not part of the path.
enum class Unclaimed { refuse, keep };
[[nodiscard]] Result<std::optional<Located>> locate(store::Workspace& workspace,
                                                    const spec::Reference& reference,
                                                    Unclaimed unclaimed = Unclaimed::refuse);

}  // namespace ferry::assets
