#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/store/workspace.hpp"

// A job's inputs and outputs that name storage this workspace stands in for: datastore paths
// (azureml://datastores/NAME/paths/P), Azure storage URLs a datastore claims (wasbs://,
// abfss://, https://ACCOUNT.blob.core.windows.net/...), and what earlier runs left
// (azureml://jobs/RUN/outputs/NAME[/paths/P], azureml://jobs/RUN/outputs/artifacts/paths/P).
namespace ferry::run {

using Json = nlohmann::ordered_json;

// Where each such path came from, by input or output name, for the run's lineage:
// {reference, datastore, path} or {reference, run, output | artifact, path}; an output's also
// has `local`, where it is written when the run completes.
struct StorageOrigins {
    std::map<std::string, Json> inputs;
    std::map<std::string, Json> outputs;
};

// Rewrites those inputs into the local paths they are here (an earlier run's files are read
// only: `direct` becomes ro_mount) and takes those outputs' paths out of the job, saying
// where they go. `where` places an error at the key's file:line:col ("inputs.x.path").
// `run_name` fills an output path's ${{name}} (and the output's own name its
// ${{output_name}}), as Azure does.
[[nodiscard]] Result<StorageOrigins> resolve_storage(
    store::Workspace& workspace, spec::CommandJob& job, std::string_view run_name,
    const std::function<std::string(std::string_view key)>& where);

// The run whose files stand for a run's outputs: a sweep's best trial, a reused pipeline
// step's origin, else the run itself.
[[nodiscard]] Result<RunRecord> outputs_of(store::Database& db, const RunRecord& run);

// The local file or folder a storage reference is here (a datastore path, a URL a datastore
// claims, an earlier run's output), for a `type` input; nullopt for any other reference.
[[nodiscard]] Result<std::optional<std::filesystem::path>> storage_path(
    store::Workspace& workspace, const spec::Reference& reference, std::string_view type);

// Parses azureml://jobs/RUN/outputs/NAME[/paths/P] and .../outputs/artifacts/paths/P:
// {run, output | artifact, path}.
[[nodiscard]] Result<Json> parse_job_output(std::string_view text);
// The path among a run's stored files that a parsed job-output reference names:
// named-outputs/NAME[/P], or the artifact's P.
[[nodiscard]] std::string stored_path(const Json& parsed);

// What a model registered from a run's files records of the run: {run, experiment, snapshot,
// runtime, environment}.
[[nodiscard]] Json model_lineage(const RunRecord& run);

}  // namespace ferry::run
