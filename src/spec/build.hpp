#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "ferry/spec/assets.hpp"
#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/spec/pipeline.hpp"

// From validated JSON to typed specs, with the checks the table cannot express.
namespace ferry::spec::detail {

using Json = nlohmann::ordered_json;

struct BuildContext {
    std::string_view source;  // the file's text, to place errors inside block scalars
    std::filesystem::path base_dir;
    Diagnostics& diagnostics;
};

[[nodiscard]] CommandJob build_command_job(const Json& value, const YAML::Node& node,
                                           const BuildContext& context);
[[nodiscard]] SweepJob build_sweep_job(const Json& value, const YAML::Node& node,
                                       const BuildContext& context);
[[nodiscard]] EnvironmentSpec build_environment(const Json& value, const YAML::Node& node,
                                                const BuildContext& context);
[[nodiscard]] DataSpec build_data(const Json& value, const YAML::Node& node,
                                  const BuildContext& context);
[[nodiscard]] ModelSpec build_model(const Json& value, const YAML::Node& node,
                                    const BuildContext& context);
[[nodiscard]] ComputeSpec build_compute(const Json& value, const YAML::Node& node,
                                        const BuildContext& context);
[[nodiscard]] WorkspaceSpec build_workspace(const Json& value, const YAML::Node& node,
                                            const BuildContext& context);

// The search space of a sweep, and the checks across the keys of a built sweep.
[[nodiscard]] std::vector<SearchParameter> build_search_space(const Json& value,
                                                              const YAML::Node& node,
                                                              const BuildContext& context);
void check_sweep(const SweepJob& job, const YAML::Node& node, const BuildContext& context);
// A sweep's search space, sampling, objective, limits and early termination, checked.
void read_sweep_settings(SweepJob& job, const Json& value, const YAML::Node& node,
                         const BuildContext& context);

[[nodiscard]] ComponentSpec build_component(const Json& value, const YAML::Node& node,
                                            const BuildContext& context);
[[nodiscard]] PipelineJob build_pipeline_job(const Json& value, const YAML::Node& node,
                                             const BuildContext& context);

// The parts of a command job, shared with components and pipeline steps.
void build_common(JobCommon& job, const Json& value, const YAML::Node& node,
                  const BuildContext& context);
void build_trial(TrialSpec& trial, const Json& value, const YAML::Node& node,
                 const BuildContext& context);
[[nodiscard]] std::vector<OutputSpec> build_outputs(const Json& value, const BuildContext& context);
// Every placeholder of the command must name a declared input, output or (with a search
// space) parameter; an input without a value only inside $[[...]].
void check_command(const TrialSpec& trial, const JobCommon& job,
                   const std::vector<SearchParameter>* search_space, const YAML::Node& command_node,
                   const BuildContext& context);

// A component's declared inputs as a job's, for check_command: a required one counts as given.
[[nodiscard]] JobCommon component_io(const ComponentSpec& component);
// The mark of a dotted key path below `root` (its value's), or the deepest found.
[[nodiscard]] YAML::Mark mark_at(const YAML::Node& root, std::string_view key);

// Helpers shared by the builders.
[[nodiscard]] std::string text_of(const Json& object, std::string_view key);
[[nodiscard]] std::int64_t integer_of(const Json& object, std::string_view key,
                                      std::int64_t fallback);
[[nodiscard]] std::optional<std::int64_t> optional_integer(const Json& object,
                                                           std::string_view key);
[[nodiscard]] StringMap string_map_of(const Json& object, std::string_view key);

// The keys asset kinds share (name, version, description, tags, properties), for the
// kinds that have each.
template <typename Spec>
void read_asset_keys(Spec& spec, const Json& value) {
    spec.name = text_of(value, "name");
    if constexpr (requires { spec.version; }) {
        spec.version = text_of(value, "version");
    }
    spec.description = text_of(value, "description");
    spec.tags = string_map_of(value, "tags");
    if constexpr (requires { spec.properties; }) {
        spec.properties = string_map_of(value, "properties");
    }
}
// A path of the file, absolute: relative ones are taken from base_dir; "file:" is dropped.
[[nodiscard]] std::filesystem::path resolve_path(const std::filesystem::path& base_dir,
                                                 std::string_view text);
// A validated path reference, with a local path made absolute.
[[nodiscard]] Reference resolve_reference(const std::filesystem::path& base_dir,
                                          std::string_view text, ReferenceRole role);
[[nodiscard]] YAML::Node child(const YAML::Node& node, std::string_view key);
void json_put(Json& object, std::string_view key, const std::string& text);
void json_put(Json& object, std::string_view key, const StringMap& map);

}  // namespace ferry::spec::detail
