#pragma once

#include <expected>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "ferry/spec/assets.hpp"
#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/spec/schema.hpp"

// Entry points: YAML text in, a typed spec or every problem of the file out. `file` is the
// name diagnostics show; `base_dir` is the directory relative paths of the file resolve
// against (the file's own directory, never the process's cwd); `sets` are the --set values,
// one KEY=VALUE per string. Render failures with render(diagnostics, text).
namespace ferry::spec {

template <typename T>
using LoadResult = std::expected<T, Diagnostics>;

[[nodiscard]] LoadResult<CommandJob> load_command_job(std::string_view text, std::string_view file,
                                                      const std::filesystem::path& base_dir,
                                                      std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<SweepJob> load_sweep_job(std::string_view text, std::string_view file,
                                                  const std::filesystem::path& base_dir,
                                                  std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<PipelineJob> load_pipeline_job(std::string_view text,
                                                        std::string_view file,
                                                        const std::filesystem::path& base_dir,
                                                        std::span<const std::string> sets = {});
// A command component; a pipeline's component files are read with it.
[[nodiscard]] LoadResult<ComponentSpec> load_component(std::string_view text, std::string_view file,
                                                       const std::filesystem::path& base_dir,
                                                       std::span<const std::string> sets = {});
// Dispatches on `type` (command when absent).
[[nodiscard]] LoadResult<Job> load_job(std::string_view text, std::string_view file,
                                       const std::filesystem::path& base_dir,
                                       std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<EnvironmentSpec> load_environment(std::string_view text,
                                                           std::string_view file,
                                                           const std::filesystem::path& base_dir,
                                                           std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<DataSpec> load_data(std::string_view text, std::string_view file,
                                             const std::filesystem::path& base_dir,
                                             std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<ModelSpec> load_model(std::string_view text, std::string_view file,
                                               const std::filesystem::path& base_dir,
                                               std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<ComputeSpec> load_compute(std::string_view text, std::string_view file,
                                                   const std::filesystem::path& base_dir,
                                                   std::span<const std::string> sets = {});
[[nodiscard]] LoadResult<WorkspaceSpec> load_workspace(std::string_view text, std::string_view file,
                                                       const std::filesystem::path& base_dir,
                                                       std::span<const std::string> sets = {});

// Checks a file of any kind; the resolved spec as JSON (what `validate`/`show` print).
[[nodiscard]] LoadResult<nlohmann::ordered_json> load_any(Kind kind, std::string_view text,
                                                          std::string_view file,
                                                          const std::filesystem::path& base_dir,
                                                          std::span<const std::string> sets = {});

}  // namespace ferry::spec
