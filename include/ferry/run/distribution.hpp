#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/spec/job.hpp"

// Distributed jobs on one machine: which processes a distribution asks for, what each one
// sees (torchrun's variables, TF_CONFIG, Open MPI's launch), and which GPUs each one gets.
namespace ferry::run {

struct DistributionPlan {
    spec::DistributionType type = spec::DistributionType::pytorch;
    std::int64_t processes = 1;  // pytorch and mpi: process_count_per_instance
    std::int64_t workers = 1;    // tensorflow
    std::int64_t parameter_servers = 0;
    std::vector<std::string> gpus;  // the compute's GPU ids; empty: none
    std::optional<std::int64_t> gpus_per_instance;

    [[nodiscard]] std::int64_t ranks() const {
        return type == spec::DistributionType::tensorflow ? workers + parameter_servers : processes;
    }
    [[nodiscard]] nlohmann::ordered_json to_json() const;
    // Throws std::invalid_argument for a type it does not know.
    [[nodiscard]] static DistributionPlan from_json(const nlohmann::ordered_json& json);
};

// One process of a distributed run.
struct RankPlan {
    std::int64_t rank = 0;
    std::string role;        // "worker" or "ps" for tensorflow; "" otherwise
    std::int64_t index = 0;  // within its role
    std::map<std::string, std::string> environment;
    std::string log;  // relative to the run directory
};

// The per-rank log of a distributed run, relative to the run directory.
[[nodiscard]] std::string rank_log(std::int64_t rank);

// The GPUs each of `ranks` local processes gets (a CUDA_VISIBLE_DEVICES value each; empty
// strings when there are no GPUs to give). `wanted`: how many of `gpus` the job asked for
// (nullopt: all). Fails when it asks for more than there are.
[[nodiscard]] Result<std::vector<std::string>> gpu_slices(const std::vector<std::string>& gpus,
                                                          std::optional<std::int64_t> wanted,
                                                          std::int64_t ranks);

// torchrun's variables for one process of a pytorch job.
[[nodiscard]] std::map<std::string, std::string> torch_variables(
    const std::string& master_address, int master_port, std::int64_t world_size, std::int64_t rank,
    std::int64_t local_rank, std::int64_t local_world_size, std::int64_t node_rank);
// The cluster of a tensorflow job from its tasks' host:port, in rank order: the first
// `workers` are workers, the rest parameter servers.
[[nodiscard]] nlohmann::ordered_json tf_cluster(const std::vector<std::string>& addresses,
                                                std::int64_t workers);
// TF_CONFIG of the task of `rank`; its role and index within the role.
struct TfTask {
    std::string role;  // "worker" or "ps"
    std::int64_t index = 0;
};
[[nodiscard]] TfTask tf_task(std::int64_t rank, std::int64_t workers);
[[nodiscard]] std::string tf_config(const nlohmann::ordered_json& cluster, const TfTask& task);

// Every rank with its variables; `free_port` picks a port nobody listens on.
[[nodiscard]] Result<std::vector<RankPlan>> plan_ranks(const DistributionPlan& plan,
                                                       const std::function<int()>& free_port);

// A TCP port of 127.0.0.1 that is free now (the kernel's choice); 0 when none could be had.
[[nodiscard]] int free_port();

// The GPUs nvidia-smi lists on this machine (their indexes), or none.
[[nodiscard]] std::vector<std::string> discover_gpus(Runner& runner);

// The words that start an MPI job of `processes` ranks running `command` with bash: each
// rank appends its output to its log in `run_directory`/user_logs, takes its GPU slice (by
// local rank) and, when it fails, appends "RANK CODE" to system_logs/failed_ranks.
// `one_machine`: the ranks talk through shared memory only; else (inside a Slurm allocation,
// where mpirun finds the nodes itself) over TCP too.
[[nodiscard]] std::vector<std::string> mpirun_command(
    std::int64_t processes, const std::string& command, const std::string& run_directory,
    bool as_root, const std::vector<std::string>& gpu_slices, bool one_machine = true);

}  // namespace ferry::run
