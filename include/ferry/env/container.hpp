#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/core/runner.hpp"

// A job's process in a container: the `docker run` line, and finding, stopping and removing
// the containers of a run by their labels.
namespace ferry::env {

struct ContainerRun {
    std::string engine;  // docker or podman (a name or a path)
    std::string image;
    std::string name;            // the container's name
    std::string run;             // label ferry.run
    std::string workspace_root;  // label ferry.workspace
    fs::path run_directory;      // mounted at the same path
    fs::path working_directory;
    std::vector<std::string>
        variables;  // passed by name; values come from the client's environment
    std::vector<std::pair<std::string, std::string>> read_only;  // source, target
    std::string shm_size;                                        // empty: the engine's default
    std::string gpus;                                            // empty, or "device=0,1"
    std::optional<std::string> user;                             // "UID:GID" when not root
    std::string command;                                         // a bash command line
    bool local_only = false;               // an image ferry built: never looked up in a registry
    std::vector<std::string> engine_args;  // resources.docker_args, before the image
};

// The engine's argv: run --rm --init --network host, labels, mounts, variables, the image,
// then the command with bash where the image has it, else sh.
[[nodiscard]] std::vector<std::string> container_argv(const ContainerRun& request);

// The ids of every container (running or not) of a run of a workspace.
[[nodiscard]] Result<std::vector<std::string>> run_containers(Runner& runner,
                                                              const std::string& engine,
                                                              const std::string& run,
                                                              const std::string& workspace_root);

// SIGTERM to each, SIGKILL after `grace_seconds` (the engine's stop; containers started with
// --rm go with it); output of the engine to `log_fd`.
[[nodiscard]] Result<void> stop_containers(Runner& runner, const std::string& engine,
                                           const std::vector<std::string>& ids,
                                           std::int64_t grace_seconds, int log_fd);
[[nodiscard]] Result<void> remove_containers(Runner& runner, const std::string& engine,
                                             const std::vector<std::string>& ids, int log_fd);

}  // namespace ferry::env
