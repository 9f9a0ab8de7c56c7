// Making a venv or a conda prefix in the workspace, ready once its marker file is written.
#include <sys/stat.h>

#include "ferry/env/materialize.hpp"
#include "ferry/util/fs.hpp"
#include "materialize_support.hpp"

namespace ferry::env {

namespace detail {

namespace {

const char* const k_conda_tools[] = {"micromamba", "mamba", "conda"};

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
        TRY(write_text(file, requirements));
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
    TRY(write_text(file, environment.definition.conda.value_or("")));
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

}  // namespace

std::optional<std::string> conda_tool(const Runner& runner) {
    for (const char* name : k_conda_tools) {
        if (runner.find_program(name)) {
            return std::string(name);
        }
    }
    return std::nullopt;
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
            return Materialized{directory.string(), CacheOutcome::hit, 0};
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
    TRY(write_text(marker, ready_text));
    return Materialized{directory.string(), CacheOutcome::built, seconds_since(started)};
}

}  // namespace detail

std::string venv_interpreter(const Runner& runner) {
    const auto python = runner.find_program("python3");
    if (!python) {
        return {};
    }
    std::error_code ec;
    const fs::path real = fs::canonical(*python, ec);
    return ec ? python->string() : real.string();
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

}  // namespace ferry::env
