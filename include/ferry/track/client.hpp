#pragma once

#include <optional>
#include <string>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/track/store.hpp"

// The job's side of tracking: what `ferry run log-metric`, `log-param` and `tag` send to the
// endpoint of the run they are called from, over MLflow's REST protocol.
namespace ferry::track {

// The run a job is in, as its environment names it.
struct Endpoint {
    std::string uri;    // MLFLOW_TRACKING_URI: http://HOST:PORT
    std::string token;  // MLFLOW_TRACKING_TOKEN
    std::string run;    // MLFLOW_RUN_ID
};

// nullopt outside a job: no MLFLOW_TRACKING_URI or no MLFLOW_RUN_ID.
[[nodiscard]] std::optional<Endpoint> endpoint_of(const Environment& env);

// One log-batch for the endpoint's run, answered before it returns. A refusal is an error
// with the endpoint's message: a usage error (2) for a bad key or value, else a failure (1),
// as for a run that has ended or an endpoint that does not answer.
[[nodiscard]] Result<void> send(const Endpoint& endpoint, const Batch& batch);

}  // namespace ferry::track
