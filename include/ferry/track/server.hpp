#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "ferry/core/error.hpp"

// A run's tracking endpoint: MLflow's REST protocol (/api/2.0/mlflow/...) for that one run,
// over HTTP/1.1 with keep-alive (cpp-httplib, from Debian), every request checked against
// the run's token. Points go into the workspace's database before the answer; once the run
// has ended, writes are refused.
namespace ferry::track {

namespace fs = std::filesystem;

// The job's variable that carries the token: the one secret of its environment.
inline constexpr const char* k_token_variable = "MLFLOW_TRACKING_TOKEN";

struct Served {
    fs::path database;                             // the workspace's
    std::string run;                               // the ferry run, MLflow's run_id
    std::string experiment;                        // its name, also MLflow's experiment_id
    std::string artifact_uri;                      // file:// of the run's outputs
    std::string token;                             // what `Authorization: Bearer` must carry
    std::string host = "127.0.0.1";                // what MLFLOW_TRACKING_URI names
    std::string bind;                              // the address listened on; empty: host
    std::function<void(const std::string&)> note;  // the supervisor's log
};

class Server {
public:
    // Listening on a port of its own on `bind` (or `host`), in a thread of its own, until
    // destroyed.
    [[nodiscard]] static Result<std::unique_ptr<Server>> start(Served served);
    virtual ~Server() = default;
    // "http://HOST:PORT", what MLFLOW_TRACKING_URI says.
    [[nodiscard]] virtual std::string uri() const = 0;
};

}  // namespace ferry::track
