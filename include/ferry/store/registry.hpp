#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/store/database.hpp"

namespace ferry::store {

namespace fs = std::filesystem;

inline constexpr std::string_view k_default_workspace = "default";

enum class KeepFiles { yes, no };

struct RegistryEntry {
    std::string name;
    fs::path path;
    std::string created_at;
};

// ${FERRY_HOME:-${XDG_DATA_HOME:-~/.local/share}/ferry}
[[nodiscard]] Result<fs::path> ferry_home(const Environment& env);
// Letters, digits, '-', '_', '.'; a letter or digit first; at most 64 characters.
[[nodiscard]] Result<void> validate_workspace_name(std::string_view name);

// The workspaces this user knows by name (FERRY_HOME/registry.db): name -> directory.
// The `default` workspace always exists: opening the registry creates it if missing.
class Registry {
public:
    [[nodiscard]] static Result<Registry> open(const fs::path& home, std::string_view now);
    // The registered workspaces without creating or changing anything; `default` is listed
    // even before its first use, since it exists implicitly.
    [[nodiscard]] static Result<std::vector<RegistryEntry>> peek(const fs::path& home);

    [[nodiscard]] const fs::path& home() const { return m_home; }
    [[nodiscard]] fs::path default_path(std::string_view name) const;
    [[nodiscard]] Result<std::vector<RegistryEntry>> list();
    [[nodiscard]] Result<std::optional<RegistryEntry>> find(std::string_view name);
    // Registers `name` and makes its directory a workspace (or attaches the workspace
    // already there). A name already registered is an error; nothing is left behind on
    // failure.
    [[nodiscard]] Result<RegistryEntry> create(std::string_view name,
                                               const std::optional<fs::path>& path,
                                               std::string_view description, std::string_view now);
    // Forgets the name; returns false if it was not registered.
    [[nodiscard]] Result<bool> forget(std::string_view name);
    // Forgets the workspace and, unless kept, removes its directory: moved aside first so
    // no one sees half a workspace, and only when it really is a workspace.
    [[nodiscard]] Result<void> remove(const RegistryEntry& entry, KeepFiles keep);

private:
    Registry(fs::path home, Database db) : m_home(std::move(home)), m_db(std::move(db)) {}
    fs::path m_home;
    Database m_db;
};

}  // namespace ferry::store
