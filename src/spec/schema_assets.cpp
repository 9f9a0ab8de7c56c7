// The tables of environments, data, models, computes and workspaces.
#include <nlohmann/json.hpp>

#include "tables.hpp"

namespace ferry::spec::tables {

namespace {

using Fields = std::vector<Field>;

Fields asset_keys(bool name_required) {
    Field name = make_field("name", Type::string, "Name of the asset.").one_line();
    name.required = name_required;
    Fields fields = {
        name, make_field("version", Type::string, "Version; default: the next one.").one_line(),
        make_field("description", Type::string, "What it is."),
        make_field("tags", Type::string_map, "Tags (string to string).")};
    return fields;
}

}  // namespace

Field environment(bool inline_in_job) {
    Fields fields = asset_keys(!inline_in_job);
    Field conda = make_field("conda_file", Type::one_of,
                             "Conda file: a path relative to the YAML file, or inline.");
    conda.items = {make_field("conda_file", Type::string, "Path of a conda YAML file."),
                   make_field("conda_file", Type::free_map, "Inline conda definition.")};
    const Fields more = {
        make_field("image", Type::string, "Docker image."),
        conda,
        make_map("build",
                 {make_field("path", Type::string, "Build context, relative to the YAML file.")
                      .require(),
                  make_field("dockerfile_path", Type::string, "Relative to build.path.")
                      .defaults("Dockerfile")},
                 "Build an image from a Dockerfile."),
        make_field("pip_requirements", Type::string,
                   "requirements.txt, relative to the YAML file (ferry)."),
        make_field("user_managed_dependencies", Type::boolean,
                   "Run the image or host as it is (ferry).")
            .defaults(false),
        make_map("image_registry",
                 {make_field("address", Type::string, "Registry host.").require(),
                  make_field("username", Type::string, "User name."),
                  make_field("password_env", Type::string,
                             "Name of the environment variable holding the password.")},
                 "Private registry of the image (ferry)."),
        make_enum("os_type", {"linux"}, "Operating system.").defaults("linux"),
        make_unsupported("inference_config", "inference servers are an Azure feature"),
    };
    fields.insert(fields.end(), more.begin(), more.end());
    if (!inline_in_job) {
        add_common_keys(fields);
    }
    return make_map("environment", std::move(fields), "An environment.");
}

Field data() {
    Fields fields = asset_keys(true);
    Field paths = make_field("paths", Type::list, "Several paths (ferry).");
    paths.items.push_back(make_reference("paths", ReferenceRole::path, "A path or URL."));
    const Fields more = {
        make_enum("type", {"uri_file", "uri_folder", "mltable"}, "Kind of data.")
            .defaults("uri_folder"),
        make_reference("path", ReferenceRole::path,
                       "Local path (relative to the YAML file) or http(s) URL."),
        paths,
        make_field("properties", Type::string_map, "Properties (string to string)."),
    };
    fields.insert(fields.end(), more.begin(), more.end());
    add_common_keys(fields);
    return make_map("data", std::move(fields), "A data asset.");
}

Field model() {
    Fields fields = asset_keys(true);
    const Fields more = {
        make_enum("type", {"custom_model", "mlflow_model", "triton_model"}, "Kind of model.")
            .defaults("custom_model"),
        make_reference("path", ReferenceRole::path, "Local path (relative to the YAML file).")
            .require(),
        make_field("properties", Type::string_map, "Properties (string to string)."),
        make_field("framework", Type::string, "Framework, e.g. pytorch (ferry).").one_line(),
        make_field("framework_version", Type::string, "Framework version (ferry).").one_line(),
        make_field("stage", Type::string, "Stage label.").one_line(),
    };
    fields.insert(fields.end(), more.begin(), more.end());
    add_common_keys(fields);
    return make_map("model", std::move(fields), "A model.");
}

Field compute() {
    Fields common = {make_field("name", Type::string, "Name of the compute.").require().one_line(),
                     make_field("description", Type::string, "What it is."),
                     make_field("tags", Type::string_map, "Tags (string to string).")};
    add_common_keys(common);
    Field sbatch = make_field("sbatch_args", Type::list, "Extra sbatch arguments.");
    sbatch.items.push_back(make_field("sbatch_args", Type::string, "An argument."));
    Field local =
        make_map("local",
                 {make_field("max_concurrent_runs", Type::integer, "Runs at once.").at_least(1),
                  make_field("gpus", Type::integer, "GPUs runs may use.").at_least(0)},
                 "This machine.");
    Field slurm =
        make_map("slurm",
                 {make_field("partition", Type::string, "Partition (-p)."),
                  make_field("account", Type::string, "Account (-A)."),
                  make_field("qos", Type::string, "Quality of service (--qos)."),
                  make_field("max_instances", Type::integer, "Nodes at most.").at_least(1), sbatch,
                  make_field("workspace_path", Type::string,
                             "The workspace's directory on the nodes; default: the same path."),
                  make_field("ferry_path", Type::string,
                             "ferry on the nodes; default: ferry on their PATH."),
                  make_field("tracking_host", Type::string,
                             "This machine's address as the nodes reach it, for runs' tracking "
                             "endpoints; default: its host name.")},
                 "A Slurm cluster.");
    Field ssh = make_map("ssh", {}, "Reserved.");
    ssh.unsupported = "reserved for a later release";
    Field field = make_field("compute", Type::tagged, "A compute target.");
    field.fields = std::move(common);
    field.items = {local, slurm, ssh};
    return field;
}

Field workspace() {
    Fields fields = {
        make_field("name", Type::string, "Name of the workspace.").require().one_line(),
        make_field("description", Type::string, "What it is for."),
        make_field("path", Type::string,
                   "Directory, relative to the YAML file; default under FERRY_HOME."),
        make_field("tags", Type::string_map, "Tags (string to string).")};
    add_common_keys(fields);
    return make_map("workspace", std::move(fields), "A workspace.");
}

}  // namespace ferry::spec::tables
