#include "ferry/spec/load.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "build.hpp"
#include "ferry/spec/overrides.hpp"
#include "ferry/util/text.hpp"
#include "validate.hpp"

namespace ferry::spec {

namespace {

using detail::BuildContext;
using detail::Json;

// Parses the text (a syntax error is a diagnostic at yaml-cpp's mark) and applies the sets.
std::optional<YAML::Node> parse(std::string_view text, std::span<const std::string> sets, Kind kind,
                                Diagnostics& diagnostics) {
    // YAML is printable Unicode text; other bytes would reach the output as garbage.
    const auto control = std::ranges::find_if(text, [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f;
    });
    auto bad = util::invalid_utf8_offset(text);
    const bool is_control =
        control != text.end() && (!bad || static_cast<std::size_t>(control - text.begin()) < *bad);
    if (is_control) {
        bad = static_cast<std::size_t>(control - text.begin());
    }
    if (bad) {
        const std::string_view before = text.substr(0, *bad);
        const auto line_start = before.rfind('\n');
        const auto line = std::ranges::count(before, '\n') + 1;
        const auto column = *bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
        diagnostics.add_at(
            static_cast<int>(line), static_cast<int>(column),
            fmt::format("{} 0x{:02x}",
                        is_control ? "non-printable character" : "invalid UTF-8 byte",
                        static_cast<unsigned char>(text[*bad])));
        return std::nullopt;
    }
    for (const auto& set : sets) {
        if (util::invalid_utf8_offset(set) || set.find('\0') != std::string::npos) {
            diagnostics.add_origin("--set " + set, "invalid UTF-8 or a NUL byte");
            return std::nullopt;
        }
    }
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        diagnostics.add(e.mark, e.msg);
        return std::nullopt;
    }
    if (!apply_sets(root, sets, kind, diagnostics)) {
        return std::nullopt;
    }
    return root;
}

// A conda file (channels/dependencies) passed where an environment spec is expected; returns
// the key that gives it away.
std::optional<YAML::Node> conda_file_key(const YAML::Node& root) {
    if (!root.IsMap() || root["image"] || root["build"] || root["conda_file"]) {
        return std::nullopt;
    }
    for (const auto& pair : root) {
        if (pair.first.IsScalar() &&
            (pair.first.Scalar() == "channels" || pair.first.Scalar() == "dependencies")) {
            return pair.first;
        }
    }
    return std::nullopt;
}

// Names end up in file names, URLs and references: keep them to a safe alphabet.
void check_name(const Json& value, const YAML::Node& root, Diagnostics& diagnostics) {
    const std::string name = detail::text_of(value, "name");
    if (!name.empty() && !is_valid_name(name)) {
        diagnostics.add(detail::child(root, "name").Mark(),
                        fmt::format("invalid name '{}': use letters, digits, '-', '_' and '.', "
                                    "starting with a letter or digit",
                                    name));
    }
}

// Azure job types ferry does not run; `type` of anything else is misspelt.
std::optional<std::string> unsupported_job_type(std::string_view type) {
    for (const std::string_view known : {"pipeline", "automl", "spark", "parallel", "import"}) {
        if (type == known) {
            return fmt::format(
                "not supported by ferry: {} jobs (ferry runs command and sweep "
                "jobs)",
                type);
        }
    }
    return std::nullopt;
}

template <typename T, typename Build>
LoadResult<T> load(Kind kind, std::string_view text, std::string_view file,
                   const std::filesystem::path& base_dir, std::span<const std::string> sets,
                   Build build) {
    Diagnostics diagnostics{std::string(file)};
    const std::optional<YAML::Node> root = parse(text, sets, kind, diagnostics);
    if (!root) {
        return std::unexpected(std::move(diagnostics));
    }
    if (const auto key = kind == Kind::environment ? conda_file_key(*root) : std::nullopt) {
        diagnostics.add(key->Mark(),
                        "this looks like a conda file, not an environment spec: write an "
                        "environment spec with 'conda_file: FILE' and 'name'");
        return std::unexpected(std::move(diagnostics));
    }
    const Json value = detail::validate(schema_for(kind), *root, diagnostics);
    check_name(value, *root, diagnostics);
    if (!diagnostics.empty()) {
        return std::unexpected(std::move(diagnostics));
    }
    const BuildContext context{text, base_dir, diagnostics};
    T spec = build(value, *root, context);
    if (!diagnostics.empty()) {
        return std::unexpected(std::move(diagnostics));
    }
    return spec;
}

}  // namespace

LoadResult<CommandJob> load_command_job(std::string_view text, std::string_view file,
                                        const std::filesystem::path& base_dir,
                                        std::span<const std::string> sets) {
    return load<CommandJob>(Kind::command_job, text, file, base_dir, sets,
                            detail::build_command_job);
}

LoadResult<SweepJob> load_sweep_job(std::string_view text, std::string_view file,
                                    const std::filesystem::path& base_dir,
                                    std::span<const std::string> sets) {
    return load<SweepJob>(Kind::sweep_job, text, file, base_dir, sets, detail::build_sweep_job);
}

LoadResult<Job> load_job(std::string_view text, std::string_view file,
                         const std::filesystem::path& base_dir, std::span<const std::string> sets) {
    std::string type = "command";
    YAML::Mark type_mark = YAML::Mark::null_mark();
    try {
        const YAML::Node root = YAML::Load(std::string(text));
        if (root.IsMap() && root["type"] && root["type"].IsScalar()) {
            type = root["type"].Scalar();
            type_mark = root["type"].Mark();
        }
    } catch (const YAML::Exception&) {
        // load_command_job reports it with its position.
    }
    for (const std::string& set : sets) {
        if (set.starts_with("type=")) {
            type = set.substr(5);
            type_mark = YAML::Mark::null_mark();
        }
    }
    if (const auto why = unsupported_job_type(type)) {
        Diagnostics diagnostics{std::string(file)};
        diagnostics.add(type_mark, *why);
        return std::unexpected(std::move(diagnostics));
    }
    if (type == "sweep") {
        auto sweep = load_sweep_job(text, file, base_dir, sets);
        if (!sweep) {
            return std::unexpected(std::move(sweep.error()));
        }
        return Job(std::move(*sweep));
    }
    auto command = load_command_job(text, file, base_dir, sets);
    if (!command) {
        return std::unexpected(std::move(command.error()));
    }
    return Job(std::move(*command));
}

LoadResult<EnvironmentSpec> load_environment(std::string_view text, std::string_view file,
                                             const std::filesystem::path& base_dir,
                                             std::span<const std::string> sets) {
    return load<EnvironmentSpec>(Kind::environment, text, file, base_dir, sets,
                                 detail::build_environment);
}

LoadResult<DataSpec> load_data(std::string_view text, std::string_view file,
                               const std::filesystem::path& base_dir,
                               std::span<const std::string> sets) {
    return load<DataSpec>(Kind::data, text, file, base_dir, sets, detail::build_data);
}

LoadResult<ModelSpec> load_model(std::string_view text, std::string_view file,
                                 const std::filesystem::path& base_dir,
                                 std::span<const std::string> sets) {
    return load<ModelSpec>(Kind::model, text, file, base_dir, sets, detail::build_model);
}

LoadResult<ComputeSpec> load_compute(std::string_view text, std::string_view file,
                                     const std::filesystem::path& base_dir,
                                     std::span<const std::string> sets) {
    return load<ComputeSpec>(Kind::compute, text, file, base_dir, sets, detail::build_compute);
}

LoadResult<WorkspaceSpec> load_workspace(std::string_view text, std::string_view file,
                                         const std::filesystem::path& base_dir,
                                         std::span<const std::string> sets) {
    return load<WorkspaceSpec>(Kind::workspace, text, file, base_dir, sets,
                               detail::build_workspace);
}

namespace {

template <typename T>
LoadResult<nlohmann::ordered_json> as_json(LoadResult<T> result) {
    if (!result) {
        return std::unexpected(std::move(result.error()));
    }
    return result->to_json();
}

}  // namespace

LoadResult<nlohmann::ordered_json> load_any(Kind kind, std::string_view text, std::string_view file,
                                            const std::filesystem::path& base_dir,
                                            std::span<const std::string> sets) {
    switch (kind) {
        case Kind::command_job:
            return as_json(load_command_job(text, file, base_dir, sets));
        case Kind::sweep_job:
            return as_json(load_sweep_job(text, file, base_dir, sets));
        case Kind::environment:
            return as_json(load_environment(text, file, base_dir, sets));
        case Kind::data:
            return as_json(load_data(text, file, base_dir, sets));
        case Kind::model:
            return as_json(load_model(text, file, base_dir, sets));
        case Kind::compute:
            return as_json(load_compute(text, file, base_dir, sets));
        case Kind::workspace:
            return as_json(load_workspace(text, file, base_dir, sets));
    }
    return as_json(load_command_job(text, file, base_dir, sets));
}

}  // namespace ferry::spec
