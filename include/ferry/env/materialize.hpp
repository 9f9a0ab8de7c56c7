#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/env/definition.hpp"
#include "ferry/store/blob_store.hpp"

// Making an environment real: a venv or conda prefix in the workspace, or a container image,
// keyed by the environment's hash, built once (a lock) and cached only when the build
// succeeded.
namespace ferry::env {

struct MaterializeContext {
    fs::path workspace_root;
    const store::BlobStore* blobs = nullptr;
    Runner* runner = nullptr;
    int log_fd = 2;        // where build output goes
    fs::path log_path;     // the file behind log_fd, for the last lines of a failure
    KeepGoing keep_going;  // polled while waiting for the lock and while building
    std::function<void(const std::string&)> note;  // progress, one line each
};

// How a materialization went: it was there, was built, or its image was pulled.
enum class CacheOutcome { hit, built, pulled };
[[nodiscard]] std::string_view cache_outcome_name(CacheOutcome outcome);

struct Materialized {
    std::string location;  // the venv or conda directory, or the image
    CacheOutcome cache = CacheOutcome::hit;
    double seconds = 0;
};

// Where an environment lives once materialized: WORKSPACE/environments/<hash16> for a conda
// prefix, the same with "-<8 hex of the interpreter's path>" for a venv made with `interpreter`
// (each python3 has its own venv, so shells with other PATHs never rebuild one in use),
// `ferry-env:<hash16>` for an image ferry builds, else the image itself.
[[nodiscard]] std::string location_of(const Environment& environment,
                                      const fs::path& workspace_root,
                                      std::string_view interpreter = {});

// The python3 a venv would be made with: its real path, or "" when there is none.
[[nodiscard]] std::string venv_interpreter(const Runner& runner);

// Makes the environment (no-op for the host). A failure removes what was half made and says
// which step failed, with the last lines of the build when `log_path` is set.
[[nodiscard]] Result<Materialized> materialize(const Environment& environment,
                                               MaterializeContext& context);

// Whether it is materialized now (images are asked of the container engine).
[[nodiscard]] Result<bool> is_materialized(const Environment& environment,
                                           const fs::path& workspace_root, Runner& runner);

// The container engine: FERRY_CONTAINER_ENGINE, else docker, else podman, on PATH.
[[nodiscard]] std::optional<std::string> container_engine(const Runner& runner);
// Why there is none, for messages.
[[nodiscard]] std::string no_engine_reason(const Runner& runner);

// What a job in a venv or conda prefix gets over the host's variables: the prefix's bin/
// first on PATH, and VIRTUAL_ENV or CONDA_PREFIX.
[[nodiscard]] std::map<std::string, std::string> prefix_variables(const Environment& environment,
                                                                  const std::string& location,
                                                                  std::string_view host_path);

// Checks that this machine can materialize the environment at all (a conda prefix needs a
// conda tool, an image a container engine, a private registry its password variable);
// the message says what is missing.
[[nodiscard]] Result<void> check_can_materialize(const Environment& environment,
                                                 const Runner& runner);

// The last `count` lines of a file, for error messages.
[[nodiscard]] std::string last_lines(const fs::path& path, std::size_t count);

}  // namespace ferry::env
