#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"

// How a compute runs a job: the seam between a run's lifecycle (the supervisor's state
// machine) and the processes, containers or cluster jobs that do the work. One factory,
// make_launcher, is the only code that knows the compute types; everything else asks a
// Launcher. The same object answers submit (what the compute refuses, its GPUs, what
// --dry-run shows) and the supervisor (start, poll, stop, finish, clean up), and the
// lost-run reaper (abandon).
namespace ferry::run {

namespace fs = std::filesystem;

// Where a job stands, as its launcher reports it to the run.
enum class JobPhase { queued, starting, running };

// What a launcher tells its run while the job goes.
class JobEvents {
public:
    virtual ~JobEvents() = default;
    // The job moved on; `detail` is the status event's ("pid 12", "slurm job 7 on n1").
    virtual void entered(JobPhase phase, const std::string& detail) = 0;
    // What the cluster's scheduler says of the job (RunRecord::scheduler).
    virtual void scheduler(const Json& record) = 0;
    // Called while a launcher waits long (a stop's grace, a silent controller): the run is
    // still supervised.
    virtual void alive() = 0;
};

// A poll's answer: the job goes on, has ended (nothing of it runs any more), or must be
// stopped because a part of it failed (`why`: "rank 1 exited with exit code 3").
struct JobPoll {
    enum class State { going, ended, failing };
    State state = State::going;
    std::string why;
};

// The run a launcher works for, as Preparing left it.
struct LaunchTarget {
    std::string run;
    fs::path run_directory;
    std::string workspace;
    fs::path workspace_root;
    Plan plan;
    std::string environment_location;  // a venv, conda prefix or image; empty: the host
    std::string engine;                // docker or podman, for a job in a container
};

// What submit knows of a job before anything is stored.
struct JobShape {
    std::string file;  // for messages
    std::int64_t instances = 1;
    bool distributed = false;
};

struct LauncherTraits {
    std::string label;          // for messages: "the local compute", "a Slurm compute"
    bool queues_jobs = false;   // its scheduler queues jobs: ferry keeps no slots of its own
    bool mounts_inputs = true;  // ro_mount inputs are mounted on this machine (else copies)
    bool multi_node = false;    // resources.instance_count may be more than 1
    bool containers = true;     // a container environment can run there
    bool parent = false;        // its work is child runs, which take the slots: it holds none
    // Where the job reaches a tracking endpoint of this machine's; empty: the job runs here
    // and reaches it on 127.0.0.1, which is all the endpoint listens on.
    std::string tracking_host;
};

class Launcher {
public:
    virtual ~Launcher() = default;

    [[nodiscard]] virtual const LauncherTraits& traits() const = 0;
    // Refuses, before anything is stored, what the compute cannot run.
    [[nodiscard]] virtual Result<void> admit(const JobShape& shape) const = 0;
    // The GPUs a job's processes share out on this machine; nullopt: the scheduler gives
    // each node its own.
    [[nodiscard]] virtual std::optional<std::vector<std::string>> gpus() const = 0;
    // What `run submit --dry-run` shows of the launch: {"launcher": the line that starts the
    // job, or null; "ranks": each process with its variables, or null where the scheduler
    // places them}, built by the code start() runs.
    [[nodiscard]] virtual Result<Json> describe(const LaunchTarget& target) = 0;

    // Starts the job and reports its phases to `events` (which must outlive the launcher).
    [[nodiscard]] virtual Result<void> start(const LaunchTarget& target, JobEvents& events) = 0;
    // Looks at the job without blocking.
    [[nodiscard]] virtual JobPoll poll() = 0;
    // SIGTERM to everything of the job, SIGKILL after the grace; `why` is said first.
    virtual void stop(std::int64_t grace_seconds, const std::string& why) = 0;
    // Once the job ended or was stopped (`stopped`: why, or none when it ended by itself):
    // how it ended. What it left running is stopped.
    [[nodiscard]] virtual Ending finish(EndReason stopped) = 0;
    // Whatever ended the run: nothing of the job outlives it.
    virtual void clean_up() = 0;

    // A run whose supervisor is gone: what it left running here or on the compute stops.
    virtual void abandon(const RunRecord& run) = 0;
    // `compute list` and `show`: the fields of this type of compute.
    [[nodiscard]] virtual Json compute_fields() const = 0;
    // `compute show`: its nodes as the cluster says now; nullopt for this machine.
    [[nodiscard]] virtual std::optional<Json> compute_nodes() const = 0;
};

// The launcher of a compute (local or slurm); the only switch on the compute type.
[[nodiscard]] std::unique_ptr<Launcher> make_launcher(const ComputeRecord& compute,
                                                      const Seams& seams);
// The launcher of a run's compute, also when the compute was deleted since.
[[nodiscard]] std::unique_ptr<Launcher> launcher_of_run(store::Database& db, const RunRecord& run,
                                                        const Seams& seams);
// The types a compute may have.
[[nodiscard]] const std::vector<std::string>& compute_types();

}  // namespace ferry::run
