#include "ferry/env/container.hpp"

#include "ferry/util/text.hpp"

namespace ferry::env {

namespace {

// A field of --mount's comma-separated value, quoted when it holds a comma or a quote.
std::string csv_field(std::string_view key, const std::string& value) {
    std::string field = std::string(key) + "=" + value;
    if (field.find_first_of(",\"") == std::string::npos) {
        return field;
    }
    std::string quoted = "\"";
    for (const char c : field) {
        quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return quoted + "\"";
}

// A bind mount; --mount, not --volume, so that paths may hold ':'.
std::string bind_mount(const std::string& source, const std::string& target, bool read_only) {
    return "type=bind," + csv_field("source", source) + "," + csv_field("target", target) +
           (read_only ? ",readonly" : "");
}

// Runs the command line with bash where the image has it (Azure's images do), else sh.
constexpr std::string_view k_shell_choice =
    "if command -v bash >/dev/null 2>&1; then exec bash -c \"$1\"; fi; exec sh -c \"$1\"";

}  // namespace

std::vector<std::string> container_argv(const ContainerRun& request) {
    std::vector<std::string> argv = {
        request.engine,
        "run",
        "--rm",
        "--init",
        "--network",
        "host",
        "--name",
        request.name,
        "--label",
        "ferry.run=" + request.run,
        "--label",
        "ferry.workspace=" + request.workspace_root,
        "--mount",
        bind_mount(request.run_directory.string(), request.run_directory.string(), false),
        "--workdir",
        request.working_directory.string()};
    for (const auto& [source, target] : request.read_only) {
        argv.push_back("--mount");
        argv.push_back(bind_mount(source, target, true));
    }
    for (const auto& name : request.variables) {
        argv.push_back("--env");
        argv.push_back(name);
    }
    if (!request.shm_size.empty()) {
        argv.push_back("--shm-size");
        argv.push_back(request.shm_size);
    }
    if (!request.gpus.empty()) {
        argv.push_back("--gpus");
        argv.push_back(request.gpus);
    }
    if (request.user) {
        argv.push_back("--user");
        argv.push_back(*request.user);
    }
    if (request.local_only) {
        argv.push_back("--pull");
        argv.push_back("never");
    }
    argv.insert(argv.end(), request.engine_args.begin(), request.engine_args.end());
    argv.push_back(request.image);
    argv.push_back("sh");
    argv.push_back("-c");
    argv.emplace_back(k_shell_choice);
    argv.push_back("ferry");
    argv.push_back(request.command);
    return argv;
}

Result<std::vector<std::string>> run_containers(Runner& runner, const std::string& engine,
                                                const std::string& run,
                                                const std::string& workspace_root) {
    TRY_ASSIGN(auto listed, runner.capture({{engine, "ps", "--all", "--quiet", "--no-trunc",
                                             "--filter", "label=ferry.run=" + run, "--filter",
                                             "label=ferry.workspace=" + workspace_root},
                                            {},
                                            {},
                                            {}},
                                           2));
    std::vector<std::string> ids;
    for (const std::string_view id : util::split(listed, '\n')) {
        if (!id.empty()) {
            ids.emplace_back(id);
        }
    }
    return ids;
}

Result<void> stop_containers(Runner& runner, const std::string& engine,
                             const std::vector<std::string>& ids, std::int64_t grace_seconds,
                             int log_fd) {
    if (ids.empty()) {
        return {};
    }
    std::vector<std::string> argv = {engine, "stop", "--time", std::to_string(grace_seconds)};
    argv.insert(argv.end(), ids.begin(), ids.end());
    TRY_ASSIGN(auto stopped, runner.run({argv, {}, {}, {}}, log_fd, {}));
    if (stopped != 0) {
        return fail("{} stop exited with {}", engine, stopped);
    }
    return {};
}

Result<void> remove_containers(Runner& runner, const std::string& engine,
                               const std::vector<std::string>& ids, int log_fd) {
    if (ids.empty()) {
        return {};
    }
    std::vector<std::string> argv = {engine, "rm", "--force"};
    argv.insert(argv.end(), ids.begin(), ids.end());
    TRY_ASSIGN(auto removed, runner.run({argv, {}, {}, {}}, log_fd, {}));
    if (removed != 0) {
        return fail("{} rm exited with {}", engine, removed);
    }
    return {};
}

}  // namespace ferry::env
