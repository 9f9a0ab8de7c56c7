// The plan as the run records it (runs.plan) and as the supervisor and the Slurm tasks read
// it back.
#include "ferry/run/plan.hpp"

namespace ferry::run {

Json Plan::to_json() const {
    Json json;
    json["command"] = command;
    json["environment"] = Json::object();
    for (const auto& [key, value] : environment) {
        json["environment"][key] = value;
    }
    json["inputs"] = Json::array();
    for (const auto& input : inputs) {
        Json planned = {{"name", input.name},
                        {"type", input.type},
                        {"mode", spec::name_of(input.mode)},
                        {"source", input.source.string()},
                        {"target", input.target.string()}};
        if (input.asset_kind) {
            planned["asset"] = {{"kind", store::asset_kind_name(*input.asset_kind)},
                                {"name", input.asset_name},
                                {"version", input.asset_version},
                                {"content", input.content}};
        }
        if (!input.origin.is_null()) {
            planned["origin"] = input.origin;
        }
        json["inputs"].push_back(std::move(planned));
    }
    json["outputs"] = Json::array();
    for (const auto& output : outputs) {
        Json planned = {{"name", output.name},
                        {"type", output.type},
                        {"directory", output.directory.string()},
                        {"target", output.target.string()}};
        if (!output.asset_name.empty()) {
            planned["register_as"] = {{"name", output.asset_name},
                                      {"version", output.asset_version}};
        }
        if (!output.destination.is_null()) {
            planned["destination"] = output.destination;
        }
        json["outputs"].push_back(std::move(planned));
    }
    json["distribution"] = distribution ? distribution->to_json() : Json(nullptr);
    json["timeout"] = timeout ? Json(*timeout) : Json(nullptr);
    json["notes"] = notes;
    json["job_environment"] = job_environment ? job_environment->to_json() : Json(nullptr);
    json["shm_size"] = shm_size;
    json["docker_args"] = docker_args;
    json["instances"] = instances;
    json["gpus_per_instance"] = gpus_per_instance ? Json(*gpus_per_instance) : Json(nullptr);
    return json;
}

Result<Plan> Plan::from_json(const Json& json) {
    try {
        Plan plan;
        plan.command = json.at("command").get<std::string>();
        for (const auto& [key, value] : json.at("environment").items()) {
            plan.environment[key] = value.get<std::string>();
        }
        for (const auto& input : json.at("inputs")) {
            InputPlan planned;
            planned.name = input.at("name");
            planned.type = input.at("type");
            planned.mode = spec::parse_input_mode(input.at("mode").get<std::string>())
                               .value_or(spec::InputMode::ro_mount);
            planned.source = input.at("source").get<std::string>();
            planned.target = input.at("target").get<std::string>();
            if (input.contains("asset")) {
                const auto& asset = input["asset"];
                planned.asset_kind = asset.at("kind").get<std::string>() == "model"
                                         ? store::AssetKind::model
                                         : store::AssetKind::data;
                planned.asset_name = asset.at("name");
                planned.asset_version = asset.at("version");
                planned.content = asset.at("content");
            }
            planned.origin = input.value("origin", Json(nullptr));
            plan.inputs.push_back(std::move(planned));
        }
        for (const auto& output : json.at("outputs")) {
            OutputPlan planned;
            planned.name = output.at("name");
            planned.type = output.at("type");
            planned.directory = output.at("directory").get<std::string>();
            planned.target = output.at("target").get<std::string>();
            if (output.contains("register_as")) {
                planned.asset_name = output["register_as"].at("name");
                planned.asset_version = output["register_as"].at("version");
            }
            planned.destination = output.value("destination", Json(nullptr));
            plan.outputs.push_back(std::move(planned));
        }
        if (json.contains("distribution") && json["distribution"].is_object()) {
            plan.distribution = DistributionPlan::from_json(json["distribution"]);
        }
        if (!json.at("timeout").is_null()) {
            plan.timeout = json.at("timeout").get<std::int64_t>();
        }
        plan.notes = json.value("notes", std::vector<std::string>{});
        if (json.contains("job_environment") && json["job_environment"].is_object()) {
            TRY_ASSIGN(auto environment, env::Environment::from_json(json["job_environment"]));
            plan.job_environment = std::move(environment);
        }
        plan.shm_size = json.value("shm_size", std::string());
        plan.docker_args = json.value("docker_args", std::vector<std::string>{});
        plan.instances = json.value("instances", std::int64_t{1});
        if (json.contains("gpus_per_instance") && json["gpus_per_instance"].is_number_integer()) {
            plan.gpus_per_instance = json["gpus_per_instance"].get<std::int64_t>();
        }
        return plan;
    } catch (const std::exception& e) {
        return fail("the run's recorded plan is damaged: {}", e.what());
    }
}

}  // namespace ferry::run
