#include "local_container.hpp"

#include <algorithm>

#include "ferry/env/container.hpp"
#include "ferry/util/sha256.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

Result<JobProcess> container_process(const LaunchTarget& target, const Host& host,
                                     const Runner& runner, const std::string& command,
                                     const std::map<std::string, std::string>& extra,
                                     std::optional<std::int64_t> rank) {
    const Plan& plan = target.plan;
    env::ContainerRun request;
    request.engine = target.engine;
    request.image = target.environment_location;
    // Run names are unique in a workspace only: the workspace's hash tells two apart.
    const std::string workspace_tag = util::Sha256::of(target.workspace_root.string()).substr(0, 8);
    request.name = rank ? fmt::format("ferry-{}-{}-{}", target.run, workspace_tag, *rank)
                        : fmt::format("ferry-{}-{}", target.run, workspace_tag);
    request.run = target.run;
    request.workspace_root = target.workspace_root.string();
    request.run_directory = target.run_directory;
    request.working_directory = working_directory(target.run_directory);
    std::map<std::string, std::string> passed = plan.environment;
    for (const auto& [key, value] : extra) {
        passed[key] = value;
    }
    if (auto slice = passed.find("CUDA_VISIBLE_DEVICES"); slice != passed.end()) {
        // The engine exposes the slice; inside, its devices are numbered from 0.
        request.gpus = "\"device=" + slice->second + "\"";  // a CSV field: "device=0,1"
        passed.erase(slice);
    }
    for (const auto& [key, value] : passed) {
        request.variables.push_back(key);
    }
    for (const auto& input : plan.inputs) {
        // ro_mount at its target; direct at its own path, which the command names.
        if (input.mode == spec::InputMode::ro_mount || input.mode == spec::InputMode::direct) {
            request.read_only.emplace_back(input.source.string(), input.target.string());
        }
    }
    request.shm_size = plan.shm_size;
    if (!host.root()) {
        request.user = fmt::format("{}:{}", host.euid, host.egid);
    }
    request.command = command;
    request.local_only = target.environment_location.starts_with("ferry-env:");
    request.engine_args = plan.docker_args;
    auto program = runner.find_program(target.engine);
    if (!program) {
        return fail("{} is not on PATH", target.engine);
    }
    JobProcess process;
    process.program = program->string();
    process.argv = env::container_argv(request);
    process.environment = job_variables(plan, host.environment, extra, target.environment_location);
    process.working_directory = working_directory(target.run_directory);
    return process;
}

std::vector<std::string> renumber_gpu_slices(std::vector<std::string>& slices) {
    std::vector<std::string> devices;
    for (auto& slice : slices) {
        std::string renumbered;
        for (const auto id : util::split(slice, ',')) {
            if (id.empty()) {
                continue;
            }
            auto at = std::ranges::find(devices, id);
            if (at == devices.end()) {
                devices.emplace_back(id);
                at = devices.end() - 1;
            }
            renumbered += (renumbered.empty() ? "" : ",") + std::to_string(at - devices.begin());
        }
        slice = renumbered;
    }
    return devices;
}

}  // namespace ferry::run
