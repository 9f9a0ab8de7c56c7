#include "ferry/run/slurm.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "ferry/util/text.hpp"

namespace ferry::run::slurm {

namespace {

std::optional<std::int64_t> parse_integer(std::string_view text) {
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

using util::split;
using util::trim;

// KEY=VALUE words of scontrol's one-line output (values hold no spaces, but for a few keys
// that come last and that are not read here).
std::map<std::string, std::string> scontrol_words(std::string_view line) {
    std::map<std::string, std::string> words;
    for (auto word : split(trim(line), ' ')) {
        const auto eq = word.find('=');
        if (eq != std::string_view::npos && eq > 0) {
            words.emplace(std::string(word.substr(0, eq)), std::string(word.substr(eq + 1)));
        }
    }
    return words;
}

// A character of a file name, as paths in commands and variables are written.
bool name_character(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
}

std::string text_of(const Json& spec, const char* key) {
    return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>()
                                                       : std::string();
}

}  // namespace

Cluster Cluster::from_spec(const Json& spec) {
    Cluster cluster;
    if (!spec.is_object()) {
        return cluster;
    }
    cluster.partition = text_of(spec, "partition");
    cluster.account = text_of(spec, "account");
    cluster.qos = text_of(spec, "qos");
    if (spec.contains("max_instances") && spec["max_instances"].is_number_integer()) {
        cluster.max_instances = spec["max_instances"].get<std::int64_t>();
    }
    if (spec.contains("sbatch_args") && spec["sbatch_args"].is_array()) {
        for (const auto& argument : spec["sbatch_args"]) {
            if (argument.is_string()) {
                cluster.sbatch_args.push_back(argument.get<std::string>());
            }
        }
    }
    cluster.workspace_path = text_of(spec, "workspace_path");
    cluster.ferry_path = text_of(spec, "ferry_path");
    cluster.tracking_host = text_of(spec, "tracking_host");
    return cluster;
}

Result<void> check_instances(const Cluster& cluster, std::string_view compute,
                             std::int64_t instances, std::string_view file) {
    if (cluster.max_instances && instances > *cluster.max_instances) {
        return usage_error(
            "{}: resources.instance_count is {}, but compute '{}' allows at most {} node{} "
            "(max_instances)",
            file, instances, compute, *cluster.max_instances,
            *cluster.max_instances == 1 ? "" : "s");
    }
    return {};
}

Shape job_shape(const Plan& plan) {
    Shape shape;
    shape.nodes = std::max<std::int64_t>(1, plan.instances);
    if (plan.distribution && plan.distribution->type == spec::DistributionType::tensorflow) {
        shape.tasks = plan.distribution->ranks();
    } else if (plan.distribution) {
        shape.tasks_per_node = std::max<std::int64_t>(1, plan.distribution->processes);
    }
    if (plan.distribution && plan.distribution->gpus_per_instance) {
        shape.gpus_per_node = plan.distribution->gpus_per_instance;
    } else if (plan.gpus_per_instance) {
        shape.gpus_per_node = plan.gpus_per_instance;
    }
    return shape;
}

std::string time_limit(std::int64_t seconds) {
    const std::int64_t total = std::max<std::int64_t>(0, seconds) + 60;
    return fmt::format("{}:{:02}", total / 60, total % 60);
}

std::vector<std::string> sbatch_argv(const Cluster& cluster, const Plan& plan,
                                     const Submission& submission) {
    const Shape shape = job_shape(plan);
    std::vector<std::string> argv = {
        "sbatch",
        "--parsable",
        "--job-name=" + submission.run_name,
        "--output=" + submission.run_directory + "/system_logs/slurm-%j.txt",
        "--open-mode=append",
        "--chdir=" + submission.run_directory,
        "--export=ALL",
        "--no-requeue",  // a requeued job would run again over this run's files
        fmt::format("--nodes={}", shape.nodes)};
    if (shape.tasks) {
        argv.push_back(fmt::format("--ntasks={}", *shape.tasks));
    } else {
        argv.push_back(fmt::format("--ntasks-per-node={}", shape.tasks_per_node));
    }
    if (shape.gpus_per_node && *shape.gpus_per_node > 0) {
        argv.push_back(fmt::format("--gpus-per-node={}", *shape.gpus_per_node));
    }
    if (plan.timeout) {
        argv.push_back("--time=" + time_limit(*plan.timeout));
    }
    if (!cluster.partition.empty()) {
        argv.push_back("--partition=" + cluster.partition);
    }
    if (!cluster.account.empty()) {
        argv.push_back("--account=" + cluster.account);
    }
    if (!cluster.qos.empty()) {
        argv.push_back("--qos=" + cluster.qos);
    }
    argv.insert(argv.end(), cluster.sbatch_args.begin(), cluster.sbatch_args.end());
    argv.push_back(submission.script);
    return argv;
}

Result<std::string> parse_job_id(std::string_view output) {
    const std::string_view line = trim(output);
    const std::string_view id = line.substr(0, line.find(';'));
    if (id.empty() || !parse_integer(id)) {
        return fail("sbatch printed no job id: '{}'", line);
    }
    return std::string(id);
}

std::optional<JobInfo> parse_squeue(std::string_view output) {
    const std::string_view line = trim(output);
    if (line.empty() || line.find('\n') != std::string_view::npos) {
        return std::nullopt;
    }
    const auto fields = split(line, '|');
    if (fields.size() != 3 || fields[0].empty()) {
        return std::nullopt;
    }
    JobInfo info;
    info.state = std::string(fields[0]);
    info.reason = std::string(fields[1]);
    info.nodes = std::string(fields[2]);
    return info;
}

std::optional<JobInfo> parse_scontrol_job(std::string_view output) {
    auto words = scontrol_words(output);
    const auto state = words.find("JobState");
    if (state == words.end() || state->second.empty()) {
        return std::nullopt;
    }
    JobInfo info;
    info.state = state->second;
    info.reason = words["Reason"];
    info.nodes = words["NodeList"];
    if (info.nodes == "(null)") {
        info.nodes.clear();
    }
    if (const auto code = words.find("ExitCode"); code != words.end()) {
        const auto parts = split(code->second, ':');
        if (parts.size() == 2) {
            if (auto value = parse_integer(parts[0])) {
                info.exit_code = static_cast<int>(*value);
            }
            if (auto value = parse_integer(parts[1])) {
                info.signal = static_cast<int>(*value);
            }
        }
    }
    return info;
}

bool is_pending(std::string_view state) {
    return state == "PENDING" || state == "REQUEUED" || state == "REQUEUE_HOLD" ||
           state == "REQUEUE_FED" || state == "RESV_DEL_HOLD" || state == "SUSPENDED";
}

bool is_active(std::string_view state) {
    return state == "RUNNING" || state == "CONFIGURING" || state == "COMPLETING" ||
           state == "STAGE_OUT" || state == "SIGNALING" || state == "RESIZING";
}

bool is_ended(std::string_view state) {
    static constexpr std::array<std::string_view, 11> k_ended = {
        "COMPLETED", "FAILED",        "CANCELLED", "TIMEOUT", "NODE_FAIL",   "PREEMPTED",
        "BOOT_FAIL", "OUT_OF_MEMORY", "DEADLINE",  "REVOKED", "SPECIAL_EXIT"};
    return std::ranges::find(k_ended, state) != k_ended.end();
}

Outcome outcome_of(const JobInfo& info, std::string_view job_id) {
    Outcome outcome;
    const std::string said =
        info.reason.empty() || info.reason == "None" ? std::string() : " (" + info.reason + ")";
    if (info.state == "COMPLETED" || info.state == "FAILED") {
        return outcome;  // the exit code decides
    }
    if (info.state == "TIMEOUT" || info.state == "DEADLINE") {
        outcome.reason = EndReason::timeout;
        outcome.error = fmt::format("timeout: Slurm ended job {} at its time limit ({}){}", job_id,
                                    info.state, said);
        return outcome;
    }
    if (info.state == "CANCELLED") {
        outcome.status = Status::canceled;
        outcome.reason = EndReason::canceled;
        outcome.error =
            fmt::format("Slurm job {} was canceled outside ferry (scancel){}", job_id, said);
        return outcome;
    }
    if (info.state == "OUT_OF_MEMORY") {
        outcome.error =
            fmt::format("Slurm job {} ran out of memory (OUT_OF_MEMORY){}", job_id, said);
        return outcome;
    }
    outcome.reason = EndReason::infrastructure;
    outcome.error = fmt::format("Slurm ended job {}: {}{}", job_id, info.state, said);
    return outcome;
}

std::vector<std::pair<std::string, std::string>> parse_sinfo(std::string_view output) {
    std::vector<std::pair<std::string, std::string>> nodes;
    for (auto line : split(trim(output), '\n')) {
        const auto fields = split(trim(line), '|');
        if (fields.size() == 2 && !fields[0].empty()) {
            nodes.emplace_back(std::string(fields[0]), std::string(fields[1]));
        }
    }
    return nodes;
}

Json partition_nodes(Runner& runner, const Cluster& cluster) {
    std::vector<std::string> argv = {"sinfo", "-h", "-N", "-o", "%N|%t"};
    if (!cluster.partition.empty()) {
        argv.push_back("--partition=" + cluster.partition);
    }
    // A cluster that does not answer (a controller away, a SLURM_CONF that names no file)
    // does not hold `compute show` up for sinfo's own minute of retries.
    auto output = runner.capture({argv, {}, "", {}, k_slurm_query_limit}, -1);
    Json nodes;
    if (!output) {
        nodes["error"] = output.error().message;
        return nodes;
    }
    Json states = Json::object();
    Json each = Json::array();
    for (const auto& [name, state] : parse_sinfo(*output)) {
        // sinfo marks a state with * (not responding), ~ (powered off) and the like.
        std::string plain = state;
        while (!plain.empty() && std::isalpha(static_cast<unsigned char>(plain.back())) == 0) {
            plain.pop_back();
        }
        states[plain] = states.value(plain, 0) + 1;
        each.push_back({{"name", name}, {"state", state}});
    }
    nodes["total"] = each.size();
    nodes["by_state"] = std::move(states);
    nodes["nodes"] = std::move(each);
    return nodes;
}

std::vector<std::int64_t> tasks_per_node(std::string_view text) {
    std::vector<std::int64_t> counts;
    for (auto part : split(trim(text), ',')) {
        std::int64_t repeat = 1;
        if (const auto open = part.find("(x"); open != std::string_view::npos) {
            const auto close = part.find(')', open);
            if (close == std::string_view::npos) {
                return {};
            }
            auto times = parse_integer(part.substr(open + 2, close - open - 2));
            if (!times || *times < 1) {
                return {};
            }
            repeat = *times;
            part = part.substr(0, open);
        }
        auto count = parse_integer(part);
        if (!count || *count < 0) {
            return {};
        }
        counts.insert(counts.end(), static_cast<std::size_t>(repeat), *count);
    }
    return counts;
}

std::map<std::string, std::string> node_addresses(std::string_view output) {
    std::map<std::string, std::string> addresses;
    for (auto line : split(trim(output), '\n')) {
        auto words = scontrol_words(line);
        if (!words["NodeName"].empty()) {
            addresses[words["NodeName"]] =
                words["NodeAddr"].empty() ? words["NodeName"] : words["NodeAddr"];
        }
    }
    return addresses;
}

Result<Task> task_of(const std::map<std::string, std::string>& variables) {
    auto integer = [&](const char* name) -> Result<std::int64_t> {
        const auto found = variables.find(name);
        if (found == variables.end()) {
            return fail("{} is not set: not a task of a Slurm job step", name);
        }
        auto value = parse_integer(found->second);
        if (!value || *value < 0) {
            return fail("{}={} is not a count", name, found->second);
        }
        return *value;
    };
    Task task;
    for (auto [field, name] :
         {std::pair{&task.rank, "SLURM_PROCID"}, std::pair{&task.local_rank, "SLURM_LOCALID"},
          std::pair{&task.node, "SLURM_NODEID"}, std::pair{&task.tasks, "SLURM_NTASKS"}}) {
        TRY_ASSIGN(auto value, integer(name));
        *field = value;
    }
    const auto per_node = variables.find("SLURM_TASKS_PER_NODE");
    const auto counts = per_node == variables.end() ? std::vector<std::int64_t>()
                                                    : tasks_per_node(per_node->second);
    if (task.node >= static_cast<std::int64_t>(counts.size())) {
        return fail("SLURM_TASKS_PER_NODE does not say how many tasks node {} has", task.node);
    }
    task.local_tasks = counts[static_cast<std::size_t>(task.node)];
    return task;
}

std::map<std::string, std::string> rendezvous_variables(const Rendezvous& rendezvous) {
    std::string tasks;
    for (const auto& address : rendezvous.task_addresses) {
        tasks += (tasks.empty() ? "" : ",") + address;
    }
    return {{"FERRY_SLURM_MASTER_ADDR", rendezvous.master_address},
            {"FERRY_SLURM_MASTER_PORT", std::to_string(rendezvous.master_port)},
            {"FERRY_SLURM_TASK_ADDRESSES", tasks}};
}

Result<Rendezvous> rendezvous_of(const std::map<std::string, std::string>& variables) {
    Rendezvous rendezvous;
    const auto address = variables.find("FERRY_SLURM_MASTER_ADDR");
    const auto port = variables.find("FERRY_SLURM_MASTER_PORT");
    if (address == variables.end() || port == variables.end()) {
        return fail(
            "FERRY_SLURM_MASTER_ADDR and FERRY_SLURM_MASTER_PORT are not set: "
            "not started by ferry's batch step");
    }
    const auto number = parse_integer(port->second);
    if (!number || *number < 0 || *number > 65535) {
        return fail("FERRY_SLURM_MASTER_PORT={} is not a port", port->second);
    }
    rendezvous.master_address = address->second;
    rendezvous.master_port = static_cast<int>(*number);
    if (const auto tasks = variables.find("FERRY_SLURM_TASK_ADDRESSES");
        tasks != variables.end() && !tasks->second.empty()) {
        for (auto task : split(tasks->second, ',')) {
            rendezvous.task_addresses.emplace_back(task);
        }
    }
    return rendezvous;
}

Result<std::map<std::string, std::string>> task_variables(const DistributionPlan& plan,
                                                          const Task& task,
                                                          const Rendezvous& rendezvous) {
    switch (plan.type) {
        case spec::DistributionType::pytorch:
            return torch_variables(rendezvous.master_address, rendezvous.master_port, task.tasks,
                                   task.rank, task.local_rank, task.local_tasks, task.node);
        case spec::DistributionType::tensorflow:
            if (static_cast<std::int64_t>(rendezvous.task_addresses.size()) != task.tasks) {
                return fail("the batch step gave {} task addresses for {} tasks",
                            rendezvous.task_addresses.size(), task.tasks);
            }
            return std::map<std::string, std::string>{
                {"TF_CONFIG", tf_config(tf_cluster(rendezvous.task_addresses, plan.workers),
                                        tf_task(task.rank, plan.workers))}};
        case spec::DistributionType::mpi:
            break;
    }
    return std::map<std::string, std::string>{};  // the MPI launcher sets OMPI_*
}

std::string to_node_path(std::string_view text, const std::string& here, const std::string& there) {
    if (here.empty() || there.empty() || here == there) {
        return std::string(text);
    }
    std::string mapped;
    std::size_t at = 0;
    for (;;) {
        const auto found = text.find(here, at);
        if (found == std::string_view::npos) {
            mapped.append(text.substr(at));
            return mapped;
        }
        const auto after = found + here.size();
        // The whole of a path or its start: no name character may touch it on either side.
        const bool boundary = (found == 0 || !name_character(text[found - 1])) &&
                              (after == text.size() || !name_character(text[after]));
        mapped.append(text.substr(at, found - at));
        mapped.append(boundary ? there : here);
        at = after;
    }
}

void map_paths(Json& json, const std::string& here, const std::string& there) {
    if (json.is_string()) {
        json = to_node_path(json.get<std::string>(), here, there);
    } else if (json.is_structured()) {
        for (auto& item : json) {
            map_paths(item, here, there);
        }
    }
}

}  // namespace ferry::run::slurm
