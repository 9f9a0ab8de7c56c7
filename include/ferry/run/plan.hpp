#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/env/definition.hpp"
#include "ferry/run/distribution.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/store/assets.hpp"

// What a submit decides before anything runs: the run's name and experiment, the command
// with its placeholders replaced, where inputs and outputs go, and the job's variables. The
// supervisor carries the plan out; `run submit --dry-run` prints it.
namespace ferry::run {

namespace fs = std::filesystem;

// A literal input's text, as the command line gets it: strings as they are, booleans True and
// False (as Azure's Python service writes them), numbers as JSON writes them.
[[nodiscard]] std::string literal_text(const nlohmann::ordered_json& value);
using Json = nlohmann::ordered_json;

struct InputPlan {
    std::string name;
    std::string type;  // uri_file, uri_folder, or a model type
    spec::InputMode mode = spec::InputMode::ro_mount;
    fs::path source;  // a local path; for a dataset or a model, set while Preparing
    fs::path target;  // what the command sees
    // A registered dataset or model: its files are the stored manifest `content` (empty for
    // a URL dataset not fetched yet).
    std::optional<store::AssetKind> asset_kind;
    std::string asset_name;
    std::string asset_version;
    std::string content;
    // A datastore path or an earlier run's output it was read from (storage.hpp); else null.
    Json origin;
};

struct OutputPlan {
    std::string name;
    std::string type;
    fs::path directory;         // created before the job starts, stored when it ends
    fs::path target;            // what the command sees: the directory, or a file in it
    std::string asset_name;     // registered as this dataset when the run completes
    std::string asset_version;  // empty: the next one
    // The datastore it is written to when the run completes: {reference, datastore, path,
    // local} (storage.hpp); else null.
    Json destination;
};

// A job input that names a registered dataset or model, as submit found it.
struct ResolvedInput {
    store::AssetKind kind = store::AssetKind::data;
    std::string name;
    std::string version;
    std::string content;    // empty for a URL dataset not fetched yet
    std::string file_name;  // uri_file: the name of its one file
};

struct Plan {
    std::string command;
    std::map<std::string, std::string> environment;  // set for the job, over the submitter's
    std::vector<InputPlan> inputs;
    std::vector<OutputPlan> outputs;
    std::optional<DistributionPlan> distribution;  // none: one process, user_logs/std_log.txt
    std::optional<std::int64_t> timeout;           // seconds
    std::vector<std::string> notes;                // said at submit and kept in the system log
    // The environment to materialize during Preparing; none: the host as it is.
    std::optional<env::Environment> job_environment;
    std::string shm_size;                           // a container's /dev/shm, as the job wrote it
    std::vector<std::string> docker_args;           // resources.docker_args, words for the engine
    std::int64_t instances = 1;                     // resources.instance_count: nodes of a cluster
    std::optional<std::int64_t> gpus_per_instance;  // a cluster's GPUs per node

    [[nodiscard]] Json to_json() const;
    [[nodiscard]] static Result<Plan> from_json(const Json& json);
};

// Where the job's runtime comes from: the job's environment, or the host because the user
// said so.
enum class Runtime { from_job, host };

// What the compute can do, as its launcher says (LauncherTraits).
struct ComputeAbilities {
    std::string label;  // for messages: "the local compute", "a Slurm compute"
    bool multi_node = false;
    bool containers = true;
};

struct PlanRequest {
    std::string file;  // for messages: the job file, or "command line"
    std::string run_name;
    std::string experiment;
    std::string workspace;  // its name, for FERRY_WORKSPACE
    // The run its family starts from (a trial's sweep, a step's pipeline); empty: itself.
    std::string root_run;
    fs::path run_directory;
    Runtime runtime = Runtime::from_job;
    // The compute's GPU ids to share out among the job's processes; nullopt: a scheduler
    // gives each node its own (--gpus-per-node).
    std::optional<std::vector<std::string>> gpus;
    ComputeAbilities compute;
    // The job's environment as the caller resolved it (registered or inline); ignored with
    // Runtime::host.
    std::optional<env::Environment> environment;
    // Inputs that name registered datasets or models, by input name.
    std::map<std::string, ResolvedInput> assets;
    // Where inputs read from storage came from, and where outputs go (resolve_storage).
    std::map<std::string, Json> input_origins;
    std::map<std::string, Json> output_destinations;
};

// The values of AZUREML_ARM_SUBSCRIPTION and AZUREML_ARM_RESOURCEGROUP in a job: ferry has
// neither, and says so.
inline constexpr std::string_view k_azure_subscription = "local";
inline constexpr std::string_view k_azure_resource_group = "ferry";

[[nodiscard]] Result<Plan> make_plan(const spec::CommandJob& job, const PlanRequest& request);

// The variables a process of the job runs with: `base` (the starter's own), then the job's,
// then `extra` (a rank's), then, for a venv or conda prefix at `location`, its bin/ first on
// PATH. A container's client gets the same (the engine passes the job's by name).
[[nodiscard]] std::map<std::string, std::string> job_variables(
    const Plan& plan, std::map<std::string, std::string> base,
    const std::map<std::string, std::string>& extra, const std::string& location);

// Azure's generated names: adjective_noun_ and 10 characters of [b-z minus vowels, 0-9].
[[nodiscard]] std::string generate_run_name(std::mt19937_64& random);
// The experiment a job without experiment_name gets: the code directory's (else the current
// directory's) base name without spaces, or "Default".
[[nodiscard]] std::string default_experiment(const std::optional<fs::path>& code,
                                             const fs::path& cwd);
// Words joined into one bash command line, each quoted where bash would split or expand it.
[[nodiscard]] std::string shell_join(std::span<const std::string> words);
// Run names: what a directory name and a shell word can carry.
[[nodiscard]] Result<void> check_run_name(std::string_view name);

// The run directory of a run in a workspace.
[[nodiscard]] fs::path run_directory(const fs::path& workspace_root, std::string_view name);
[[nodiscard]] fs::path working_directory(const fs::path& run_directory);
[[nodiscard]] fs::path std_log(const fs::path& run_directory);
[[nodiscard]] fs::path supervisor_log(const fs::path& run_directory);

}  // namespace ferry::run
