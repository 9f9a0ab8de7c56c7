// The resolved specs as JSON, with Azure's key names in a stable order.
#include <fmt/format.h>

#include "build.hpp"
#include "json_object.hpp"

namespace ferry::spec {

using detail::json_put;
using Json = nlohmann::ordered_json;

nlohmann::ordered_json InputSpec::to_json() const {
    if (is_literal) {
        return value;
    }
    Json out = {{"type", type}};
    if (path) {
        out["path"] = path->to_json();
    }
    out["mode"] = name_of(mode);
    if (optional) {
        out["optional"] = true;
    }
    json_put(out, "description", description);
    return out;
}

nlohmann::ordered_json OutputSpec::to_json() const {
    Json out = {{"type", type}, {"mode", mode}};
    if (path) {
        out["path"] = path->to_json();
    }
    json_put(out, "name", asset_name);
    json_put(out, "version", asset_version);
    json_put(out, "description", description);
    return out;
}

nlohmann::ordered_json Distribution::to_json() const {
    Json out = {{"type", name_of(type)}};
    if (type == DistributionType::tensorflow) {
        out["worker_count"] = worker_count;
        out["parameter_server_count"] = parameter_server_count;
    } else {
        out["process_count_per_instance"] = process_count_per_instance;
    }
    return out;
}

nlohmann::ordered_json Resources::to_json() const {
    Json out = {{"instance_count", instance_count}};
    json_put(out, "instance_type", instance_type);
    out["shm_size"] = shm_size_text;
    if (gpus_per_instance) {
        out["gpus_per_instance"] = *gpus_per_instance;
    }
    json_put(out, "docker_args", docker_args);
    if (!properties.is_null()) {
        out["properties"] = properties;
    }
    return out;
}

namespace {

void put_common(Json& out, const JobCommon& job) {
    json_put(out, "name", job.name);
    json_put(out, "display_name", job.display_name);
    json_put(out, "experiment_name", job.experiment_name);
    json_put(out, "description", job.description);
    json_put(out, "tags", job.tags);
    json_put(out, "properties", job.properties);
    out["compute"] = job.compute.to_json();
}

// Named items (inputs, outputs, parameters) as an object by name.
template <typename Items>
Json by_name(const Items& items) {
    detail::ObjectBuilder out(items.size());
    for (const auto& item : items) {
        std::ignore = out.set(item.name, item.to_json());
    }
    return std::move(out).take();
}

void put_io(Json& out, const JobCommon& job) {
    if (!job.inputs.empty()) {
        out["inputs"] = by_name(job.inputs);
    }
    if (!job.outputs.empty()) {
        out["outputs"] = by_name(job.outputs);
    }
}

void put_trial(Json& out, const TrialSpec& trial) {
    if (trial.code) {
        out["code"] = trial.code->string();
    }
    out["command"] = trial.command;
    if (const auto* reference = std::get_if<Reference>(&trial.environment)) {
        out["environment"] = reference->to_json();
    } else if (const auto* spec = std::get_if<EnvironmentSpec>(&trial.environment)) {
        out["environment"] = spec->to_json();
    }
    json_put(out, "environment_variables", trial.environment_variables);
    if (trial.distribution) {
        out["distribution"] = trial.distribution->to_json();
    }
    out["resources"] = trial.resources.to_json();
}

}  // namespace

nlohmann::ordered_json CommandJob::to_json() const {
    Json out = {{"type", "command"}};
    put_common(out, *this);
    put_trial(out, *this);
    put_io(out, *this);
    if (timeout) {
        out["limits"] = {{"timeout", *timeout}};
    }
    return out;
}

nlohmann::ordered_json SearchParameter::to_json() const {
    Json out = {{"type", type}};
    if (type == "choice") {
        out["values"] = values;
    } else if (type == "randint") {
        out["upper"] = upper;
    } else if (type.find("uniform") != std::string::npos) {
        out["min_value"] = min_value;
        out["max_value"] = max_value;
    } else {
        out["mu"] = mu;
        out["sigma"] = sigma;
    }
    if (type.starts_with("q")) {
        out["q"] = q;
    }
    return out;
}

nlohmann::ordered_json SweepJob::to_json() const {
    Json out = {{"type", "sweep"}};
    put_common(out, *this);
    Json trial_json = Json::object();
    put_trial(trial_json, trial);
    out["trial"] = std::move(trial_json);
    put_io(out, *this);
    out["search_space"] = by_name(search_space);
    if (sampling_algorithm == "random" && (seed || rule != "random")) {
        out["sampling_algorithm"] = {{"type", "random"}, {"rule", rule}};
        if (seed) {
            out["sampling_algorithm"]["seed"] = *seed;
        }
    } else {
        out["sampling_algorithm"] = sampling_algorithm;
    }
    out["objective"] = {{"goal", goal}, {"primary_metric", primary_metric}};
    out["limits"] = {{"max_total_trials", max_total_trials},
                     {"max_concurrent_trials", max_concurrent_trials},
                     {"timeout", timeout}};
    if (trial_timeout) {
        out["limits"]["trial_timeout"] = *trial_timeout;
    }
    if (early_termination) {
        const EarlyTermination& policy = *early_termination;
        Json early = {{"type", policy.type},
                      {"evaluation_interval", policy.evaluation_interval},
                      {"delay_evaluation", policy.delay_evaluation}};
        if (policy.slack_factor) {
            early["slack_factor"] = *policy.slack_factor;
        }
        if (policy.slack_amount) {
            early["slack_amount"] = *policy.slack_amount;
        }
        if (policy.type == "truncation_selection") {
            early["truncation_percentage"] = policy.truncation_percentage;
        }
        out["early_termination"] = std::move(early);
    }
    return out;
}

nlohmann::ordered_json ComponentInput::to_json() const {
    Json out = {{"type", type}};
    if (!default_value.is_null()) {
        out["default"] = default_value;
    }
    if (optional) {
        out["optional"] = true;
    }
    json_put(out, "description", description);
    if (!allowed.empty()) {
        out["enum"] = allowed;
    }
    if (min) {
        out["min"] = *min;
    }
    if (max) {
        out["max"] = *max;
    }
    return out;
}

nlohmann::ordered_json ComponentSpec::to_json() const {
    Json out = {{"name", name}};
    json_put(out, "version", version);
    json_put(out, "display_name", display_name);
    json_put(out, "description", description);
    json_put(out, "tags", tags);
    out["type"] = "command";
    if (!inputs.empty()) {
        out["inputs"] = by_name(inputs);
    }
    if (!outputs.empty()) {
        out["outputs"] = by_name(outputs);
    }
    put_trial(out, *this);
    out["is_deterministic"] = is_deterministic;
    return out;
}

nlohmann::ordered_json PipelineStep::to_json() const {
    Json out = {{"type", type}};
    if (sweep) {
        out["trial"] = component_text;
        const Json settings = sweep->to_json();
        for (const char* key :
             {"search_space", "sampling_algorithm", "objective", "limits", "early_termination"}) {
            if (settings.contains(key)) {
                out[key] = settings[key];
            }
        }
    } else if (!component_text.empty()) {
        out["component"] = component_text;
    } else if (component) {
        put_trial(out, *component);
        if (!component->is_deterministic) {
            out["is_deterministic"] = false;
        }
    }
    json_put(out, "display_name", display_name);
    json_put(out, "description", description);
    if (compute) {
        out["compute"] = compute->to_json();
    }
    detail::ObjectBuilder inputs_json(inputs.size());
    for (const StepInput& input : inputs) {
        std::ignore =
            inputs_json.set(input.name, input.is_data && input.binding.kind == Binding::Kind::value
                                            ? input.data.to_json()
                                            : input.value);
    }
    if (!inputs.empty()) {
        out["inputs"] = std::move(inputs_json).take();
    }
    detail::ObjectBuilder outputs_json(outputs.size());
    for (const StepOutput& output : outputs) {
        Json value = output.spec.to_json();
        if (!output.parent_output.empty()) {
            value["path"] = fmt::format("${{{{parent.outputs.{}}}}}", output.parent_output);
        }
        std::ignore = outputs_json.set(output.name, std::move(value));
    }
    if (!outputs.empty()) {
        out["outputs"] = std::move(outputs_json).take();
    }
    json_put(out, "environment_variables", environment_variables);
    // An inline command's resources and distribution are among its keys already.
    if (!component_text.empty() && resources) {
        out["resources"] = resources->to_json();
    }
    if (!component_text.empty() && distribution) {
        out["distribution"] = distribution->to_json();
    }
    if (timeout) {
        out["limits"] = {{"timeout", *timeout}};
    }
    if (force_rerun) {
        out["force_rerun"] = true;
    }
    return out;
}

nlohmann::ordered_json PipelineJob::to_json() const {
    Json out = {{"type", "pipeline"}};
    put_common(out, *this);
    put_io(out, *this);
    Json settings = Json::object();
    if (default_compute) {
        settings["default_compute"] = default_compute->to_json();
    }
    json_put(settings, "default_datastore", default_datastore);
    settings["continue_on_step_failure"] = continue_on_step_failure;
    settings["force_rerun"] = force_rerun;
    out["settings"] = std::move(settings);
    detail::ObjectBuilder jobs(steps.size());
    for (const PipelineStep& step : steps) {
        std::ignore = jobs.set(step.name, step.to_json());
    }
    out["jobs"] = std::move(jobs).take();
    return out;
}

namespace {

// The keys asset kinds share, in Azure's order, for the kinds that have each.
template <typename Spec>
void put_asset_keys(Json& out, const Spec& spec) {
    json_put(out, "name", spec.name);
    json_put(out, "version", spec.version);
    json_put(out, "description", spec.description);
    json_put(out, "tags", spec.tags);
    if constexpr (requires { spec.properties; }) {
        json_put(out, "properties", spec.properties);
    }
}

}  // namespace

nlohmann::ordered_json EnvironmentSpec::to_json() const {
    Json out = Json::object();
    put_asset_keys(out, *this);
    json_put(out, "image", image);
    if (conda_file) {
        out["conda_file"] = conda_file->string();
    } else if (!conda_inline.is_null()) {
        out["conda_file"] = conda_inline;
    }
    if (build) {
        out["build"] = {{"path", build->path.string()},
                        {"dockerfile_path", build->dockerfile_path}};
    }
    if (pip_requirements) {
        out["pip_requirements"] = pip_requirements->string();
    }
    out["user_managed_dependencies"] = user_managed_dependencies;
    if (image_registry) {
        Json registry = {{"address", image_registry->address}};
        json_put(registry, "username", image_registry->username);
        json_put(registry, "password_env", image_registry->password_env);
        out["image_registry"] = std::move(registry);
    }
    out["os_type"] = os_type;
    return out;
}

nlohmann::ordered_json DataSpec::to_json() const {
    Json out = Json::object();
    put_asset_keys(out, *this);
    out["type"] = type;
    if (several_paths) {
        Json list = Json::array();
        for (const Reference& path : paths) {
            list.push_back(path.to_json());
        }
        out["paths"] = std::move(list);
    } else if (!paths.empty()) {
        out["path"] = paths.front().to_json();
    }
    return out;
}

nlohmann::ordered_json ModelSpec::to_json() const {
    Json out = Json::object();
    put_asset_keys(out, *this);
    out["type"] = type;
    out["path"] = path.to_json();
    json_put(out, "framework", framework);
    json_put(out, "framework_version", framework_version);
    json_put(out, "stage", stage);
    return out;
}

nlohmann::ordered_json ComputeSpec::to_json() const {
    Json out = {{"name", name}, {"type", type}};
    json_put(out, "description", description);
    json_put(out, "tags", tags);
    if (max_concurrent_runs) {
        out["max_concurrent_runs"] = *max_concurrent_runs;
    }
    if (gpus) {
        out["gpus"] = *gpus;
    }
    json_put(out, "partition", partition);
    json_put(out, "account", account);
    json_put(out, "qos", qos);
    if (max_instances) {
        out["max_instances"] = *max_instances;
    }
    if (!sbatch_args.empty()) {
        out["sbatch_args"] = sbatch_args;
    }
    json_put(out, "workspace_path", workspace_path);
    json_put(out, "ferry_path", ferry_path);
    json_put(out, "tracking_host", tracking_host);
    return out;
}

nlohmann::ordered_json WorkspaceSpec::to_json() const {
    Json out = {{"name", name}};
    json_put(out, "description", description);
    if (path) {
        out["path"] = path->string();
    }
    json_put(out, "tags", tags);
    return out;
}

}  // namespace ferry::spec
