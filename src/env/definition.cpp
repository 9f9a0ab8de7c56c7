#include "ferry/env/definition.hpp"

#include <algorithm>

#include "ferry/snapshot/manifest.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"
#include "ferry/util/text.hpp"
#include "ferry/util/yaml.hpp"

namespace ferry::env {

namespace {

constexpr std::string_view k_kind_names[] = {"host", "venv", "conda", "docker"};

Json optional_text(const std::optional<std::string>& text) {
    return text ? Json(*text) : Json(nullptr);
}

std::optional<std::string> text_or_null(const Json& json, const char* key) {
    if (!json.contains(key) || json.at(key).is_null()) {
        return std::nullopt;
    }
    return json.at(key).get<std::string>();
}

// "python=3.11", "python>=3.8", "python" -> the package name before any version operator.
std::string package_name(std::string_view spec) {
    const auto end = spec.find_first_of("=<>!~ [");
    return std::string(spec.substr(0, end));
}

Result<std::string> read_named_file(const fs::path& path, std::string_view key,
                                    std::string_view file) {
    auto text = util::read_file(path);
    if (!text) {
        return usage_error("{}: {}: {}", file, key, text.error().message);
    }
    return text;
}

// A path a requirement line names, made absolute against the requirements' directory.
std::string absolute_against(const fs::path& dir, std::string_view path) {
    if (path.empty() || fs::path(path).is_absolute() || path.find("://") != std::string::npos) {
        return std::string(path);
    }
    return (dir / path).lexically_normal().string();
}

// The requirements as they will be installed from another directory: `-r FILE` replaced by
// the file's lines (so its content is part of the environment), and the paths of `-c`, `-e`,
// `-f`/`--find-links` and of local archives and folders made absolute.
Result<std::string> resolve_requirements(std::string_view text, const fs::path& dir,
                                         std::string_view file, int depth) {
    if (depth > 8) {
        return usage_error("{}: pip_requirements: -r files nest too deep", file);
    }
    std::string out;
    // A '\r' stays (the text is hashed as written); an empty last part is the final newline.
    auto parts = util::split(text, '\n');
    if (parts.back().empty()) {
        parts.pop_back();
    }
    for (const std::string_view part : parts) {
        const std::string line(part);
        const auto first = line.find_first_not_of(" \t");
        const std::string trimmed = first == std::string::npos ? "" : line.substr(first);
        std::string option;
        std::string argument;
        for (const std::string_view name : {"--requirement", "--constraint", "--editable",
                                            "--find-links", "-r", "-c", "-e", "-f"}) {
            if (trimmed.starts_with(name)) {
                option = std::string(name);
                argument = trimmed.substr(name.size());
                const auto skip = argument.find_first_not_of(" \t=");
                argument = skip == std::string::npos ? "" : argument.substr(skip);
                break;
            }
        }
        if (option == "-r" || option == "--requirement") {
            const fs::path nested = absolute_against(dir, argument);
            auto nested_text = util::read_file(nested);
            if (!nested_text) {
                return usage_error("{}: pip_requirements: {}", file, nested_text.error().message);
            }
            auto inlined =
                resolve_requirements(*nested_text, nested.parent_path(), file, depth + 1);
            if (!inlined) {
                return inlined;
            }
            out += "# from " + nested.string() + "\n" + *inlined;
        } else if (!option.empty()) {
            out += option + " " + absolute_against(dir, argument) + "\n";
        } else if (trimmed.starts_with("./") || trimmed.starts_with("../")) {
            out += absolute_against(dir, trimmed) + "\n";
        } else {
            out += line + "\n";
        }
    }
    return out;
}

}  // namespace

std::string_view kind_name(Kind kind) {
    return k_kind_names[static_cast<std::size_t>(kind)];
}

std::optional<Kind> parse_kind(std::string_view name) {
    for (std::size_t i = 0; i < std::size(k_kind_names); ++i) {
        if (k_kind_names[i] == name) {
            return static_cast<Kind>(i);
        }
    }
    return std::nullopt;
}

Json Definition::to_json() const {
    Json json;
    json["image"] = image.empty() ? Json(nullptr) : Json(image);
    json["conda_file"] = optional_text(conda);
    json["pip_requirements"] = optional_text(requirements);
    json["build"] =
        context ? Json{{"context", *context}, {"dockerfile_path", dockerfile_path}} : Json(nullptr);
    json["user_managed_dependencies"] = user_managed;
    json["image_registry"] = registry ? Json{{"address", registry->address},
                                             {"username", registry->username},
                                             {"password_env", registry->password_env}}
                                      : Json(nullptr);
    return json;
}

Result<Definition> Definition::from_json(const Json& json) {
    try {
        Definition definition;
        if (json.contains("image") && json["image"].is_string()) {
            definition.image = json["image"].get<std::string>();
        }
        definition.conda = text_or_null(json, "conda_file");
        definition.requirements = text_or_null(json, "pip_requirements");
        if (json.contains("build") && json["build"].is_object()) {
            definition.context = json["build"].at("context").get<std::string>();
            definition.dockerfile_path = json["build"].at("dockerfile_path").get<std::string>();
        }
        definition.user_managed = json.value("user_managed_dependencies", false);
        if (json.contains("image_registry") && json["image_registry"].is_object()) {
            const auto& registry = json["image_registry"];
            definition.registry = ImageRegistry{registry.at("address").get<std::string>(),
                                                registry.at("username").get<std::string>(),
                                                registry.at("password_env").get<std::string>()};
        }
        return definition;
    } catch (const std::exception& e) {
        return fail("a recorded environment definition is damaged: {}", e.what());
    }
}

std::string Definition::hash() const {
    return util::Sha256::of(to_json().dump());
}

Result<CondaNeeds> read_conda(std::string_view text, std::string_view file) {
    TRY_ASSIGN(auto root, util::parse_yaml(text, file));
    CondaNeeds needs;
    if (root.IsNull()) {
        return needs;
    }
    if (!root.IsMap()) {
        return usage_error("{}: a conda file is a map (name, channels, dependencies)",
                           util::yaml_position(root, file));
    }
    const YAML::Node dependencies = root["dependencies"];
    if (!dependencies) {
        return needs;
    }
    if (!dependencies.IsSequence()) {
        return usage_error("{}: dependencies must be a list",
                           util::yaml_position(dependencies, file));
    }
    for (const auto& item : dependencies) {
        if (item.IsScalar()) {
            const std::string spec = item.as<std::string>();
            const std::string name = package_name(spec);
            if (name == "python") {
                const auto digits = spec.find_first_of("0123456789");
                needs.python = digits == std::string::npos ? "" : spec.substr(digits);
            } else if (name != "pip") {
                needs.conda_packages.push_back(spec);
            }
        } else if (item.IsMap() && item["pip"]) {
            if (!item["pip"].IsSequence()) {
                return usage_error("{}: pip must be a list of requirements",
                                   util::yaml_position(item["pip"], file));
            }
            for (const auto& pip : item["pip"]) {
                if (!pip.IsScalar()) {
                    return usage_error("{}: a pip requirement is one line of text",
                                       util::yaml_position(pip, file));
                }
                needs.pip_packages.push_back(pip.as<std::string>());
            }
        } else {
            return usage_error("{}: a dependency is a package or a 'pip:' list",
                               util::yaml_position(item, file));
        }
    }
    return needs;
}

Result<Kind> choose_kind(const Definition& definition) {
    if (!definition.image.empty() || definition.context) {
        return Kind::docker;
    }
    if (definition.user_managed) {
        return Kind::host;
    }
    if (definition.conda) {
        TRY_ASSIGN(auto needs, read_conda(*definition.conda, "conda_file"));
        return needs.conda_packages.empty() ? Kind::venv : Kind::conda;
    }
    return definition.requirements ? Kind::venv : Kind::host;
}

std::string venv_requirements(const Definition& definition) {
    std::string lines;
    if (definition.requirements) {
        lines = *definition.requirements;
        if (!lines.empty() && lines.back() != '\n') {
            lines += '\n';
        }
    }
    if (definition.conda) {
        if (auto needs = read_conda(*definition.conda, "conda_file")) {
            for (const auto& package : needs->pip_packages) {
                lines += package + '\n';
            }
        }
    }
    return lines;
}

std::string generated_dockerfile(const Definition& definition) {
    std::string text = fmt::format("FROM {}\n", definition.image);
    if (definition.conda) {
        // The first of micromamba, mamba and conda the image has makes the prefix.
        text +=
            "COPY conda.yml /ferry/conda.yml\n"
            "RUN set -e; tool=; for t in micromamba mamba conda; do "
            "if command -v \"$t\" >/dev/null 2>&1; then tool=$t; break; fi; done; "
            "if [ -z \"$tool\" ]; then echo \"ferry: the image has no micromamba, mamba or "
            "conda to create the conda environment\" >&2; exit 1; fi; "
            "if [ \"$tool\" = micromamba ]; then micromamba create -y -p /opt/ferry-env -f "
            "/ferry/conda.yml; else \"$tool\" env create -p /opt/ferry-env -f /ferry/conda.yml; "
            "fi\n"
            "ENV PATH=/opt/ferry-env/bin:$PATH CONDA_PREFIX=/opt/ferry-env\n";
    }
    if (definition.requirements) {
        text +=
            "COPY requirements.txt /ferry/requirements.txt\n"
            "RUN python3 -m pip install -r /ferry/requirements.txt\n";
    }
    return text;
}

std::string Environment::label() const {
    return name.empty() ? std::string("inline") : fmt::format("{}:{}", name, version);
}

Json Environment::to_json() const {
    Json json;
    json["name"] = name.empty() ? Json(nullptr) : Json(name);
    json["version"] = version.empty() ? Json(nullptr) : Json(version);
    json["runtime"] = kind_name(kind);
    json["hash"] = hash;
    json["definition"] = definition.to_json();
    return json;
}

Result<Environment> Environment::from_json(const Json& json) {
    try {
        Environment environment;
        if (json.at("name").is_string()) {
            environment.name = json.at("name").get<std::string>();
        }
        if (json.at("version").is_string()) {
            environment.version = json.at("version").get<std::string>();
        }
        const auto kind = parse_kind(json.at("runtime").get<std::string>());
        if (!kind) {
            return fail("a recorded environment names an unknown runtime");
        }
        environment.kind = *kind;
        environment.hash = json.at("hash").get<std::string>();
        TRY_ASSIGN(auto definition, Definition::from_json(json.at("definition")));
        environment.definition = std::move(definition);
        return environment;
    } catch (const std::exception& e) {
        return fail("a recorded environment is damaged: {}", e.what());
    }
}

namespace {

// The conda file and pip requirements the spec names, read and checked.
Result<void> read_dependencies(const spec::EnvironmentSpec& spec, std::string_view file,
                               Definition& definition) {
    if (spec.conda_file) {
        TRY_ASSIGN(definition.conda, read_named_file(*spec.conda_file, "conda_file", file));
    } else if (!spec.conda_inline.is_null()) {
        definition.conda = spec.conda_inline.dump(2);  // JSON is YAML
    }
    if (spec.pip_requirements) {
        TRY_ASSIGN(auto text, read_named_file(*spec.pip_requirements, "pip_requirements", file));
        TRY_ASSIGN(definition.requirements,
                   resolve_requirements(text, spec.pip_requirements->parent_path(), file, 0));
    }
    if (definition.conda) {
        // Positions are in the conda file: name it (an inline one is in the job file).
        const std::string conda_name =
            spec.conda_file ? spec.conda_file->string() : fmt::format("{}: conda_file", file);
        TRY(read_conda(*definition.conda, conda_name));
    }
    return {};
}

// The Dockerfile must be a file inside build.path, which must be a directory.
Result<void> check_build_paths(const spec::EnvironmentSpec::Build& build, std::string_view file) {
    const fs::path dockerfile(build.dockerfile_path);
    if (dockerfile.is_absolute() || !snapshot::is_safe_relative_path(dockerfile.generic_string())) {
        return usage_error("{}: build.dockerfile_path: {} must be a path inside build.path", file,
                           build.dockerfile_path);
    }
    std::error_code ec;
    if (!fs::is_directory(build.path, ec)) {
        return usage_error("{}: build.path: {} is not a directory", file, build.path.string());
    }
    if (!fs::is_regular_file(build.path / build.dockerfile_path, ec)) {
        return usage_error("{}: build.dockerfile_path: no file {}", file,
                           (build.path / build.dockerfile_path).string());
    }
    return {};
}

// Stores the build context as a snapshot and returns its id; what it leaves out is a warning.
Result<std::string> store_build_context(const spec::EnvironmentSpec::Build& build,
                                        std::string_view file, store::Workspace& workspace,
                                        std::string_view now, std::vector<std::string>& warnings) {
    // Every file, as docker build sends the context; its .dockerignore applies at the build.
    auto listing = snapshot::list_tree(build.path, snapshot::IgnoreFiles::none);
    if (!listing) {
        return std::unexpected(with_context(listing.error(), "build context"));
    }
    const std::string dockerfile =
        fs::path(build.dockerfile_path).lexically_normal().generic_string();
    const bool has_dockerfile = std::ranges::any_of(
        listing->entries, [&](const snapshot::Entry& entry) { return entry.path == dockerfile; });
    if (!has_dockerfile) {
        return usage_error(
            "{}: build.dockerfile_path: {} is left out of the context by an ignore file", file,
            build.dockerfile_path);
    }
    for (const auto& left : listing->left_out) {
        warnings.push_back(fmt::format("build context {}: {} left out ({})", build.path.string(),
                                       left.path, snapshot::reason_name(left.reason)));
    }
    auto stored = snapshot::store_snapshot(workspace, *listing, snapshot::k_default_limit, now);
    if (!stored) {
        return std::unexpected(with_context(stored.error(), "build context"));
    }
    return stored->id;
}

}  // namespace

Result<Environment> define(const spec::EnvironmentSpec& spec, std::string_view file,
                           store::Workspace* workspace, std::string_view now) {
    Definition definition;
    definition.image = spec.image;
    definition.user_managed = spec.user_managed_dependencies;
    TRY(read_dependencies(spec, file, definition));
    if (spec.image_registry) {
        definition.registry =
            ImageRegistry{spec.image_registry->address, spec.image_registry->username,
                          spec.image_registry->password_env};
    }
    std::vector<std::string> warnings;
    if (spec.build) {
        definition.dockerfile_path = spec.build->dockerfile_path;
        TRY(check_build_paths(*spec.build, file));
        definition.context = std::string();
        if (workspace != nullptr) {
            TRY_ASSIGN(definition.context,
                       store_build_context(*spec.build, file, *workspace, now, warnings));
        }
    }
    TRY_ASSIGN(auto kind, choose_kind(definition));
    Environment environment;
    environment.name = spec.name;
    environment.version = spec.version;
    environment.kind = kind;
    environment.definition = std::move(definition);
    environment.hash = environment.definition.hash();
    environment.warnings = std::move(warnings);
    return environment;
}

}  // namespace ferry::env
