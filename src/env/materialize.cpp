#include "ferry/env/materialize.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <thread>

#include "ferry/snapshot/snapshot.hpp"
#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::env {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view k_ready_marker = ".ferry-ready";

std::string short_hash(const Environment& environment) {
    return environment.hash.substr(0, 16);
}

fs::path environments_dir(const fs::path& root) {
    return root / "environments";
}

bool builds_image(const Definition& definition) {
    return definition.context.has_value() ||
           (!definition.image.empty() && !definition.user_managed &&
            (definition.conda || definition.requirements));
}

// An exclusive lock on a file, held while the object lives; waiting polls `keep_going`.
class BuildLock {
public:
    static Result<BuildLock> take(const fs::path& path, const KeepGoing& keep_going,
                                  const std::function<void(const std::string&)>& note) {
        util::Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) {
            return fail("cannot open {}: {}", path.string(), util::errno_text(errno));
        }
        bool told = false;
        while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                return fail("cannot lock {}: {}", path.string(), util::errno_text(errno));
            }
            if (!told && note) {
                note("another process is making this environment; waiting for it");
                told = true;
            }
            if (keep_going && !keep_going()) {
                return fail("stopped while waiting for the environment");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return BuildLock(std::move(fd));
    }

private:
    explicit BuildLock(util::Fd fd) : m_fd(std::move(fd)) {}
    util::Fd m_fd;  // closing it releases the lock
};

Result<void> write_text(const fs::path& path, std::string_view text) {
    return util::write_file_atomic(path, text, 0644, util::Durable::no);
}

Error build_failure(const Environment& environment, const MaterializeContext& context,
                    std::string_view step, int code) {
    std::string message = fmt::format("environment build failed ({}, {} exited with {})",
                                      kind_name(environment.kind), step, code);
    if (!context.log_path.empty()) {
        const std::string tail = last_lines(context.log_path, 10);
        if (!tail.empty()) {
            // The last line says most; the ones before it give the context.
            const auto last = tail.rfind('\n');
            message += ": " + tail.substr(last == std::string::npos ? 0 : last + 1) +
                       "\nthe last lines of system_logs/" + context.log_path.filename().string() +
                       ":\n" + tail;
        }
    }
    return Error{ExitCode::infrastructure, message};
}

// Runs one step of a build; a non-zero exit is a build failure.
Result<void> step(const Environment& environment, MaterializeContext& context,
                  std::string_view name, const Command& command) {
    const std::string header = fmt::format("$ {}\n", fmt::join(command.argv, " "));
    std::ignore = ::write(context.log_fd, header.data(), header.size());
    auto code = context.runner->run(command, context.log_fd, context.keep_going);
    if (!code) {
        return std::unexpected(code.error());
    }
    if (*code != 0) {
        return std::unexpected(build_failure(environment, context, name, *code));
    }
    return {};
}

const char* conda_tool_names[] = {"micromamba", "mamba", "conda"};

std::optional<std::string> conda_tool(const Runner& runner) {
    for (const char* name : conda_tool_names) {
        if (runner.find_program(name)) {
            return std::string(name);
        }
    }
    return std::nullopt;
}

Result<void> make_prefix(const Environment& environment, MaterializeContext& context,
                         const fs::path& directory) {
    auto& runner = *context.runner;
    if (environment.kind == Kind::venv) {
        if (auto made = step(environment, context, "python3 -m venv",
                             {{"python3", "-m", "venv", directory.string()}, {}, {}, {}});
            !made) {
            return made;
        }
        const std::string requirements = venv_requirements(environment.definition);
        if (requirements.find_first_not_of(" \n\t") == std::string::npos) {
            return {};
        }
        const fs::path file = directory / "ferry-requirements.txt";
        if (auto written = write_text(file, requirements); !written) {
            return written;
        }
        return step(environment, context, "pip install",
                    {{(directory / "bin" / "python").string(), "-m", "pip", "install",
                      "--disable-pip-version-check", "--no-input", "-r", file.string()},
                     {},
                     {},
                     {}});
    }
    auto tool = conda_tool(runner);
    if (!tool) {
        return fail("no micromamba, mamba or conda on PATH");
    }
    const fs::path file = directory.string() + ".conda.yml";
    if (auto written = write_text(file, environment.definition.conda.value_or("")); !written) {
        return written;
    }
    auto made = step(environment, context, *tool + " create",
                     *tool == "micromamba" ? Command{{*tool, "create", "--yes", "--prefix",
                                                      directory.string(), "--file", file.string()},
                                                     {},
                                                     {},
                                                     {}}
                                           : Command{{*tool, "env", "create", "--prefix",
                                                      directory.string(), "--file", file.string()},
                                                     {},
                                                     {},
                                                     {}});
    std::ignore = util::remove_all(file);
    return made;
}

// Which python3 a venv is made with: its real path and modification time, which an upgrade
// changes (no process is started: this is asked on every run).
std::string interpreter_identity(const Runner& runner) {
    const auto python = runner.find_program("python3");
    if (!python) {
        return {};
    }
    std::error_code ec;
    const fs::path real = fs::canonical(*python, ec);
    if (ec) {
        return python->string();
    }
    struct stat info {};
    if (::stat(real.c_str(), &info) != 0) {
        return real.string();
    }
    return fmt::format("{} {}", real.filename().string(), info.st_mtim.tv_sec) + " " +
           real.string();
}

Result<Materialized> materialize_prefix(const Environment& environment,
                                        MaterializeContext& context) {
    const fs::path directory =
        location_of(environment, context.workspace_root,
                    environment.kind == Kind::venv ? venv_interpreter(*context.runner) : "");
    const fs::path marker = directory / k_ready_marker;
    // A venv stands on the host's python3: when that changes (an upgrade), it is made again.
    const std::string made_with =
        environment.kind == Kind::venv ? interpreter_identity(*context.runner) : std::string();
    const std::string ready_text = environment.hash + "\n" + made_with;
    if (auto ready = util::read_file(marker)) {
        if (*ready == ready_text) {
            return Materialized{directory.string(), "hit", 0};
        }
        if (context.note) {
            context.note("the host's python3 changed since this venv was made");
        }
    }
    if (context.note) {
        context.note(fmt::format("building {}", directory.string()));
    }
    if (environment.kind == Kind::venv && environment.definition.conda && context.note) {
        if (auto needs = read_conda(*environment.definition.conda, "conda_file");
            needs && !needs->python.empty()) {
            context.note(fmt::format(
                "the conda file asks for python {}; a venv has the host's python3 ({})",
                needs->python,
                made_with.empty() ? "unknown" : made_with.substr(0, made_with.find(' '))));
        }
    }
    const auto started = Clock::now();
    std::ignore = util::remove_all(directory);  // what a failed or killed build left
    auto made = make_prefix(environment, context, directory);
    if (!made) {
        std::ignore = util::remove_all(directory);
        return std::unexpected(made.error());
    }
    if (auto written = write_text(marker, ready_text); !written) {
        return std::unexpected(written.error());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return Materialized{directory.string(), "built", seconds};
}

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

Result<Materialized> materialize_image(const Environment& environment,
                                       MaterializeContext& context) {
    auto& runner = *context.runner;
    const auto engine = container_engine(runner);
    if (!engine) {
        return fail("{}", no_engine_reason(runner));
    }
    const auto& definition = environment.definition;
    const std::string tag = location_of(environment, context.workspace_root);
    auto present =
        runner.run({{*engine, "image", "inspect", "--format", "{{.Id}}", tag}, {}, {}, {}}, -1, {});
    if (!present) {
        return std::unexpected(present.error());
    }
    if (*present == 0) {
        return Materialized{tag, "hit", 0};
    }
    const auto started = Clock::now();
    LoginConfig login;
    std::map<std::string, std::string> variables;
    if (definition.registry) {
        const auto& registry = *definition.registry;
        auto password = runner.variable(registry.password_env);
        if (!password) {
            return usage_error("image_registry.password_env names {}, which is not set",
                               registry.password_env);
        }
        if (auto made = login.create(); !made) {
            return std::unexpected(made.error());
        }
        variables["DOCKER_CONFIG"] = login.dir().string();
        variables["REGISTRY_AUTH_FILE"] = (login.dir() / "auth.json").string();  // podman
        if (context.note) {
            context.note(
                fmt::format("logging in to {} as {}", registry.address, registry.username));
        }
        if (auto logged = step(environment, context, fmt::format("{} login", *engine),
                               {{*engine, "login", registry.address, "--username",
                                 registry.username, "--password-stdin"},
                                variables,
                                *password + "\n",
                                {}});
            !logged) {
            return std::unexpected(logged.error());
        }
    }
    if (!builds_image(definition)) {
        if (context.note) {
            context.note(fmt::format("pulling {}", tag));
        }
        if (auto pulled = step(environment, context, fmt::format("{} pull", *engine),
                               {{*engine, "pull", tag}, variables, {}, {}});
            !pulled) {
            return std::unexpected(pulled.error());
        }
        return Materialized{tag, "pulled",
                            std::chrono::duration<double>(Clock::now() - started).count()};
    }
    // The context: the stored snapshot, or a generated Dockerfile with the files it copies.
    const fs::path context_dir =
        environments_dir(context.workspace_root) / (short_hash(environment) + ".context");
    std::ignore = util::remove_all(context_dir);
    std::string dockerfile = "Dockerfile";
    if (definition.context) {
        if (auto made = snapshot::materialize(*context.blobs, *definition.context, context_dir);
            !made) {
            return std::unexpected(with_context(made.error(), "build context"));
        }
        dockerfile = definition.dockerfile_path;
    } else {
        if (auto made = util::create_directories(context_dir, 0755); !made) {
            return std::unexpected(made.error());
        }
        std::vector<std::pair<std::string, std::string>> files = {
            {"Dockerfile", generated_dockerfile(definition)}};
        if (definition.conda) {
            files.emplace_back("conda.yml", *definition.conda);
        }
        if (definition.requirements) {
            files.emplace_back("requirements.txt", *definition.requirements);
        }
        for (const auto& [name, text] : files) {
            if (auto written = write_text(context_dir / name, text); !written) {
                return std::unexpected(written.error());
            }
        }
    }
    if (context.note) {
        context.note(fmt::format("building image {}", tag));
    }
    auto built = step(environment, context, fmt::format("{} build", *engine),
                      {{*engine, "build", "--force-rm", "--tag", tag, "--label",
                        "ferry.environment=" + environment.hash, "--file",
                        (context_dir / dockerfile).string(), context_dir.string()},
                       variables,
                       {},
                       {}});
    std::ignore = util::remove_all(context_dir);
    if (!built) {
        return std::unexpected(built.error());
    }
    return Materialized{tag, "built",
                        std::chrono::duration<double>(Clock::now() - started).count()};
}

// Without terminal colour sequences (ESC [ ... letter), which a build may print.
std::string strip_escapes(std::string_view line) {
    std::string plain;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
            i += 2;
            while (i < line.size() && !(line[i] >= '@' && line[i] <= '~')) {
                ++i;
            }
            continue;
        }
        plain += line[i];
    }
    return plain;
}

}  // namespace

std::string venv_interpreter(const Runner& runner) {
    const auto python = runner.find_program("python3");
    if (!python) {
        return {};
    }
    std::error_code ec;
    const fs::path real = fs::canonical(*python, ec);
    return ec ? python->string() : real.string();
}

std::string location_of(const Environment& environment, const fs::path& workspace_root,
                        std::string_view interpreter) {
    switch (environment.kind) {
        case Kind::venv:
            return (environments_dir(workspace_root) /
                    (interpreter.empty() ? short_hash(environment)
                                         : short_hash(environment) + "-" +
                                               util::Sha256::of(interpreter).substr(0, 8)))
                .string();
        case Kind::conda:
            return (environments_dir(workspace_root) / short_hash(environment)).string();
        case Kind::docker:
            return builds_image(environment.definition) ? "ferry-env:" + short_hash(environment)
                                                        : environment.definition.image;
        case Kind::host:
            break;
    }
    return "host";
}

Result<Materialized> materialize(const Environment& environment, MaterializeContext& context) {
    if (environment.kind == Kind::host) {
        return Materialized{"host", "hit", 0};
    }
    if (auto made = util::create_directories(environments_dir(context.workspace_root), 0755);
        !made) {
        return std::unexpected(made.error());
    }
    auto lock = BuildLock::take(
        environments_dir(context.workspace_root) / (short_hash(environment) + ".lock"),
        context.keep_going, context.note);
    if (!lock) {
        return std::unexpected(lock.error());
    }
    return environment.kind == Kind::docker ? materialize_image(environment, context)
                                            : materialize_prefix(environment, context);
}

Result<bool> is_materialized(const Environment& environment, const fs::path& workspace_root,
                             Runner& runner) {
    switch (environment.kind) {
        case Kind::host:
            return true;
        case Kind::venv:
        case Kind::conda:
            return util::exists(
                fs::path(location_of(environment, workspace_root, venv_interpreter(runner))) /
                k_ready_marker);
        case Kind::docker:
            break;
    }
    const auto engine = container_engine(runner);
    if (!engine) {
        return false;
    }
    auto present = runner.run({{*engine, "image", "inspect", "--format", "{{.Id}}",
                                location_of(environment, workspace_root)},
                               {},
                               {},
                               {}},
                              -1, {});
    if (!present) {
        return std::unexpected(present.error());
    }
    return *present == 0;
}

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

std::map<std::string, std::string> prefix_variables(const Environment& environment,
                                                    const std::string& location,
                                                    std::string_view host_path) {
    std::map<std::string, std::string> variables;
    if (environment.kind != Kind::venv && environment.kind != Kind::conda) {
        return variables;
    }
    variables["PATH"] = location + "/bin" + (host_path.empty() ? "" : ":" + std::string(host_path));
    variables[environment.kind == Kind::venv ? "VIRTUAL_ENV" : "CONDA_PREFIX"] = location;
    return variables;
}

Result<void> check_can_materialize(const Environment& environment, const Runner& runner) {
    const auto& definition = environment.definition;
    if (definition.registry && !runner.variable(definition.registry->password_env)) {
        return usage_error("image_registry.password_env names {}, which is not set",
                           definition.registry->password_env);
    }
    switch (environment.kind) {
        case Kind::host:
            return {};
        case Kind::venv:
            if (!runner.find_program("python3")) {
                return usage_error("a venv needs python3, which is not on PATH");
            }
            return {};
        case Kind::conda:
            if (!conda_tool(runner)) {
                std::string packages;
                if (auto needs = read_conda(definition.conda.value_or(""), "conda_file")) {
                    for (const auto& package : needs->conda_packages) {
                        packages += (packages.empty() ? "" : ", ") + package;
                    }
                }
                return usage_error(
                    "the conda file needs conda, mamba or micromamba for: {}; none is on PATH "
                    "(a conda file with only python and pip packages runs in a venv)",
                    packages);
            }
            return {};
        case Kind::docker:
            if (!container_engine(runner)) {
                return usage_error("{}", no_engine_reason(runner));
            }
            return {};
    }
    return {};
}

std::string last_lines(const fs::path& path, std::size_t count) {
    std::ifstream in(path);
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (line.find_first_not_of(" \t\r") == std::string::npos || line.starts_with("$ ")) {
            continue;  // blank, or ferry's own line naming the step
        }
        line = strip_escapes(line);
        if (line.size() > 200) {
            line = line.substr(0, 200) + "...";  // a progress bar or a dump is not a message
        }
        lines.push_back(line);
        if (lines.size() > count) {
            lines.pop_front();
        }
    }
    std::string text;
    for (const auto& line : lines) {
        text += (text.empty() ? "" : "\n") + line;
    }
    return text;
}

}  // namespace ferry::env
