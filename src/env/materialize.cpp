// Making an environment real: the build lock, where each kind lives, what a machine lacks,
// and the build step (with its failure message) that prefixes and images share.
#include "ferry/env/materialize.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <deque>
#include <fstream>
#include <thread>

#include "ferry/util/fd.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/sha256.hpp"
#include "materialize_support.hpp"

namespace ferry::env {

using detail::environments_dir;
using detail::short_hash;

namespace {

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

namespace detail {

double seconds_since(Clock::time_point started) {
    return std::chrono::duration<double>(Clock::now() - started).count();
}

std::string short_hash(const Environment& environment) {
    return environment.hash.substr(0, 16);
}

fs::path environments_dir(const fs::path& root) {
    return root / "environments";
}

Result<void> write_text(const fs::path& path, std::string_view text) {
    return util::write_file_atomic(path, text, 0644, util::Durable::no);
}

Result<void> step(const Environment& environment, MaterializeContext& context,
                  std::string_view name, const Command& command) {
    const std::string header = fmt::format("$ {}\n", fmt::join(command.argv, " "));
    std::ignore = ::write(context.log_fd, header.data(), header.size());
    TRY_ASSIGN(auto code, context.runner->run(command, context.log_fd, context.keep_going));
    if (code != 0) {
        return std::unexpected(build_failure(environment, context, name, code));
    }
    return {};
}

}  // namespace detail

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
            return detail::builds_image(environment.definition)
                       ? "ferry-env:" + short_hash(environment)
                       : environment.definition.image;
        case Kind::host:
            break;
    }
    return "host";
}

Result<Materialized> materialize(const Environment& environment, MaterializeContext& context) {
    if (environment.kind == Kind::host) {
        return Materialized{"host", CacheOutcome::hit, 0};
    }
    TRY(util::create_directories(environments_dir(context.workspace_root), 0755));
    // Held until the environment is made: one process makes it, the others wait and find it.
    TRY_ASSIGN(const BuildLock lock, BuildLock::take(environments_dir(context.workspace_root) /
                                                         (short_hash(environment) + ".lock"),
                                                     context.keep_going, context.note));
    return environment.kind == Kind::docker ? detail::materialize_image(environment, context)
                                            : detail::materialize_prefix(environment, context);
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
                detail::k_ready_marker);
        case Kind::docker:
            break;
    }
    const auto engine = container_engine(runner);
    if (!engine) {
        return false;
    }
    return detail::has_image(runner, *engine, location_of(environment, workspace_root));
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
            if (!detail::conda_tool(runner)) {
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

std::string_view cache_outcome_name(CacheOutcome outcome) {
    switch (outcome) {
        case CacheOutcome::hit:
            return "hit";
        case CacheOutcome::built:
            return "built";
        case CacheOutcome::pulled:
            return "pulled";
    }
    return "hit";
}

}  // namespace ferry::env
