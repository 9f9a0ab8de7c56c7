#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/store/workspace.hpp"

// Command components: versioned records of a component's resolved spec and a snapshot of its
// code taken when it was created, so that a pipeline step runs the code as it was registered.
namespace ferry::assets {

struct ComponentRecord {
    spec::ComponentSpec spec;  // its name and version are the record's
    std::string snapshot;      // the code's manifest; empty when the component has no code
    std::uint64_t files = 0;
    std::uint64_t bytes = 0;
    bool archived = false;
    std::string created_at;

    [[nodiscard]] std::string label() const { return spec.name + ":" + spec.version; }
};

// What a pipeline step needs of a registered component.
struct RegisteredComponent {
    spec::ComponentSpec spec;
    std::string snapshot;  // snapshot id, empty when no code
    std::string label;     // "NAME:VERSION"
};

// Where `create_component` says a problem with the component's code is: the `code` key's
// FILE:LINE:COL (spec::locate), or the file.
struct ComponentOrigin {
    std::string code_where;
};

// Snapshots the component's `code` (its ignore files honoured, the workspace's shared blobs,
// FERRY_SNAPSHOT_LIMIT) and registers the version: the spec's, else the next integer. A
// version that exists is refused (exit 2) before anything is stored; so is a code directory
// that is not there, at `origin.code_where`.
[[nodiscard]] Result<ComponentRecord> create_component(
    Context& ctx, store::Workspace& workspace, const spec::ComponentSpec& spec,
    const ComponentOrigin& origin, const snapshot::StoreProgress& progress = {});

// NAME:VERSION, or with an empty version the newest version that is not archived.
[[nodiscard]] Result<std::optional<ComponentRecord>> lookup_component(store::Database& db,
                                                                      std::string_view name,
                                                                      std::string_view version);

// The component a reference names: [azureml:]NAME:VERSION or NAME@latest (the newest version
// that is not archived). A name or version the workspace lacks is a usage error with a
// did-you-mean; a reference of another kind (a path, a registry) is refused.
[[nodiscard]] Result<RegisteredComponent> find_component(store::Workspace& workspace,
                                                         const spec::Reference& ref);

// The newest version of each name, or every version; archived ones only when asked.
[[nodiscard]] Result<std::vector<ComponentRecord>> list_components(store::Database& db,
                                                                   bool all_versions,
                                                                   bool include_archived);

}  // namespace ferry::assets
