// The endpoint's runs and experiments: nested runs made, ended and deleted by the job's
// client; runs/search over the workspace's runs in MLflow's grammar; experiments read.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "endpoint.hpp"
#include "ferry/track/runs.hpp"
#include "ferry/track/search.hpp"

namespace ferry::track {

using protocol::Json;
using protocol::Problem;
using Answer = Endpoint::Answer;

namespace {

constexpr std::int64_t k_default_search_results = 1000;
constexpr std::int64_t k_max_search_results = 50000;

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Problem internal(const Error& error) {
    return {500, "INTERNAL_ERROR", error.message};
}

// An integer field with a default, or the problem of a value that is not one.
std::variant<std::int64_t, Problem> integer_field(const Json& body, const char* name,
                                                  std::int64_t otherwise) {
    if (!body.contains(name) || body[name].is_null()) {
        return otherwise;
    }
    if (auto value = protocol::integer_of(body[name])) {
        return *value;
    }
    return Problem{.message = fmt::format("Invalid value for parameter '{}': an integer", name)};
}

// ferry's ending for MLflow's terminal statuses; empty for the others.
std::string ending_of(std::string_view status) {
    if (status == "FINISHED") {
        return "Completed";
    }
    if (status == "FAILED") {
        return "Failed";
    }
    if (status == "KILLED") {
        return "Canceled";
    }
    return "";
}

Problem search_problem(const SearchError& error, std::string_view what) {
    return Problem{.message = fmt::format("Invalid {}: {}", what, describe(error))};
}

}  // namespace

// runs/create: a nested run of this endpoint's run, whatever mlflow.parentRunId says (the tag
// keeps what the client said).
Answer Endpoint::create_run(const Json& body) {
    if (body.contains("experiment_id") && body["experiment_id"].is_string() &&
        body["experiment_id"].get<std::string>() != m_served.experiment) {
        return Problem{404, "RESOURCE_DOES_NOT_EXIST",
                       fmt::format("No experiment '{}' for this run's endpoint: its runs are in "
                                   "experiment '{}'",
                                   body["experiment_id"].get<std::string>(), m_served.experiment)};
    }
    NestedRun run{.parent = m_served.run};
    for (const auto& item : body.value("tags", Json::array())) {
        auto pair = protocol::pair_of(item);
        if (auto* problem = std::get_if<Problem>(&pair)) {
            return *problem;
        }
        if (std::get<0>(pair).first == "mlflow.runName") {
            run.display_name = std::get<0>(pair).second;
        }
        run.tags.push_back(std::get<0>(std::move(pair)));
    }
    if (body.contains("run_name") && body["run_name"].is_string()) {
        run.display_name = body["run_name"].get<std::string>();
    }
    auto start = integer_field(body, "start_time", now_ms());
    if (auto* problem = std::get_if<Problem>(&start)) {
        return *problem;
    }
    run.start_ms = std::get<std::int64_t>(start);
    auto made = create_nested(m_db, run);
    if (!made) {
        return internal(made.error());
    }
    if (const auto* refused = std::get_if<Refused>(&*made)) {
        return protocol::problem_of(*refused);
    }
    const std::string name = std::get<std::string>(*made);
    auto created = run_json(name);
    if (auto* problem = std::get_if<Problem>(&created)) {
        return *problem;
    }
    return Json{{"run", std::get<Json>(std::move(created))}};
}

// runs/update: a nested run ends when its client says so; the job's own run ends when its job
// does, so its info is answered as it is.
Answer Endpoint::update_run(const Json& body) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    const std::string& name = std::get<std::string>(run);
    const std::string status = body.value("status", std::string());
    if (const auto ending = ending_of(status); !ending.empty() && name != m_served.run) {
        auto end = integer_field(body, "end_time", now_ms());
        if (auto* problem = std::get_if<Problem>(&end)) {
            return *problem;
        }
        auto ended = end_nested(m_db, name, ending, std::get<std::int64_t>(end));
        if (!ended) {
            return internal(ended.error());
        }
    }
    auto info = run_json(name);
    if (auto* problem = std::get_if<Problem>(&info)) {
        return *problem;
    }
    return Json{{"run_info", std::get<Json>(info)["info"]}};
}

Answer Endpoint::delete_run(const Json& body) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    auto deleted = delete_nested(m_db, std::get<std::string>(run));
    if (!deleted) {
        return internal(deleted.error());
    }
    return *deleted ? Answer(protocol::problem_of(**deleted)) : Json::object();
}

// runs/search over the workspace's runs of the experiments named: read-only.
Answer Endpoint::search_runs(const Json& body) {
    RunSearch search;
    for (const auto& id : body.value("experiment_ids", Json::array())) {
        if (id.is_string()) {
            search.experiments.push_back(id.get<std::string>());
        }
    }
    if (search.experiments.empty()) {
        return Problem{.message = "Missing value for required parameter 'experiment_ids'"};
    }
    auto filter = parse_filter(body.value("filter", std::string()));
    if (!filter) {
        return search_problem(filter.error(), "filter");
    }
    search.filter = std::move(*filter);
    for (const auto& item : body.value("order_by", Json::array())) {
        auto order = parse_order_by(item.is_string() ? item.get<std::string>() : item.dump());
        if (!order) {
            return search_problem(order.error(), "order_by");
        }
        search.order.terms.insert(search.order.terms.end(), order->terms.begin(),
                                  order->terms.end());
    }
    auto limit = integer_field(body, "max_results", k_default_search_results);
    auto offset = integer_field(body, "page_token", 0);
    for (auto* given : {&limit, &offset}) {
        if (auto* problem = std::get_if<Problem>(given)) {
            return *problem;
        }
    }
    search.limit = std::get<std::int64_t>(limit);
    search.offset = std::get<std::int64_t>(offset);
    if (search.limit < 1 || search.limit > k_max_search_results || search.offset < 0) {
        return Problem{
            .message = fmt::format("Invalid value for max_results: 1 to {}", k_max_search_results)};
    }
    ++search.limit;  // one more: is there a next page?
    auto names = search_runs_in(search);
    if (auto* problem = std::get_if<Problem>(&names)) {
        return *problem;
    }
    return std::get<Json>(std::move(names));
}

// The runs of one page, with the next page's token when there are more.
Answer Endpoint::search_runs_in(const RunSearch& search) {
    auto names = track::search_runs(m_db, search);
    if (!names) {
        return internal(names.error());
    }
    Json runs = Json::array();
    const auto page = static_cast<std::size_t>(search.limit - 1);
    for (std::size_t i = 0; i < names->size() && i < page; ++i) {
        auto run = run_json((*names)[i]);
        if (auto* problem = std::get_if<Problem>(&run)) {
            return *problem;
        }
        runs.push_back(std::get<Json>(std::move(run)));
    }
    Json answer = {{"runs", std::move(runs)}};
    if (names->size() > page) {
        answer["next_page_token"] = std::to_string(search.offset + search.limit - 1);
    }
    return answer;
}

Json Endpoint::experiment_json(const std::string& name) const {
    return {{"experiment_id", name},
            {"name", name},
            {"artifact_location", name == m_served.experiment ? m_served.artifact_uri : ""},
            {"lifecycle_stage", "active"},
            {"tags", Json::array()}};
}

Answer Endpoint::experiment_named(const std::string& name, const char* field) {
    auto names = experiment_names(m_db);
    if (!names) {
        return internal(names.error());
    }
    if (name != m_served.experiment &&
        std::find(names->begin(), names->end(), name) == names->end()) {
        return Problem{404, "RESOURCE_DOES_NOT_EXIST",
                       fmt::format("Could not find experiment with {}={}", field, name)};
    }
    return Json{{"experiment", experiment_json(name)}};
}

Answer Endpoint::experiment_by_id(const Json& query) {
    auto id = protocol::text_field(query, "experiment_id");
    if (auto* problem = std::get_if<Problem>(&id)) {
        return *problem;
    }
    return experiment_named(std::get<std::string>(id), "experiment_id");
}

Answer Endpoint::experiment_by_name(const Json& query) {
    auto name = protocol::text_field(query, "experiment_name");
    if (auto* problem = std::get_if<Problem>(&name)) {
        return *problem;
    }
    return experiment_named(std::get<std::string>(name), "experiment_name");
}

// experiments/create from a job (mlflow.set_experiment): as in Azure ML, a job's runs stay in
// its experiment, whose id is the answer; said once in the system log.
Answer Endpoint::create_experiment(const Json& body) {
    auto name = protocol::text_field(body, "name");
    if (auto* problem = std::get_if<Problem>(&name)) {
        return *problem;
    }
    auto known = experiment_named(std::get<std::string>(name), "name");
    if (std::holds_alternative<Json>(known)) {
        return Problem{400, "RESOURCE_ALREADY_EXISTS",
                       fmt::format("Experiment '{}' already exists.", std::get<std::string>(name))};
    }
    if (m_served.note) {
        m_served.note(
            fmt::format("tracking: experiments/create '{}': the job's runs stay in its "
                        "experiment '{}', as in Azure ML",
                        std::get<std::string>(name), m_served.experiment));
    }
    return Json{{"experiment_id", m_served.experiment}};
}

Answer Endpoint::search_experiments(const Json& body) {
    if (!body.value("filter", std::string()).empty()) {
        return Problem{.message =
                           "ferry's experiments/search takes no filter: it answers every "
                           "experiment of the workspace"};
    }
    auto limit = integer_field(body, "max_results", k_default_search_results);
    if (auto* problem = std::get_if<Problem>(&limit)) {
        return *problem;
    }
    auto names = experiment_names(m_db);
    if (!names) {
        return internal(names.error());
    }
    Json experiments = Json::array();
    for (const auto& name : *names) {
        if (static_cast<std::int64_t>(experiments.size()) < std::get<std::int64_t>(limit)) {
            experiments.push_back(experiment_json(name));
        }
    }
    return Json{{"experiments", std::move(experiments)}};
}

}  // namespace ferry::track
