// Making an environment's container image: asking the engine for it, logging in to a private
// registry, then pulling the image or building it from its context.
#include <stdlib.h>

#include "ferry/env/materialize.hpp"
#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fs.hpp"
#include "materialize_support.hpp"

namespace ferry::env {

namespace detail {

namespace {

// A throw-away engine configuration holding the registry login, removed when done: the
// password never reaches a file that outlives the build.
class LoginConfig {
public:
    LoginConfig() = default;
    LoginConfig(const LoginConfig&) = delete;
    LoginConfig& operator=(const LoginConfig&) = delete;
    ~LoginConfig() {
        if (!m_dir.empty()) {
            std::ignore = util::remove_all(m_dir);
        }
    }
    Result<void> create() {
        std::string pattern = (fs::temp_directory_path() / "ferry-login-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            return fail("cannot make a directory for the registry login: {}",
                        util::errno_text(errno));
        }
        m_dir = pattern;
        return {};
    }
    [[nodiscard]] const fs::path& dir() const { return m_dir; }

private:
    fs::path m_dir;
};

// Logs in to the definition's registry; `variables` point the steps after it at the login.
Result<void> log_in(const Environment& environment, MaterializeContext& context,
                    const std::string& engine, LoginConfig& login,
                    std::map<std::string, std::string>& variables) {
    const auto& registry = *environment.definition.registry;
    auto password = context.runner->variable(registry.password_env);
    if (!password) {
        return usage_error("image_registry.password_env names {}, which is not set",
                           registry.password_env);
    }
    TRY(login.create());
    variables["DOCKER_CONFIG"] = login.dir().string();
    variables["REGISTRY_AUTH_FILE"] = (login.dir() / "auth.json").string();  // podman
    if (context.note) {
        context.note(fmt::format("logging in to {} as {}", registry.address, registry.username));
    }
    return step(
        environment, context, fmt::format("{} login", engine),
        {{engine, "login", registry.address, "--username", registry.username, "--password-stdin"},
         variables,
         *password + "\n",
         {}});
}

// The context: the stored snapshot, or a generated Dockerfile with the files it copies.
// Returns the Dockerfile's path in it.
Result<std::string> write_build_context(const Environment& environment,
                                        const MaterializeContext& context,
                                        const fs::path& context_dir) {
    const auto& definition = environment.definition;
    if (definition.context) {
        if (auto made = snapshot::materialize(*context.blobs, *definition.context, context_dir);
            !made) {
            return std::unexpected(with_context(made.error(), "build context"));
        }
        return definition.dockerfile_path;
    }
    TRY(util::create_directories(context_dir, 0755));
    std::vector<std::pair<std::string, std::string>> files = {
        {"Dockerfile", generated_dockerfile(definition)}};
    if (definition.conda) {
        files.emplace_back("conda.yml", *definition.conda);
    }
    if (definition.requirements) {
        files.emplace_back("requirements.txt", *definition.requirements);
    }
    for (const auto& [name, text] : files) {
        TRY(write_text(context_dir / name, text));
    }
    return std::string("Dockerfile");
}

Result<void> build_image(const Environment& environment, MaterializeContext& context,
                         const std::string& engine, const std::string& tag,
                         const std::map<std::string, std::string>& variables) {
    const fs::path context_dir =
        environments_dir(context.workspace_root) / (short_hash(environment) + ".context");
    std::ignore = util::remove_all(context_dir);
    TRY_ASSIGN(const std::string dockerfile,
               write_build_context(environment, context, context_dir));
    if (context.note) {
        context.note(fmt::format("building image {}", tag));
    }
    auto built = step(environment, context, fmt::format("{} build", engine),
                      {{engine, "build", "--force-rm", "--tag", tag, "--label",
                        "ferry.environment=" + environment.hash, "--file",
                        (context_dir / dockerfile).string(), context_dir.string()},
                       variables,
                       {},
                       {}});
    std::ignore = util::remove_all(context_dir);
    return built;
}

}  // namespace

bool builds_image(const Definition& definition) {
    return definition.context.has_value() ||
           (!definition.image.empty() && !definition.user_managed &&
            (definition.conda || definition.requirements));
}

Result<bool> has_image(Runner& runner, const std::string& engine, const std::string& tag) {
    TRY_ASSIGN(
        const int code,
        runner.run({{engine, "image", "inspect", "--format", "{{.Id}}", tag}, {}, {}, {}}, -1, {}));
    return code == 0;
}

Result<Materialized> materialize_image(const Environment& environment,
                                       MaterializeContext& context) {
    auto& runner = *context.runner;
    const auto engine = container_engine(runner);
    if (!engine) {
        return fail("{}", no_engine_reason(runner));
    }
    const std::string tag = location_of(environment, context.workspace_root);
    TRY_ASSIGN(const bool present, has_image(runner, *engine, tag));
    if (present) {
        return Materialized{tag, CacheOutcome::hit, 0};
    }
    const auto started = Clock::now();
    LoginConfig login;
    std::map<std::string, std::string> variables;
    if (environment.definition.registry) {
        TRY(log_in(environment, context, *engine, login, variables));
    }
    if (!builds_image(environment.definition)) {
        if (context.note) {
            context.note(fmt::format("pulling {}", tag));
        }
        TRY(step(environment, context, fmt::format("{} pull", *engine),
                 {{*engine, "pull", tag}, variables, {}, {}}));
        return Materialized{tag, CacheOutcome::pulled, seconds_since(started)};
    }
    TRY(build_image(environment, context, *engine, tag, variables));
    return Materialized{tag, CacheOutcome::built, seconds_since(started)};
}

}  // namespace detail

std::string no_engine_reason(const Runner& runner) {
    if (auto chosen = runner.variable("FERRY_CONTAINER_ENGINE"); chosen && !chosen->empty()) {
        return fmt::format("FERRY_CONTAINER_ENGINE names {}, which is not on PATH", *chosen);
    }
    return "an image needs Docker or Podman, and neither docker nor podman is on PATH";
}

std::optional<std::string> container_engine(const Runner& runner) {
    if (auto chosen = runner.variable("FERRY_CONTAINER_ENGINE"); chosen && !chosen->empty()) {
        return runner.find_program(*chosen) ? std::optional(*chosen) : std::nullopt;
    }
    for (const char* name : {"docker", "podman"}) {
        if (runner.find_program(name)) {
            return std::string(name);
        }
    }
    return std::nullopt;
}

}  // namespace ferry::env
