#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/spec/assets.hpp"
#include "ferry/spec/diagnostics.hpp"
#include "ferry/spec/reference.hpp"

namespace ferry::spec {

// How a job sees an input's data.
enum class InputMode { ro_mount, download, direct };
[[nodiscard]] std::string_view name_of(InputMode mode);
[[nodiscard]] std::optional<InputMode> parse_input_mode(std::string_view text);

// Who starts a distributed job's processes: Open MPI, or ferry with torchrun's or
// TensorFlow's variables.
enum class DistributionType { mpi, pytorch, tensorflow };
[[nodiscard]] std::string_view name_of(DistributionType type);
[[nodiscard]] std::optional<DistributionType> parse_distribution_type(std::string_view text);

struct InputSpec {
    std::string name;
    bool is_literal = true;
    nlohmann::ordered_json value;  // literal: its YAML type; null: no value
    // data inputs
    std::string type = "uri_folder";
    std::optional<Reference> path;  // local paths absolute
    InputMode mode = InputMode::ro_mount;
    bool optional = false;
    std::string description;

    [[nodiscard]] bool has_value() const {
        return is_literal ? !value.is_null() : path.has_value();
    }
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct OutputSpec {
    std::string name;
    std::string type = "uri_folder";
    std::string mode = "rw_mount";
    std::optional<Reference> path;
    std::string asset_name;  // `name`: registers a data asset
    std::string asset_version;
    std::string description;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct Distribution {
    DistributionType type = DistributionType::pytorch;
    std::int64_t process_count_per_instance = 1;
    std::int64_t worker_count = 1;  // tensorflow; default resources.instance_count
    std::int64_t parameter_server_count = 0;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct Resources {
    std::int64_t instance_count = 1;
    std::string instance_type;
    std::string shm_size_text = "2g";
    std::uint64_t shm_size = 2ULL << 30U;  // bytes
    bool shm_size_given = false;           // the job said it (else the default above)
    std::optional<std::int64_t> gpus_per_instance;
    std::string docker_args;
    nlohmann::ordered_json properties;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

// No environment means the host.
using EnvironmentChoice = std::variant<std::monostate, Reference, EnvironmentSpec>;

// What every job has.
struct JobCommon {
    std::string name;  // empty: the CLI picks adjective_noun_XXXXXXXXXX
    std::string display_name;
    std::string experiment_name;  // empty: the CLI uses the directory's base name
    std::string description;
    StringMap tags;
    StringMap properties;
    Reference compute;  // default "local"
    std::vector<InputSpec> inputs;
    std::vector<OutputSpec> outputs;
    // Azure's keys that change nothing here, each noted at its place ("ignored: services
    // (...)"); not part of to_json.
    std::vector<Diagnostic> ignored;
};

// The command part: a command job, or the trial of a sweep.
struct TrialSpec {
    std::optional<std::filesystem::path> code;  // absolute
    std::string command;
    EnvironmentChoice environment;
    StringMap environment_variables;
    std::optional<Distribution> distribution;
    Resources resources;
};

struct CommandJob : JobCommon, TrialSpec {
    std::optional<std::int64_t> timeout;  // limits.timeout, seconds

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct SearchParameter {
    std::string name;
    std::string type;                            // choice, randint, uniform, ..., qlognormal
    std::vector<nlohmann::ordered_json> values;  // choice
    std::int64_t upper = 0;                      // randint
    double min_value = 0;
    double max_value = 0;
    double mu = 0;
    double sigma = 0;
    double q = 0;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct SweepJob : JobCommon {
    TrialSpec trial;
    std::vector<SearchParameter> search_space;
    std::string sampling_algorithm = "random";  // random, grid, bayesian
    std::optional<std::int64_t> seed;           // random
    std::string rule = "random";                // random: random or sobol
    std::string goal;                           // maximize or minimize
    std::string primary_metric;
    std::int64_t max_total_trials = 1000;
    std::int64_t max_concurrent_trials = 1000;  // default max_total_trials
    std::int64_t timeout = 5184000;
    std::optional<std::int64_t> trial_timeout;
    struct EarlyTermination {
        std::string type;  // bandit, median_stopping, truncation_selection
        std::int64_t evaluation_interval = 1;
        std::int64_t delay_evaluation = 0;
        std::optional<double> slack_factor;
        std::optional<double> slack_amount;
        std::int64_t truncation_percentage = 0;
    };
    std::optional<EarlyTermination> early_termination;

    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

// An input a component declares: its type, and a default or `optional`.
struct ComponentInput {
    std::string name;
    std::string type;  // string, integer, number, boolean, uri_file, uri_folder, mltable, ...
    nlohmann::ordered_json default_value;  // null: none
    bool optional = false;
    std::string description;
    std::vector<nlohmann::ordered_json> allowed;  // `enum`
    std::optional<double> min;
    std::optional<double> max;

    [[nodiscard]] bool is_data() const;
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

// An Azure command component: a command with typed inputs and outputs, versioned.
struct ComponentSpec : TrialSpec {
    std::string name;
    std::string version;
    std::string display_name;
    std::string description;
    StringMap tags;
    bool is_deterministic = true;
    std::vector<ComponentInput> inputs;
    std::vector<OutputSpec> outputs;

    [[nodiscard]] const ComponentInput* input(std::string_view key) const;
    [[nodiscard]] const OutputSpec* output(std::string_view key) const;
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

// A value given to a pipeline step's input or a pipeline's output: what `${{parent...}}`
// names, or a value of its own.
struct Binding {
    enum class Kind { value, parent_input, parent_output, step_output };
    Kind kind = Kind::value;
    std::string step;  // step_output
    std::string name;  // the input or output named
};
// "${{parent.inputs.X}}", "${{parent.outputs.Y}}", "${{parent.jobs.S.outputs.Z}}" (the whole
// text, spaces allowed inside the braces); nullopt for anything else. An error names a
// `${{parent.` text of another shape.
[[nodiscard]] std::optional<std::expected<Binding, std::string>> parse_binding(
    std::string_view text);

struct StepInput {
    std::string name;
    Binding binding;       // value: `value` (a literal) or `data` (a data input)
    InputSpec data;        // the step's own data input, or the type and mode of a bound one
    bool is_data = false;  // written as a map (type, path, mode)
    nlohmann::ordered_json value;
};

struct StepOutput {
    std::string name;
    std::string parent_output;  // bound to ${{parent.outputs.NAME}}
    OutputSpec spec;
};

// One step of a pipeline: an inline command or a component, with its bindings.
struct PipelineStep {
    std::string name;
    std::string type = "command";
    std::string component_text;                           // as written; empty for an inline command
    std::optional<std::filesystem::path> component_file;  // ./c.yml, file:c.yml (absolute)
    std::optional<Reference> component_asset;             // azureml:NAME:VERSION, NAME@latest
    std::optional<ComponentSpec> component;               // a file's, or the inline command as one
    std::string display_name;
    std::string description;
    std::optional<Reference> compute;
    std::vector<StepInput> inputs;
    std::vector<StepOutput> outputs;
    StringMap environment_variables;
    std::optional<Resources> resources;
    std::optional<Distribution> distribution;
    std::optional<std::int64_t> timeout;
    bool force_rerun = false;
    // A sweep step (type: sweep): its search space, sampling, objective, limits and early
    // termination; its trials run `component`, its outputs are its best trial's.
    std::optional<SweepJob> sweep;

    [[nodiscard]] const StepInput* input(std::string_view key) const;
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

struct PipelineJob : JobCommon {
    std::optional<Reference> default_compute;
    std::string default_datastore;  // noted: not applicable on this machine
    bool continue_on_step_failure = false;
    bool force_rerun = false;
    std::vector<PipelineStep> steps;  // in the file's order

    [[nodiscard]] const PipelineStep* step(std::string_view key) const;
    [[nodiscard]] nlohmann::ordered_json to_json() const;
};

using Job = std::variant<CommandJob, SweepJob, PipelineJob>;

}  // namespace ferry::spec
