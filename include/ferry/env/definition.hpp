#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/spec/assets.hpp"
#include "ferry/store/workspace.hpp"

// What an environment is made of, with the files it names read in (so editing them later
// changes nothing), the runtime it needs, and the hash every materialization is keyed by.
namespace ferry::env {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

// Where a job runs: the host as it is, a venv, a conda prefix, or a container.
enum class Kind { host, venv, conda, docker };

[[nodiscard]] std::string_view kind_name(Kind kind);
[[nodiscard]] std::optional<Kind> parse_kind(std::string_view name);

struct ImageRegistry {
    std::string address;
    std::string username;
    std::string password_env;  // the variable holding the password; the password is never kept
};

struct Definition {
    std::string image;
    std::optional<std::string> conda;         // the conda file's text
    std::optional<std::string> requirements;  // the pip requirements' text
    std::optional<std::string> context;       // the build context, a stored snapshot id
    std::string dockerfile_path = "Dockerfile";
    bool user_managed = false;
    std::optional<ImageRegistry> registry;

    [[nodiscard]] Json to_json() const;
    [[nodiscard]] static Result<Definition> from_json(const Json& json);
    // SHA-256 of the canonical JSON: the same definition and context, the same hash.
    [[nodiscard]] std::string hash() const;
};

// What a conda file asks for.
struct CondaNeeds {
    std::string python;                       // "3.11" from python=3.11; empty when not pinned
    std::vector<std::string> conda_packages;  // besides python and pip
    std::vector<std::string> pip_packages;
};

// Parses a conda environment file; errors name `file`.
[[nodiscard]] Result<CondaNeeds> read_conda(std::string_view text, std::string_view file);

// The runtime a definition needs (a conda file that does not parse is reported here).
[[nodiscard]] Result<Kind> choose_kind(const Definition& definition);

// The pip requirements a venv installs: the requirements file, or the conda file's pip list.
[[nodiscard]] std::string venv_requirements(const Definition& definition);

// The Dockerfile ferry writes for an image with a conda file or pip requirements: the
// environment layered on the image, as Azure does.
[[nodiscard]] std::string generated_dockerfile(const Definition& definition);

// A resolved environment: a registered version (name and version set) or a job's inline one.
struct Environment {
    std::string name;
    std::string version;
    Kind kind = Kind::host;
    std::string hash;
    Definition definition;
    std::vector<std::string> warnings;  // what define() left out of the build context (not kept)

    // "NAME:VERSION", or "inline".
    [[nodiscard]] std::string label() const;
    [[nodiscard]] Json to_json() const;
    [[nodiscard]] static Result<Environment> from_json(const Json& json);
};

// Reads the files an environment spec names and stores its build context as a snapshot (not
// stored when `workspace` is null: the context id stays empty). Errors name `file`.
[[nodiscard]] Result<Environment> define(const spec::EnvironmentSpec& spec, std::string_view file,
                                         store::Workspace* workspace, std::string_view now);

}  // namespace ferry::env
