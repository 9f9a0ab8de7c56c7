#include "ferry/store/registry.hpp"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "ferry/store/migrations.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/util/fs.hpp"

namespace ferry::store {

namespace {

RegistryEntry read_entry(const Statement& row) {
    return {row.text(0), row.text(1), row.text(2)};
}

}  // namespace

Result<fs::path> ferry_home(const Environment& env) {
    if (auto home = env.get("FERRY_HOME")) {
        return fs::path(*home);
    }
    if (auto data = env.get("XDG_DATA_HOME")) {
        return fs::path(*data) / "ferry";
    }
    if (auto home = env.get("HOME")) {
        return fs::path(*home) / ".local" / "share" / "ferry";
    }
    return fail("cannot find a place for workspaces: set HOME or FERRY_HOME");
}

Result<void> validate_workspace_name(std::string_view name) {
    auto allowed = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
    };
    if (name.empty() || name.size() > 64 ||
        std::isalnum(static_cast<unsigned char>(name[0])) == 0 ||
        !std::ranges::all_of(name, allowed)) {
        return usage_error(
            "invalid workspace name '{}': use letters, digits, '-', '_' and '.', starting with a "
            "letter or digit, at most 64 characters",
            name);
    }
    return {};
}

Result<Registry> Registry::open(const fs::path& home, std::string_view now) {
    TRY(util::create_directories(home, 0700));
    TRY(util::create_directories(home / "workspaces", 0700));
    TRY_ASSIGN(auto db, Database::open(home / "registry.db", CreateIfMissing::yes));
    TRY(migrate(db, registry_migrations()));
    Registry registry(home, std::move(db));
    TRY_ASSIGN(auto existing, registry.find(k_default_workspace));
    if (!existing) {
        auto created = registry.create(k_default_workspace, std::nullopt, "", now);
        // Another process may have created it in the meantime; that is success too.
        if (!created) {
            auto again = registry.find(k_default_workspace);
            if (!again || !*again) {
                return std::unexpected(created.error());
            }
            existing = std::move(*again);
        }
    }
    // The process that reserved the name may still be making its database: make it too
    // (initializing is idempotent), rather than open a workspace without one.
    if (existing && !Workspace::is_workspace(existing->path)) {
        TRY(Workspace::initialize(existing->path, "", now));
    }
    return registry;
}

Result<std::vector<RegistryEntry>> Registry::peek(const fs::path& home) {
    std::vector<RegistryEntry> entries;
    const fs::path file = home / "registry.db";
    TRY_ASSIGN(auto present, util::exists(file));
    if (present) {
        TRY_ASSIGN(auto db, Database::open(file, CreateIfMissing::no));
        // A registry another process has just made has no tables until its first migration
        // commits: it knows no workspaces yet.
        TRY_ASSIGN(const auto version, db.user_version());
        if (version > 0) {
            TRY_ASSIGN(auto listed, Registry(home, std::move(db)).list());
            entries = std::move(listed);
        }
    }
    if (std::ranges::none_of(entries,
                             [](const auto& e) { return e.name == k_default_workspace; })) {
        RegistryEntry implicit{std::string(k_default_workspace), {}, {}};
        implicit.path = home / "workspaces" / implicit.name;
        entries.insert(std::ranges::lower_bound(entries, implicit.name, {}, &RegistryEntry::name),
                       std::move(implicit));
    }
    return entries;
}

fs::path Registry::default_path(std::string_view name) const {
    return m_home / "workspaces" / std::string(name);
}

Result<std::vector<RegistryEntry>> Registry::list() {
    return m_db.query_all("SELECT name, path, created_at FROM workspaces ORDER BY name",
                          read_entry);
}

Result<std::optional<RegistryEntry>> Registry::find(std::string_view name) {
    return m_db.query_one("SELECT name, path, created_at FROM workspaces WHERE name = ?1",
                          read_entry, name);
}

namespace {

// A directory can become a workspace when it is missing, empty, or already one.
Result<void> check_target(const fs::path& path) {
    std::error_code ec;
    const auto status = fs::symlink_status(path, ec);
    if (ec || status.type() == fs::file_type::not_found) {
        return {};
    }
    if (fs::is_symlink(status) && fs::is_directory(path, ec)) {
        return check_target(fs::canonical(path, ec));
    }
    if (!fs::is_directory(status)) {
        return fail("cannot use {} for a workspace: it is not a directory", path.string());
    }
    if (Workspace::is_workspace(path) || fs::is_empty(path, ec)) {
        return {};
    }
    return fail("cannot use {} for a workspace: the directory is not empty and holds no {}",
                path.string(), k_workspace_db);
}

}  // namespace

Result<RegistryEntry> Registry::create(std::string_view name, const std::optional<fs::path>& path,
                                       std::string_view description, std::string_view now) {
    TRY(validate_workspace_name(name));
    const fs::path root = path ? *path : default_path(name);
    if (!root.is_absolute()) {
        return fail("workspace path must be absolute: {}", root.string());
    }
    TRY(check_target(root));
    const bool existed = util::exists(root).value_or(true);
    // Reserve the name first, so two creators of one name cannot both succeed.
    TRY(m_db.transaction([&]() -> Result<void> {
        TRY_ASSIGN(auto found, find(name));
        if (found) {
            return usage_error("workspace '{}' already exists at {}", name, (found)->path.string());
        }
        return m_db.execute("INSERT INTO workspaces(name, path, created_at) VALUES (?1, ?2, ?3)",
                            name, root.string(), now);
    }));
    if (auto initialized = Workspace::initialize(root, description, now); !initialized) {
        std::ignore = forget(name);
        if (!existed) {
            std::ignore = util::remove_all(root);
        }
        return std::unexpected(initialized.error());
    }
    return RegistryEntry{std::string(name), root, std::string(now)};
}

Result<bool> Registry::forget(std::string_view name) {
    bool removed = false;
    TRY(m_db.transaction([&]() -> Result<void> {
        TRY(m_db.execute("DELETE FROM workspaces WHERE name = ?1", name));
        TRY_ASSIGN(auto changes, m_db.query_one("SELECT changes()", first_integer));
        removed = changes.value_or(0) > 0;
        return {};
    }));
    return removed;
}

Result<void> Registry::remove(const RegistryEntry& entry, KeepFiles keep) {
    std::error_code ec;
    const bool present = fs::exists(entry.path, ec);
    if (keep == KeepFiles::yes || !present) {
        TRY(forget(entry.name));
        return {};
    }
    if (!Workspace::is_workspace(entry.path)) {
        return fail("{} holds no {}; not removing it (use --keep-files to only forget '{}')",
                    entry.path.string(), k_workspace_db, entry.name);
    }
    fs::path aside = entry.path;
    aside += ".deleting";
    for (int attempt = 0; fs::exists(aside, ec); ++attempt) {
        aside = entry.path;
        aside += fmt::format(".deleting.{}", attempt);
    }
    fs::rename(entry.path, aside, ec);
    if (ec) {
        return fail("cannot remove {}: {}", entry.path.string(), ec.message());
    }
    if (auto forgotten = forget(entry.name); !forgotten) {
        fs::rename(aside, entry.path, ec);
        return std::unexpected(forgotten.error());
    }
    return util::remove_all(aside);
}

}  // namespace ferry::store
