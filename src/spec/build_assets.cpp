// Environments, data, models, computes and workspaces from their validated JSON.
#include <fmt/format.h>

#include "build.hpp"
#include "validate.hpp"

namespace ferry::spec::detail {

EnvironmentSpec build_environment(const Json& value, const YAML::Node& node,
                                  const BuildContext& context) {
    EnvironmentSpec spec;
    read_asset_keys(spec, value);
    spec.image = text_of(value, "image");
    if (value.contains("conda_file")) {
        if (value["conda_file"].is_object()) {
            spec.conda_inline = value["conda_file"];
        } else {
            spec.conda_file = resolve_path(context.base_dir, text_of(value, "conda_file"));
        }
    }
    if (value.contains("build") && value["build"].is_object()) {
        const Json& build = value["build"];
        spec.build = EnvironmentSpec::Build{resolve_path(context.base_dir, text_of(build, "path")),
                                            text_of(build, "dockerfile_path")};
        if (spec.build->dockerfile_path.empty()) {
            spec.build->dockerfile_path = "Dockerfile";
        }
        if (!spec.image.empty()) {
            context.diagnostics.add(key_mark(node, "build"), "give 'image' or 'build', not both");
        }
    }
    if (value.contains("pip_requirements")) {
        spec.pip_requirements = resolve_path(context.base_dir, text_of(value, "pip_requirements"));
    }
    spec.user_managed_dependencies = value.value("user_managed_dependencies", false);
    if (value.contains("image_registry") && value["image_registry"].is_object()) {
        const Json& registry = value["image_registry"];
        spec.image_registry = EnvironmentSpec::ImageRegistry{text_of(registry, "address"),
                                                             text_of(registry, "username"),
                                                             text_of(registry, "password_env")};
    }
    if (value.contains("os_type")) {
        spec.os_type = text_of(value, "os_type");
    }
    return spec;
}

DataSpec build_data(const Json& value, const YAML::Node& node, const BuildContext& context) {
    DataSpec spec;
    read_asset_keys(spec, value);
    spec.type = text_of(value, "type");
    const bool has_path = value.contains("path");
    const bool has_paths = value.contains("paths");
    if (has_path && has_paths) {
        context.diagnostics.add(key_mark(node, "paths"), "give 'path' or 'paths', not both");
    } else if (!has_path && !has_paths && !node["path"] && !node["paths"]) {
        context.diagnostics.add(node.Mark(), "missing required key 'path'");
    }
    if (has_path) {
        spec.paths.push_back(
            resolve_reference(context.base_dir, text_of(value, "path"), ReferenceRole::path));
    } else if (has_paths) {
        spec.several_paths = true;
        for (const Json& path : value["paths"]) {
            if (path.is_string()) {
                spec.paths.push_back(resolve_reference(context.base_dir, path.get<std::string>(),
                                                       ReferenceRole::path));
            }
        }
    }
    return spec;
}

ModelSpec build_model(const Json& value, const YAML::Node& node, const BuildContext& context) {
    std::ignore = node;
    ModelSpec spec;
    read_asset_keys(spec, value);
    spec.type = text_of(value, "type");
    if (value.contains("path")) {
        spec.path =
            resolve_reference(context.base_dir, text_of(value, "path"), ReferenceRole::path);
    }
    spec.framework = text_of(value, "framework");
    spec.framework_version = text_of(value, "framework_version");
    spec.stage = text_of(value, "stage");
    return spec;
}

ComputeSpec build_compute(const Json& value, const YAML::Node& node, const BuildContext& context) {
    std::ignore = node;
    std::ignore = context;
    ComputeSpec spec;
    spec.name = text_of(value, "name");
    spec.type = text_of(value, "type");
    spec.description = text_of(value, "description");
    spec.tags = string_map_of(value, "tags");
    spec.max_concurrent_runs = optional_integer(value, "max_concurrent_runs");
    spec.gpus = optional_integer(value, "gpus");
    spec.partition = text_of(value, "partition");
    spec.account = text_of(value, "account");
    spec.qos = text_of(value, "qos");
    spec.max_instances = optional_integer(value, "max_instances");
    spec.workspace_path = text_of(value, "workspace_path");
    spec.ferry_path = text_of(value, "ferry_path");
    spec.tracking_host = text_of(value, "tracking_host");
    if (value.contains("sbatch_args")) {
        for (const Json& argument : value["sbatch_args"]) {
            if (argument.is_string()) {
                spec.sbatch_args.push_back(argument.get<std::string>());
            }
        }
    }
    return spec;
}

WorkspaceSpec build_workspace(const Json& value, const YAML::Node& node,
                              const BuildContext& context) {
    std::ignore = node;
    WorkspaceSpec spec;
    read_asset_keys(spec, value);
    if (value.contains("path")) {
        spec.path = resolve_path(context.base_dir, text_of(value, "path"));
    }
    return spec;
}

}  // namespace ferry::spec::detail
