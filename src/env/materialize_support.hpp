// What materialize.cpp, materialize_prefix.cpp and materialize_image.cpp share.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/env/definition.hpp"
#include "ferry/env/materialize.hpp"

namespace ferry::env::detail {

using Clock = std::chrono::steady_clock;

// In a venv or conda prefix once it is complete: its text says what it was made for.
inline constexpr std::string_view k_ready_marker = ".ferry-ready";

[[nodiscard]] double seconds_since(Clock::time_point started);

// The first 16 hex digits of the environment's hash: its name in the workspace.
[[nodiscard]] std::string short_hash(const Environment& environment);
[[nodiscard]] fs::path environments_dir(const fs::path& root);

[[nodiscard]] Result<void> write_text(const fs::path& path, std::string_view text);

// Runs one step of a build; a non-zero exit is a build failure.
[[nodiscard]] Result<void> step(const Environment& environment, MaterializeContext& context,
                                std::string_view name, const Command& command);

// The first of micromamba, mamba and conda on PATH.
[[nodiscard]] std::optional<std::string> conda_tool(const Runner& runner);

// The venv or conda prefix, made unless its marker says it is made for this environment.
[[nodiscard]] Result<Materialized> materialize_prefix(const Environment& environment,
                                                      MaterializeContext& context);

// Whether ferry builds the image (from a context, or with dependencies over `image`) rather
// than pulling it.
[[nodiscard]] bool builds_image(const Definition& definition);

// Whether the container engine has the image.
[[nodiscard]] Result<bool> has_image(Runner& runner, const std::string& engine,
                                     const std::string& tag);

// The image, pulled or built unless the engine has it already.
[[nodiscard]] Result<Materialized> materialize_image(const Environment& environment,
                                                     MaterializeContext& context);

}  // namespace ferry::env::detail
