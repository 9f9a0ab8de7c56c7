#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/store/registry.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::store {

namespace fs = std::filesystem;

inline constexpr std::string_view k_project_config = ".ferry/config.yaml";

// Which workspace a command uses, and what chose it (for messages).
struct WorkspaceChoice {
    std::string name;
    std::string source;  // "-w", "FERRY_WORKSPACE", a config file's path, or "default"
};

// -w, then FERRY_WORKSPACE, then the nearest .ferry/config.yaml from `cwd` up, then default.
[[nodiscard]] Result<WorkspaceChoice> choose_workspace(const std::optional<std::string>& flag,
                                                       const Environment& env, const fs::path& cwd);
// The workspace name in a .ferry/config.yaml's text; nullopt when it names none.
[[nodiscard]] Result<std::optional<std::string>> parse_project_config(std::string_view text,
                                                                      std::string_view file);
// The config text with its workspace set to `name`, keeping comments and other lines.
[[nodiscard]] std::string set_project_workspace(std::string_view text, std::string_view name);

// Opens the workspace the context chooses; the default one is created on first use.
[[nodiscard]] Result<Workspace> open_chosen_workspace(const Context& ctx, Registry& registry);
[[nodiscard]] Result<Registry> open_registry(const Context& ctx);

}  // namespace ferry::store
