#include "ferry/store/selection.hpp"

#include <array>
#include <system_error>

#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/time.hpp"
#include "ferry/util/yaml.hpp"

namespace ferry::store {

Result<std::optional<std::string>> parse_project_config(std::string_view text,
                                                        std::string_view file) {
    TRY_ASSIGN(auto root, util::parse_yaml(text, file));
    if (root.IsNull()) {
        return std::optional<std::string>{};
    }
    if (!root.IsMap()) {
        return usage_error("{}: expected a mapping with a 'workspace' key",
                           util::yaml_position(root, file));
    }
    static const std::array<std::string, 1> k_keys = {"workspace"};
    std::optional<std::string> workspace;
    for (const auto& item : root) {
        const auto key = item.first.Scalar();
        if (key != "workspace") {
            return usage_error("{}: unknown key '{}'{}", util::yaml_position(item.first, file), key,
                               util::did_you_mean(key, k_keys));
        }
        if (!item.second.IsScalar()) {
            return usage_error("{}: 'workspace' must be a workspace name",
                               util::yaml_position(item.second, file));
        }
        workspace = item.second.Scalar();
        if (auto valid = validate_workspace_name(*workspace); !valid) {
            return std::unexpected(
                with_context(valid.error(), util::yaml_position(item.second, file)));
        }
    }
    return workspace;
}

std::string set_project_workspace(std::string_view text, std::string_view name) {
    std::string out;
    bool replaced = false;
    bool in_old_value = false;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        const std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
        std::string_view line = text.substr(start, next - start);
        if (in_old_value) {
            // The old value may go on over indented lines ("workspace:\n  name"); drop them.
            const std::string_view body = util::trim(line);
            if ((line.starts_with(' ') || line.starts_with('\t')) && !body.empty() &&
                !body.starts_with('#')) {
                start = next;
                continue;
            }
            in_old_value = body.empty() || body.starts_with('#');
        }
        if (!replaced && line.starts_with("workspace:")) {
            // Keep a trailing comment the user wrote on that line.
            const auto comment = line.find(" #");
            out += fmt::format("workspace: {}", name);
            if (comment != std::string_view::npos) {
                out += util::trim(line.substr(comment)).empty() ? "" : " ";
                out += util::trim(line.substr(comment));
            }
            out += "\n";
            replaced = true;
            in_old_value = true;
        } else {
            out += line;
        }
        start = next;
    }
    if (!replaced) {
        if (!out.empty() && out.back() != '\n') {
            out += "\n";
        }
        out += fmt::format("workspace: {}\n", name);
    }
    return out;
}

Result<WorkspaceChoice> choose_workspace(const std::optional<std::string>& flag,
                                         const Environment& env, const fs::path& cwd) {
    if (flag) {
        return WorkspaceChoice{*flag, "-w"};
    }
    if (auto name = env.get("FERRY_WORKSPACE")) {
        return WorkspaceChoice{*name, "FERRY_WORKSPACE"};
    }
    for (fs::path dir = cwd; !dir.empty(); dir = dir.parent_path()) {
        const fs::path config = dir / k_project_config;
        TRY_ASSIGN(auto present, util::exists(config));
        if (present) {
            TRY_ASSIGN(auto text, util::read_file(config));
            TRY_ASSIGN(auto name, parse_project_config(text, config.string()));
            if (!name) {
                return usage_error("{}: no 'workspace' key", config.string());
            }
            return WorkspaceChoice{*name, config.string()};
        }
        if (dir == dir.parent_path()) {
            break;
        }
    }
    return WorkspaceChoice{std::string(k_default_workspace), "default"};
}

Result<Registry> open_registry(const Context& ctx) {
    TRY_ASSIGN(auto home, ferry_home(ctx.env));
    return Registry::open(home, util::format_utc(ctx.now()));
}

Result<Workspace> open_chosen_workspace(const Context& ctx, Registry& registry) {
    TRY_ASSIGN(auto choice, choose_workspace(ctx.workspace, ctx.env, ctx.cwd));
    if (auto valid = validate_workspace_name(choice.name); !valid) {
        return std::unexpected(with_context(valid.error(), fmt::format("{}", choice.source)));
    }
    TRY_ASSIGN(auto entry, registry.find(choice.name));
    if (!entry) {
        const std::string origin =
            choice.source == "default" ? "" : fmt::format(" (chosen by {})", choice.source);
        return usage_error(
            "workspace '{}' does not exist{}; create it with 'ferry workspace create {}'",
            choice.name, origin, choice.name);
    }
    ctx.debug(fmt::format("workspace '{}' at {} (chosen by {})", choice.name,
                          (entry)->path.string(), choice.source));
    return Workspace::open(choice.name, (entry)->path);
}

}  // namespace ferry::store
