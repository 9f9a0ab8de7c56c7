#pragma once

// What a run's tracking endpoint answers, request by request, apart from HTTP: each handler
// takes the request's JSON (a POST's body, a GET's query) and gives MLflow's answer or its
// Problem. The endpoint answers for its run and the nested runs its client created; it reads
// the workspace's other runs and experiments (runs/search, experiments/search) but writes
// none of them.
#include <functional>
#include <string>
#include <variant>

#include "ferry/store/database.hpp"
#include "ferry/track/runs.hpp"
#include "ferry/track/server.hpp"
#include "protocol.hpp"

namespace ferry::track {

class Endpoint {
public:
    using Answer = std::variant<protocol::Json, protocol::Problem>;

    Endpoint(const Served& served, store::Database& db) : m_served(served), m_db(db) {}

    Answer log_metric(const protocol::Json& body);
    Answer log_parameter(const protocol::Json& body);
    Answer set_tag(const protocol::Json& body);
    Answer log_batch(const protocol::Json& body);
    Answer delete_tag(const protocol::Json& body);
    Answer log_inputs(const protocol::Json& body);
    Answer create_run(const protocol::Json& body);
    Answer update_run(const protocol::Json& body);
    Answer delete_run(const protocol::Json& body);
    Answer get_run(const protocol::Json& query);
    Answer search_runs(const protocol::Json& body);
    Answer history(const protocol::Json& query);
    Answer experiment_by_id(const protocol::Json& query);
    Answer experiment_by_name(const protocol::Json& query);
    Answer create_experiment(const protocol::Json& body);
    Answer search_experiments(const protocol::Json& body);

private:
    // The run the request names, when it is this endpoint's run or one of its nested runs.
    std::variant<std::string, protocol::Problem> own_run(const protocol::Json& body);
    Answer write(const std::string& run, const Batch& batch);
    using PairsOf = std::vector<std::pair<std::string, std::string>> Batch::*;
    Answer log_pair(const protocol::Json& body, PairsOf into);
    Answer run_json(const std::string& run);
    protocol::Json experiment_json(const std::string& name) const;
    Answer experiment_named(const std::string& name, const char* field);
    Answer search_runs_in(const RunSearch& search);

    const Served& m_served;
    store::Database& m_db;
};

}  // namespace ferry::track
