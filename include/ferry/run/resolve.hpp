#pragma once

#include <map>
#include <optional>
#include <string>

#include "ferry/core/context.hpp"
#include "ferry/env/definition.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/spec/job.hpp"
#include "ferry/store/workspace.hpp"

// What submit finds in the workspace for a job before it plans it: its environment and the
// registered datasets and models its inputs name. A name that is not there is the job's
// mistake (exit 2, naming the file).
namespace ferry::run {

// Whether the job's environment is stored: not at --dry-run, which stores nothing.
enum class StoreDefinition { yes, no };

// The job's environment: registered (NAME:VERSION, NAME@latest) or inline (its files read
// and, with StoreDefinition::yes, its build context stored), checked against what this
// machine has. `file` names the job file; `where` the place of its `environment` key. None: the
// host, as it is (also with Runtime::host).
[[nodiscard]] Result<std::optional<env::Environment>> resolve_environment(
    Context& ctx, store::Workspace& workspace, const spec::CommandJob& job, const std::string& file,
    std::string_view where, Runtime runtime, StoreDefinition store);

// Inputs that name registered datasets and models (azureml:N:V, azureml:N@latest, or N:V and
// N@latest where no such local path exists), by input name.
[[nodiscard]] Result<std::map<std::string, ResolvedInput>> resolve_inputs(
    store::Workspace& workspace, const spec::CommandJob& job, const std::string& file);

// What a run records of its environment at submit; Preparing adds the cache and location.
[[nodiscard]] Json environment_record(const std::optional<env::Environment>& environment,
                                      const fs::path& workspace_root, std::string_view interpreter);

}  // namespace ferry::run
