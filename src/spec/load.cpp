#include "ferry/spec/load.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "build.hpp"
#include "ferry/spec/overrides.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/yaml.hpp"
#include "validate.hpp"

namespace ferry::spec {

namespace {

using detail::BuildContext;
using detail::Json;

// Reads the text as one bounded YAML document (util::load_yaml), and checks the --set values;
// every problem is a diagnostic.
std::optional<YAML::Node> read(std::string_view text, std::span<const std::string> sets,
                               Diagnostics& diagnostics) {
    auto root = util::load_yaml(text);
    if (!root) {
        diagnostics.add(root.error().mark, root.error().message);
        return std::nullopt;
    }
    for (const auto& set : sets) {
        if (util::invalid_utf8_offset(set) || set.find('\0') != std::string::npos) {
            diagnostics.add_origin("--set " + set, "invalid UTF-8 or a NUL byte");
            return std::nullopt;
        }
    }
    return std::move(*root);
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
    for (const std::string_view known : {"automl", "spark", "parallel", "import"}) {
        if (type == known) {
            return fmt::format(
                "not supported by ferry: {} jobs (ferry runs command, sweep and pipeline "
                "jobs)",
                type);
        }
    }
    return std::nullopt;
}

// The document read, as a spec of `kind`: the sets applied, validated, built.
template <typename T, typename Build>
LoadResult<T> load_read(Kind kind, YAML::Node root, std::string_view text,
                        const std::filesystem::path& base_dir, std::span<const std::string> sets,
                        Build build, Diagnostics diagnostics) {
    if (!apply_sets(root, sets, kind, diagnostics)) {
        return std::unexpected(std::move(diagnostics));
    }
    if (const auto key = kind == Kind::environment ? conda_file_key(root) : std::nullopt) {
        diagnostics.add(key->Mark(),
                        "this looks like a conda file, not an environment spec: write an "
                        "environment spec with 'conda_file: FILE' and 'name'");
        return std::unexpected(std::move(diagnostics));
    }
    const Json value = detail::validate(schema_for(kind), root, diagnostics);
    check_name(value, root, diagnostics);
    if (!diagnostics.empty()) {
        return std::unexpected(std::move(diagnostics));
    }
    const BuildContext context{text, base_dir, diagnostics};
    T spec = build(value, root, context);
    if (!diagnostics.empty()) {
        return std::unexpected(std::move(diagnostics));
    }
    if constexpr (std::is_base_of_v<JobCommon, T>) {
        spec.ignored = diagnostics.notes();
    }
    return spec;
}

template <typename T, typename Build>
LoadResult<T> load(Kind kind, std::string_view text, std::string_view file,
                   const std::filesystem::path& base_dir, std::span<const std::string> sets,
                   Build build) {
    Diagnostics diagnostics{std::string(file)};
    std::optional<YAML::Node> root = read(text, sets, diagnostics);
    if (!root) {
        return std::unexpected(std::move(diagnostics));
    }
    return load_read<T>(kind, std::move(*root), text, base_dir, sets, build,
                        std::move(diagnostics));
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
    Diagnostics diagnostics{std::string(file)};
    std::optional<YAML::Node> root = read(text, sets, diagnostics);
    if (!root) {
        return std::unexpected(std::move(diagnostics));
    }
    std::string type = "command";
    YAML::Mark type_mark = YAML::Mark::null_mark();
    if (root->IsMap() && (*root)["type"] && (*root)["type"].IsScalar()) {
        type = (*root)["type"].Scalar();
        type_mark = (*root)["type"].Mark();
    }
    for (const std::string& set : sets) {
        if (set.starts_with("type=")) {
            type = set.substr(5);
            type_mark = YAML::Mark::null_mark();
        }
    }
    if (const auto why = unsupported_job_type(type)) {
        diagnostics.add(type_mark, *why);
        return std::unexpected(std::move(diagnostics));
    }
    auto as_job = [](auto loaded) -> LoadResult<Job> {
        if (!loaded) {
            return std::unexpected(std::move(loaded.error()));
        }
        return Job(std::move(*loaded));
    };
    if (type == "pipeline") {
        return as_job(load_read<PipelineJob>(Kind::pipeline_job, std::move(*root), text, base_dir,
                                             sets, detail::build_pipeline_job,
                                             std::move(diagnostics)));
    }
    if (type == "sweep") {
        return as_job(load_read<SweepJob>(Kind::sweep_job, std::move(*root), text, base_dir, sets,
                                          detail::build_sweep_job, std::move(diagnostics)));
    }
    return as_job(load_read<CommandJob>(Kind::command_job, std::move(*root), text, base_dir, sets,
                                        detail::build_command_job, std::move(diagnostics)));
}

LoadResult<PipelineJob> load_pipeline_job(std::string_view text, std::string_view file,
                                          const std::filesystem::path& base_dir,
                                          std::span<const std::string> sets) {
    return load<PipelineJob>(Kind::pipeline_job, text, file, base_dir, sets,
                             detail::build_pipeline_job);
}

LoadResult<ComponentSpec> load_component(std::string_view text, std::string_view file,
                                         const std::filesystem::path& base_dir,
                                         std::span<const std::string> sets) {
    return load<ComponentSpec>(Kind::component, text, file, base_dir, sets,
                               detail::build_component);
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
        case Kind::pipeline_job:
            return as_json(load_pipeline_job(text, file, base_dir, sets));
        case Kind::component:
            return as_json(load_component(text, file, base_dir, sets));
    }
    return as_json(load_command_job(text, file, base_dir, sets));
}

}  // namespace ferry::spec
