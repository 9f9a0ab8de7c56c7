#include "ferry/run/distribution.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <stdexcept>

#include "ferry/util/fd.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

nlohmann::ordered_json DistributionPlan::to_json() const {
    nlohmann::ordered_json json;
    json["type"] = spec::name_of(type);
    json["processes"] = processes;
    json["workers"] = workers;
    json["parameter_servers"] = parameter_servers;
    json["gpus"] = gpus;
    json["gpus_per_instance"] =
        gpus_per_instance ? nlohmann::ordered_json(*gpus_per_instance) : nlohmann::ordered_json();
    return json;
}

DistributionPlan DistributionPlan::from_json(const nlohmann::ordered_json& json) {
    DistributionPlan plan;
    const std::string type = json.value("type", std::string());
    const auto known = spec::parse_distribution_type(type);
    if (!known) {
        throw std::invalid_argument(fmt::format("unknown distribution type '{}'", type));
    }
    plan.type = *known;
    plan.processes = json.value("processes", std::int64_t{1});
    plan.workers = json.value("workers", std::int64_t{1});
    plan.parameter_servers = json.value("parameter_servers", std::int64_t{0});
    plan.gpus = json.value("gpus", std::vector<std::string>{});
    if (json.contains("gpus_per_instance") && json["gpus_per_instance"].is_number_integer()) {
        plan.gpus_per_instance = json["gpus_per_instance"].get<std::int64_t>();
    }
    return plan;
}

std::string rank_log(std::int64_t rank) {
    return fmt::format("user_logs/std_log_process_{}.txt", rank);
}

Result<std::vector<std::string>> gpu_slices(const std::vector<std::string>& gpus,
                                            std::optional<std::int64_t> wanted,
                                            std::int64_t ranks) {
    const auto available = static_cast<std::int64_t>(gpus.size());
    const std::int64_t count = wanted.value_or(available);
    if (count > available) {
        return usage_error("resources.gpus_per_instance is {}, but the compute has {} GPU{}", count,
                           available, available == 1 ? "" : "s");
    }
    std::vector<std::string> slices(static_cast<std::size_t>(ranks));
    if (count <= 0) {
        return slices;
    }
    for (std::int64_t rank = 0; rank < ranks; ++rank) {
        std::string slice;
        if (count >= ranks) {
            // Each rank its own contiguous share; what does not divide evenly stays unused.
            const std::int64_t share = count / ranks;
            for (std::int64_t i = 0; i < share; ++i) {
                slice +=
                    (slice.empty() ? "" : ",") + gpus[static_cast<std::size_t>(rank * share + i)];
            }
        } else {
            slice = gpus[static_cast<std::size_t>(rank % count)];  // more ranks than GPUs: shared
        }
        slices[static_cast<std::size_t>(rank)] = std::move(slice);
    }
    return slices;
}

std::map<std::string, std::string> torch_variables(const std::string& master_address,
                                                   int master_port, std::int64_t world_size,
                                                   std::int64_t rank, std::int64_t local_rank,
                                                   std::int64_t local_world_size,
                                                   std::int64_t node_rank) {
    return {{"MASTER_ADDR", master_address},
            {"MASTER_PORT", std::to_string(master_port)},
            {"WORLD_SIZE", std::to_string(world_size)},
            {"RANK", std::to_string(rank)},
            {"LOCAL_RANK", std::to_string(local_rank)},
            {"LOCAL_WORLD_SIZE", std::to_string(local_world_size)},
            {"NODE_RANK", std::to_string(node_rank)},
            {"GROUP_RANK", std::to_string(node_rank)}};
}

nlohmann::ordered_json tf_cluster(const std::vector<std::string>& addresses, std::int64_t workers) {
    std::vector<std::string> worker_addresses;
    std::vector<std::string> servers;
    for (std::size_t i = 0; i < addresses.size(); ++i) {
        (static_cast<std::int64_t>(i) < workers ? worker_addresses : servers)
            .push_back(addresses[i]);
    }
    nlohmann::ordered_json cluster;
    cluster["worker"] = worker_addresses;
    if (!servers.empty()) {
        cluster["ps"] = servers;
    }
    return cluster;
}

TfTask tf_task(std::int64_t rank, std::int64_t workers) {
    return rank < workers ? TfTask{"worker", rank} : TfTask{"ps", rank - workers};
}

std::string tf_config(const nlohmann::ordered_json& cluster, const TfTask& task) {
    nlohmann::ordered_json config;
    config["cluster"] = cluster;
    config["task"] = {{"type", task.role}, {"index", task.index}};
    config["environment"] = "cloud";
    return config.dump();
}

Result<std::vector<RankPlan>> plan_ranks(const DistributionPlan& plan,
                                         const std::function<int()>& pick_port) {
    const std::int64_t ranks = plan.ranks();
    if (ranks < 1) {
        return usage_error("distribution '{}' asks for no process", spec::name_of(plan.type));
    }
    TRY_ASSIGN(auto slices, gpu_slices(plan.gpus, plan.gpus_per_instance, ranks));
    // Distinct ports, even should the kernel offer one twice.
    std::set<int> taken;
    auto port = [&]() -> Result<int> {
        for (int attempt = 0; attempt < 100; ++attempt) {
            const int candidate = pick_port();
            if (candidate > 0 && taken.insert(candidate).second) {
                return candidate;
            }
        }
        return fail("cannot find a free TCP port for the distribution's rendezvous");
    };
    std::vector<RankPlan> planned;
    if (plan.type == spec::DistributionType::tensorflow) {
        std::vector<std::string> addresses;
        for (std::int64_t i = 0; i < ranks; ++i) {
            TRY_ASSIGN(auto chosen, port());
            addresses.push_back(fmt::format("127.0.0.1:{}", chosen));
        }
        const auto cluster = tf_cluster(addresses, plan.workers);
        for (std::int64_t rank = 0; rank < ranks; ++rank) {
            const TfTask task = tf_task(rank, plan.workers);
            RankPlan one{rank, task.role, task.index, {}, rank_log(rank)};
            one.environment["TF_CONFIG"] = tf_config(cluster, task);
            planned.push_back(std::move(one));
        }
    } else if (plan.type == spec::DistributionType::pytorch) {
        TRY_ASSIGN(auto master, port());
        for (std::int64_t rank = 0; rank < ranks; ++rank) {
            RankPlan one{rank, "", rank, {}, rank_log(rank)};
            one.environment = torch_variables("127.0.0.1", master, ranks, rank, rank, ranks, 0);
            planned.push_back(std::move(one));
        }
    } else {
        for (std::int64_t rank = 0; rank < ranks; ++rank) {
            planned.push_back({rank, "", rank, {}, rank_log(rank)});  // mpirun sets OMPI_*
        }
    }
    for (std::size_t i = 0; i < planned.size(); ++i) {
        if (!(slices)[i].empty()) {
            planned[i].environment["CUDA_VISIBLE_DEVICES"] = (slices)[i];
        }
    }
    return planned;
}

int free_port() {
    util::Fd socket_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket_fd) {
        return 0;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        return 0;
    }
    return ntohs(address.sin_port);
}

std::vector<std::string> discover_gpus(Runner& runner) {
    std::vector<std::string> gpus;
    if (!runner.find_program("nvidia-smi")) {
        return gpus;
    }
    auto listed = runner.capture(
        {{"nvidia-smi", "--query-gpu=index", "--format=csv,noheader"}, {}, "", {}}, -1);
    if (!listed) {
        return gpus;
    }
    for (const auto line : util::lines(*listed)) {
        const auto index = util::trim(line);
        if (!index.empty() && index.find_first_not_of("0123456789") == std::string_view::npos) {
            gpus.emplace_back(index);
        }
    }
    return gpus;
}

std::vector<std::string> mpirun_command(std::int64_t processes, const std::string& command,
                                        const std::string& run_directory, bool as_root,
                                        const std::vector<std::string>& gpu_slices,
                                        bool one_machine) {
    std::vector<std::string> words{"mpirun", "-np", std::to_string(processes)};
    if (as_root) {
        words.emplace_back("--allow-run-as-root");
    }
    // One machine: oversubscribing is fine, and the ranks talk through shared memory.
    words.insert(words.end(), {"--oversubscribe", "--bind-to", "none", "--mca", "btl",
                               one_machine ? "self,vader" : "self,vader,tcp"});
    // Each rank appends its output to its own log, takes its GPUs, runs the command, and notes
    // a failure, so the supervisor can name the rank that failed first.
    std::string slices;
    for (const auto& slice : gpu_slices) {
        slices += (slices.empty() ? "" : ";") + slice;
    }
    words.insert(words.end(),
                 {"bash", "-c",
                  "exec >>\"$0/user_logs/std_log_process_${OMPI_COMM_WORLD_RANK}.txt\" 2>&1; "
                  "IFS=';' read -ra slices <<<\"$2\"; "
                  "slice=${slices[${OMPI_COMM_WORLD_LOCAL_RANK:-0}]:-}; "
                  "if [ -n \"$slice\" ]; then export CUDA_VISIBLE_DEVICES=\"$slice\"; fi; "
                  "bash -c \"$1\"; code=$?; "
                  "if [ $code -ne 0 ]; then "
                  "echo \"$OMPI_COMM_WORLD_RANK $code\" >>\"$0/system_logs/failed_ranks\"; fi; "
                  "exit $code",
                  run_directory, command, slices});
    return words;
}

}  // namespace ferry::run
