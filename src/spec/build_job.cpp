// Command and sweep jobs from their validated JSON.
#include <set>

#include <fmt/format.h>

#include "build.hpp"
#include "ferry/spec/interpolate.hpp"
#include "ferry/spec/scalar.hpp"
#include "ferry/util/text.hpp"

namespace ferry::spec::detail {

namespace {

std::vector<InputSpec> build_inputs(const Json& value, const YAML::Node& node,
                                    const BuildContext& context) {
    std::vector<InputSpec> inputs;
    if (!value.contains("inputs")) {
        return inputs;
    }
    const YAML::Node inputs_node = child(node, "inputs");
    for (const auto& [name, input] : value["inputs"].items()) {
        InputSpec spec;
        spec.name = name;
        if (input.is_object()) {
            spec.is_literal = false;
            spec.type = text_of(input, "type");
            spec.mode = parse_input_mode(text_of(input, "mode")).value_or(InputMode::ro_mount);
            spec.optional = input.value("optional", false);
            spec.description = text_of(input, "description");
            if (input.contains("path")) {
                spec.path = resolve_reference(context.base_dir, text_of(input, "path"),
                                              ReferenceRole::path);
            } else if (!spec.optional) {
                context.diagnostics.add(child(inputs_node, name).Mark(),
                                        "missing required key 'path'");
            }
        } else {
            spec.value = input;
        }
        inputs.push_back(std::move(spec));
    }
    return inputs;
}

}  // namespace

std::vector<OutputSpec> build_outputs(const Json& value, const BuildContext& context) {
    std::vector<OutputSpec> outputs;
    if (!value.contains("outputs")) {
        return outputs;
    }
    for (const auto& [name, output] : value["outputs"].items()) {
        OutputSpec spec;
        spec.name = name;
        if (output.is_object()) {
            spec.type = text_of(output, "type");
            spec.mode = text_of(output, "mode");
            spec.asset_name = text_of(output, "name");
            spec.asset_version = text_of(output, "version");
            spec.description = text_of(output, "description");
            if (output.contains("path")) {
                spec.path = resolve_reference(context.base_dir, text_of(output, "path"),
                                              ReferenceRole::path);
            }
        }
        outputs.push_back(std::move(spec));
    }
    return outputs;
}

namespace {

// `node`: the file's resources map, to tell what the job wrote from the schema's defaults.
Resources build_resources(const Json& value, const YAML::Node& node) {
    Resources resources;
    if (!value.is_object()) {
        return resources;
    }
    resources.instance_count = integer_of(value, "instance_count", 1);
    resources.instance_type = text_of(value, "instance_type");
    if (value.contains("shm_size")) {
        resources.shm_size_text = text_of(value, "shm_size");
        resources.shm_size_given = node.IsMap() && node["shm_size"];
        resources.shm_size = util::parse_size(resources.shm_size_text).value_or(resources.shm_size);
    }
    resources.gpus_per_instance = optional_integer(value, "gpus_per_instance");
    resources.docker_args = text_of(value, "docker_args");
    if (value.contains("properties")) {
        resources.properties = value["properties"];
    }
    return resources;
}

// The position of `token` (the n-th one of the command) inside the source text, or the
// start of the value when it cannot be found (folded scalars, --set values).
YAML::Mark position_of(std::string_view source, const YAML::Node& command_node,
                       std::string_view command, std::size_t offset, std::size_t length) {
    const YAML::Mark start = command_node.Mark();
    if (start.is_null() || start.pos < 0) {
        return start;
    }
    const std::string_view token = command.substr(offset, length);
    std::size_t before = 0;
    for (std::size_t at = command.find(token); at < offset; at = command.find(token, at + 1)) {
        ++before;
    }
    std::size_t at = source.find(token, static_cast<std::size_t>(start.pos));
    for (std::size_t i = 0; i < before && at != std::string_view::npos; ++i) {
        at = source.find(token, at + 1);
    }
    if (at == std::string_view::npos) {
        return start;
    }
    YAML::Mark mark;
    mark.pos = static_cast<int>(at);
    mark.line = 0;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < at; ++i) {
        if (source[i] == '\n') {
            ++mark.line;
            line_start = i + 1;
        }
    }
    mark.column = static_cast<int>(at - line_start);
    return mark;
}

}  // namespace

// Every placeholder of the command must name a declared input, output or parameter.
void check_command(const TrialSpec& trial, const JobCommon& job,
                   const std::vector<SearchParameter>* search_space, const YAML::Node& command_node,
                   const BuildContext& context) {
    const std::string& command = trial.command;
    const auto placeholders = find_placeholders(command);
    if (!placeholders) {
        context.diagnostics.add(
            position_of(context.source, command_node, command, placeholders.error().offset, 3),
            placeholders.error().message);
        return;
    }
    std::vector<std::string> inputs;
    std::set<std::string> without_value;
    for (const InputSpec& input : job.inputs) {
        inputs.push_back(input.name);
        if (!input.has_value() && (input.is_literal || input.optional)) {
            without_value.insert(input.name);
        }
    }
    std::vector<std::string> outputs;
    for (const OutputSpec& output : job.outputs) {
        outputs.push_back(output.name);
    }
    std::vector<std::string> parameters;
    if (search_space != nullptr) {
        for (const SearchParameter& parameter : *search_space) {
            parameters.push_back(parameter.name);
        }
    }
    for (const Placeholder& placeholder : *placeholders) {
        const std::string& name = placeholder.name;
        std::string message;
        auto check = [&](const std::vector<std::string>& names, std::string_view what) {
            if (std::ranges::find(names, name) != names.end()) {
                return;
            }
            message = fmt::format("undefined {} '{}' in command{}", what, name,
                                  util::did_you_mean(name, names));
        };
        if (placeholder.group == "inputs") {
            check(inputs, "input");
            if (message.empty() && without_value.contains(name) && !placeholder.in_optional_block) {
                message = fmt::format(
                    "input '{}' has no value; put it in an optional block '$[[ ... ]]'", name);
            }
        } else if (placeholder.group == "outputs") {
            check(outputs, "output");
        } else if (placeholder.group == "search_space" && search_space != nullptr) {
            check(parameters, "search_space parameter");
        } else if (placeholder.group == "search_space") {
            message = "'${{search_space.*}}' is only for the trial of a sweep job";
        } else {
            message = fmt::format(
                "unknown placeholder '{}.{}': expected inputs.NAME, outputs.NAME or "
                "search_space.NAME",
                placeholder.group, name);
        }
        if (!message.empty()) {
            context.diagnostics.add(position_of(context.source, command_node, command,
                                                placeholder.offset, placeholder.length),
                                    message);
        }
    }
}

void build_common(JobCommon& job, const Json& value, const YAML::Node& node,
                  const BuildContext& context) {
    job.name = text_of(value, "name");
    job.display_name = text_of(value, "display_name");
    job.experiment_name = text_of(value, "experiment_name");
    job.description = text_of(value, "description");
    job.tags = string_map_of(value, "tags");
    job.properties = string_map_of(value, "properties");
    const std::string compute = value.contains("compute") ? text_of(value, "compute") : "local";
    job.compute = resolve_reference(context.base_dir, compute, ReferenceRole::compute);
    job.inputs = build_inputs(value, node, context);
    job.outputs = build_outputs(value, context);
}

void build_trial(TrialSpec& trial, const Json& value, const YAML::Node& node,
                 const BuildContext& context) {
    if (value.contains("code")) {
        const std::string code = text_of(value, "code");
        const auto parsed = parse_reference(code, ReferenceRole::path);
        if (parsed && parsed->kind == ReferenceKind::local_path) {
            trial.code = resolve_path(context.base_dir, code);
        } else {
            context.diagnostics.add(
                child(node, "code").Mark(),
                fmt::format("'code' must be a local directory, got '{}'", code));
        }
    }
    trial.command = text_of(value, "command");
    if (value.contains("environment")) {
        const Json& environment = value["environment"];
        if (environment.is_object()) {
            trial.environment = build_environment(environment, child(node, "environment"), context);
        } else {
            trial.environment = resolve_reference(context.base_dir, text_of(value, "environment"),
                                                  ReferenceRole::asset);
        }
    }
    trial.environment_variables = string_map_of(value, "environment_variables");
    trial.resources = build_resources(value.value("resources", Json()), child(node, "resources"));
    if (value.contains("distribution") && value["distribution"].is_object()) {
        const Json& distribution = value["distribution"];
        Distribution out;
        out.type = parse_distribution_type(text_of(distribution, "type"))
                       .value_or(DistributionType::pytorch);
        out.process_count_per_instance = integer_of(distribution, "process_count_per_instance", 1);
        out.worker_count = integer_of(distribution, "worker_count", trial.resources.instance_count);
        out.parameter_server_count = integer_of(distribution, "parameter_server_count", 0);
        trial.distribution = out;
    }
}

CommandJob build_command_job(const Json& value, const YAML::Node& node,
                             const BuildContext& context) {
    CommandJob job;
    build_common(job, value, node, context);
    build_trial(job, value, node, context);
    if (value.contains("limits")) {
        job.timeout = optional_integer(value["limits"], "timeout");
    }
    if (value.contains("command")) {
        check_command(job, job, nullptr, child(node, "command"), context);
    }
    return job;
}

void read_sweep_settings(SweepJob& job, const Json& value, const YAML::Node& node,
                         const BuildContext& context) {
    job.search_space = build_search_space(value, node, context);
    const Json sampling = value.value("sampling_algorithm", Json());
    if (sampling.is_string()) {
        job.sampling_algorithm = sampling.get<std::string>();
    } else if (sampling.is_object()) {
        job.sampling_algorithm = text_of(sampling, "type");
        job.seed = optional_integer(sampling, "seed");
        if (sampling.contains("rule")) {
            job.rule = text_of(sampling, "rule");
        }
    }
    const Json objective = value.value("objective", Json());
    job.goal = text_of(objective, "goal");
    job.primary_metric = text_of(objective, "primary_metric");
    const Json limits = value.value("limits", Json());
    job.max_total_trials = integer_of(limits, "max_total_trials", 1000);
    job.max_concurrent_trials = integer_of(limits, "max_concurrent_trials", job.max_total_trials);
    job.timeout = integer_of(limits, "timeout", 5184000);
    job.trial_timeout = optional_integer(limits, "trial_timeout");
    const Json policy = value.value("early_termination", Json());
    if (policy.is_object()) {
        SweepJob::EarlyTermination out;
        out.type = text_of(policy, "type");
        out.evaluation_interval = integer_of(policy, "evaluation_interval", 1);
        out.delay_evaluation = integer_of(policy, "delay_evaluation", 0);
        if (policy.contains("slack_factor")) {
            out.slack_factor = policy["slack_factor"].get<double>();
        }
        if (policy.contains("slack_amount")) {
            out.slack_amount = policy["slack_amount"].get<double>();
        }
        out.truncation_percentage = integer_of(policy, "truncation_percentage", 0);
        job.early_termination = out;
    }
    check_sweep(job, node, context);
}

SweepJob build_sweep_job(const Json& value, const YAML::Node& node, const BuildContext& context) {
    SweepJob job;
    build_common(job, value, node, context);
    const YAML::Node trial_node = child(node, "trial");
    if (value.contains("trial") && value["trial"].is_object()) {
        build_trial(job.trial, value["trial"], trial_node, context);
    }
    read_sweep_settings(job, value, node, context);
    if (value.contains("trial") && value["trial"].contains("command")) {
        check_command(job.trial, job, &job.search_space, child(trial_node, "command"), context);
    }
    return job;
}

}  // namespace ferry::spec::detail
