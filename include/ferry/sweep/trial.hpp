#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/spec/job.hpp"

// A sweep's trials as command jobs.
namespace ferry::sweep {

using Json = nlohmann::ordered_json;

// A sampled value as a trial's command and its params see it: a string as it is, a whole
// number without a point, other numbers as JSON writes them (the shortest text that reads
// back the same), true and false, null as "None" (MLflow's text for Python's None).
[[nodiscard]] std::string value_text(const Json& value);
// A trial's values as its params: each name with its value_text.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> params_of(const Json& values);

// The command job of one trial: the sweep's trial (code, command, environment, variables,
// distribution, resources) with the sweep's own keys (compute, experiment, inputs, outputs,
// tags), `${{search_space.NAME}}` replaced by the trial's value in its command and in its
// environment variables' values, and `limits.trial_timeout` as its `limits.timeout`. `values`
// holds a value for every parameter of the search space.
[[nodiscard]] spec::CommandJob trial_job(const spec::SweepJob& sweep, const Json& values);

}  // namespace ferry::sweep
