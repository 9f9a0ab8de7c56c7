#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/spec/reference.hpp"

namespace ferry::spec {

// Keys and values in the order of the file.
using StringMap = std::vector<std::pair<std::string, std::string>>;

struct EnvironmentSpec {
    struct Build {
        std::filesystem::path path;                  // absolute
        std::string dockerfile_path = "Dockerfile";  // relative to path
    };
    struct ImageRegistry {
        std::string address;
        std::string username;
        std::string password_env;  // name of the variable holding the password
    };
    std::string name;  // empty for an inline environment of a job
    std::string version;
    std::string description;
    StringMap tags;
    std::string image;
    std::optional<std::filesystem::path> conda_file;  // absolute
    nlohmann::ordered_json conda_inline;              // null unless conda_file was a map
    std::optional<Build> build;
    std::optional<std::filesystem::path> pip_requirements;  // absolute
    bool user_managed_dependencies = false;
    std::optional<ImageRegistry> image_registry;
    std::string os_type = "linux";

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct DataSpec {
    std::string name;
    std::string version;
    std::string description;
    StringMap tags;
    StringMap properties;
    std::string type = "uri_folder";
    std::vector<Reference> paths;  // local ones absolute; one unless `paths` was used
    bool several_paths = false;    // written as `paths`

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct ModelSpec {
    std::string name;
    std::string version;
    std::string description;
    StringMap tags;
    StringMap properties;
    std::string type = "custom_model";
    Reference path;
    std::string framework;
    std::string framework_version;
    std::string stage;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct ComputeSpec {
    std::string name;
    std::string type;  // "local" or "slurm"
    std::string description;
    StringMap tags;
    // local
    std::optional<std::int64_t> max_concurrent_runs;
    std::optional<std::int64_t> gpus;
    // slurm
    std::string partition;
    std::string account;
    std::string qos;
    std::optional<std::int64_t> max_instances;
    std::vector<std::string> sbatch_args;
    std::string workspace_path;  // where the nodes see the workspace; empty: the same path
    std::string ferry_path;      // ferry on the nodes; empty: `ferry` on their PATH
    std::string tracking_host;   // this machine as the nodes reach it; empty: its host name

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct WorkspaceSpec {
    std::string name;
    std::string description;
    std::optional<std::filesystem::path> path;  // absolute
    StringMap tags;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

}  // namespace ferry::spec
