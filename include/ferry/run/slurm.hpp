#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/status.hpp"

// Slurm computes: the sbatch a run becomes, what squeue, scontrol and sinfo say, and what
// each task of the allocation sees. Slurm schedules; ferry prepares, launches, follows and
// collects. The parsers and builders here are pure; the programs run through Runner.
namespace ferry::run::slurm {

namespace fs = std::filesystem;

// How long a question to Slurm (sinfo, squeue, scontrol show) may take before it counts as
// unanswered: its tools retry for a minute when the controller is away.
inline constexpr std::chrono::seconds k_slurm_query_limit{10};
using Json = nlohmann::ordered_json;

// A compute of type slurm, from its recorded spec.
struct Cluster {
    std::string partition;
    std::string account;
    std::string qos;
    std::optional<std::int64_t> max_instances;
    std::vector<std::string> sbatch_args;
    std::string workspace_path;  // the workspace's directory on the nodes; empty: the same
    std::string ferry_path;      // ferry on the nodes; empty: `ferry` on their PATH
    std::string tracking_host;   // this machine as the nodes reach it; empty: its host name

    [[nodiscard]] static Cluster from_spec(const Json& spec);
};

// resources.instance_count against the compute's max_instances (exit 2 when over).
[[nodiscard]] Result<void> check_instances(const Cluster& cluster, std::string_view compute,
                                           std::int64_t instances, std::string_view file);

// What sbatch is asked for: nodes, and tasks per node or in all.
struct Shape {
    std::int64_t nodes = 1;
    std::int64_t tasks_per_node = 1;    // pytorch, mpi, one process
    std::optional<std::int64_t> tasks;  // tensorflow: workers + parameter servers
    std::optional<std::int64_t> gpus_per_node;
};
[[nodiscard]] Shape job_shape(const Plan& plan);

// `--time` for limits.timeout: minutes:seconds, with a minute more than the timeout so that
// ferry's own enforcement (with its grace) comes first and Slurm's is the backstop.
[[nodiscard]] std::string time_limit(std::int64_t seconds);

struct Submission {
    std::string run_name;
    std::string run_directory;  // as the nodes see it
    std::string script;         // as the nodes see it
};
// `sbatch --parsable ...`: the job's name is the run's, its output in the run's system_logs,
// the compute's partition, account, qos and sbatch_args, then the script.
[[nodiscard]] std::vector<std::string> sbatch_argv(const Cluster& cluster, const Plan& plan,
                                                   const Submission& submission);
// The job id sbatch --parsable printed ("ID" or "ID;CLUSTER"), or an error quoting it.
[[nodiscard]] Result<std::string> parse_job_id(std::string_view output);

// What squeue or scontrol says of a job.
struct JobInfo {
    std::string state;   // PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, NODE_FAIL, ...
    std::string reason;  // None, Resources, Priority, ...
    std::string nodes;   // n[1-2]
    std::optional<int> exit_code;  // ExitCode=CODE:SIGNAL
    std::optional<int> signal;
};
// `squeue -h -t all -j ID -o %T|%r|%N`: one line; nullopt when it is not one job's.
[[nodiscard]] std::optional<JobInfo> parse_squeue(std::string_view output);
// `scontrol show job -o ID`: KEY=VALUE words.
[[nodiscard]] std::optional<JobInfo> parse_scontrol_job(std::string_view output);
[[nodiscard]] bool is_pending(std::string_view state);
// Allocated and not yet ended: its processes run or are being started or stopped.
[[nodiscard]] bool is_active(std::string_view state);
// Ended for good (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, ...). Any other state
// (STOPPED, SUSPENDED, one a later Slurm adds) is not an end.
[[nodiscard]] bool is_ended(std::string_view state);

// How a job that left Slurm's queue ended, when ferry did not stop it.
struct Outcome {
    Status status = Status::failed;
    EndReason reason = EndReason::job;
    std::string error;  // empty: decided by the exit code
};
[[nodiscard]] Outcome outcome_of(const JobInfo& info, std::string_view job_id);

// `sinfo -h -N -p PART -o %N|%t`: each node with its state (idle, alloc, mix, down, ...).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_sinfo(std::string_view output);

// The partition's nodes as sinfo says now: {"total", "by_state": {STATE: N}, "nodes":
// [{"name", "state"}]}, or {"error"} when sinfo cannot say.
[[nodiscard]] Json partition_nodes(Runner& runner, const Cluster& cluster);

// SLURM_TASKS_PER_NODE ("2(x3),1") as one count per node.
[[nodiscard]] std::vector<std::int64_t> tasks_per_node(std::string_view text);
// `scontrol show node -o NODES`: each node's NodeAddr by NodeName.
[[nodiscard]] std::map<std::string, std::string> node_addresses(std::string_view output);

// What one task knows of its place, from SLURM_PROCID, SLURM_LOCALID, SLURM_NODEID,
// SLURM_NTASKS and SLURM_TASKS_PER_NODE.
struct Task {
    std::int64_t rank = 0;
    std::int64_t local_rank = 0;
    std::int64_t node = 0;
    std::int64_t tasks = 1;
    std::int64_t local_tasks = 1;
};
// Reads the task's place from its variables; fails naming a missing or malformed one.
[[nodiscard]] Result<Task> task_of(const std::map<std::string, std::string>& variables);

// What the batch step decides for all tasks, passed to them in variables: the first node's
// address, a free port there, and for tensorflow each task's host:port.
struct Rendezvous {
    std::string master_address;
    int master_port = 0;
    std::vector<std::string> task_addresses;  // tensorflow, by rank
};
[[nodiscard]] std::map<std::string, std::string> rendezvous_variables(const Rendezvous& rendezvous);
[[nodiscard]] Result<Rendezvous> rendezvous_of(const std::map<std::string, std::string>& variables);

// The distribution's variables for one task (the same names as on one machine).
[[nodiscard]] Result<std::map<std::string, std::string>> task_variables(
    const DistributionPlan& plan, const Task& task, const Rendezvous& rendezvous);

// Every occurrence of the directory `here` in `text` (at a path boundary) as `there`: the
// workspace as the nodes see it.
[[nodiscard]] std::string to_node_path(std::string_view text, const std::string& here,
                                       const std::string& there);
// The same over every string of a JSON document.
void map_paths(Json& json, const std::string& here, const std::string& there);

}  // namespace ferry::run::slurm
