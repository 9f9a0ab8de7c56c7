// What of ferry's own a code directory may hold, so that a snapshot leaves it out.
#include "ferry/snapshot/ferry_data.hpp"

#include <fmt/format.h>

#include "ferry/store/registry.hpp"

namespace ferry::snapshot {

Result<std::vector<FerryDirectory>> ferry_directories(const Environment& env) {
    std::vector<FerryDirectory> directories;
    auto home = store::ferry_home(env);
    if (!home) {
        return directories;  // nothing of ferry's can be anywhere, then
    }
    directories.push_back({*home, "FERRY_HOME"});
    TRY_ASSIGN(auto workspaces, store::Registry::peek(*home));
    for (auto& workspace : workspaces) {
        directories.push_back(
            {std::move(workspace.path), fmt::format("workspace '{}'", workspace.name)});
    }
    return directories;
}

}  // namespace ferry::snapshot
