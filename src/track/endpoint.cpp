#include "endpoint.hpp"

#include <fmt/format.h>

#include "ferry/track/runs.hpp"
#include "ferry/track/search.hpp"

namespace ferry::track {

using protocol::Json;
using protocol::Problem;
using Answer = Endpoint::Answer;

namespace {

Problem internal(const Error& error) {
    return {500, "INTERNAL_ERROR", error.message};
}

Answer answer_of(const Result<std::optional<Refused>>& done) {
    if (!done) {
        return internal(done.error());
    }
    return *done ? Answer(protocol::problem_of(**done)) : Json::object();
}

// Key-value pairs as MLflow lists them: [{"key", "value"}].
std::variant<std::vector<std::pair<std::string, std::string>>, Problem> pairs_of(const Json& list) {
    std::vector<std::pair<std::string, std::string>> pairs;
    if (!list.is_array()) {
        return pairs;
    }
    for (const auto& item : list) {
        auto pair = protocol::pair_of(item);
        if (auto* problem = std::get_if<Problem>(&pair)) {
            return *problem;
        }
        pairs.push_back(std::get<0>(pair));
    }
    return pairs;
}

Json pairs_json(const std::map<std::string, std::string>& map) {
    Json list = Json::array();
    for (const auto& [key, value] : map) {
        list.push_back({{"key", key}, {"value", value}});
    }
    return list;
}

}  // namespace

std::variant<std::string, Problem> Endpoint::own_run(const Json& body) {
    const char* field = body.contains("run_id") ? "run_id" : "run_uuid";
    auto run = protocol::text_field(body, field);
    if (std::holds_alternative<Problem>(run)) {
        return Problem{.message = "Missing value for required parameter 'run_id'"};
    }
    const auto& name = std::get<std::string>(run);
    auto found = m_db.query_one(
        "SELECT name FROM runs WHERE name = ?1 AND (name = ?2 OR "
        "parent = ?2)",
        store::first_text, name, m_served.run);
    if (!found) {
        return internal(found.error());
    }
    if (!*found) {
        return Problem{404, "RESOURCE_DOES_NOT_EXIST", fmt::format("Run '{}' not found", name)};
    }
    return name;
}

Answer Endpoint::write(const std::string& run, const Batch& batch) {
    return answer_of(track::log_batch(m_db, run, batch));
}

Answer Endpoint::log_metric(const Json& body) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    auto point = protocol::point_of(body);
    if (auto* problem = std::get_if<Problem>(&point)) {
        return *problem;
    }
    return write(std::get<std::string>(run), {.metrics = {std::get<Point>(point)}});
}

// log-parameter and set-tag: one key and its value, into the batch's params or its tags.
Answer Endpoint::log_pair(const Json& body, PairsOf into) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    auto pair = protocol::pair_of(body);
    if (auto* problem = std::get_if<Problem>(&pair)) {
        return *problem;
    }
    Batch batch;
    (batch.*into).push_back(std::get<0>(std::move(pair)));
    return write(std::get<std::string>(run), batch);
}

Answer Endpoint::log_parameter(const Json& body) {
    return log_pair(body, &Batch::params);
}

Answer Endpoint::set_tag(const Json& body) {
    return log_pair(body, &Batch::tags);
}

Answer Endpoint::log_batch(const Json& body) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    Batch batch;
    static const Json none = Json::array();
    const auto metrics = body.find("metrics");
    for (const auto& item : metrics != body.end() ? *metrics : none) {
        auto point = protocol::point_of(item);
        if (auto* problem = std::get_if<Problem>(&point)) {
            return *problem;
        }
        batch.metrics.push_back(std::get<Point>(point));
    }
    for (auto* into : {&batch.params, &batch.tags}) {
        auto pairs = pairs_of(body.value(into == &batch.params ? "params" : "tags", Json()));
        if (auto* problem = std::get_if<Problem>(&pairs)) {
            return *problem;
        }
        *into = std::get<0>(std::move(pairs));
    }
    return write(std::get<std::string>(run), batch);
}

Answer Endpoint::delete_tag(const Json& body) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    auto key = protocol::text_field(body, "key");
    if (auto* problem = std::get_if<Problem>(&key)) {
        return *problem;
    }
    return answer_of(
        track::delete_tag(m_db, std::get<std::string>(run), std::get<std::string>(key)));
}

Answer Endpoint::log_inputs(const Json& body) {
    auto run = own_run(body);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    std::vector<std::pair<Json, Json>> inputs;
    for (const auto& input : body.value("datasets", Json::array())) {
        const Json dataset = input.value("dataset", Json());
        for (const char* field : {"name", "digest", "source_type", "source"}) {
            if (!dataset.is_object() || !dataset.contains(field) || !dataset[field].is_string()) {
                return Problem{.message = fmt::format(
                                   "Missing value for required parameter 'dataset.{}'", field)};
            }
        }
        inputs.emplace_back(dataset, input.value("tags", Json::array()));
    }
    return answer_of(track::log_inputs(m_db, std::get<std::string>(run), inputs));
}

Answer Endpoint::run_json(const std::string& run) {
    auto info = find_run_info(m_db, run);
    if (!info) {
        return internal(info.error());
    }
    if (!*info) {
        return Problem{404, "RESOURCE_DOES_NOT_EXIST", fmt::format("Run '{}' not found", run)};
    }
    const RunInfo& found = **info;
    Json out = {{"run_id", found.name},
                {"run_uuid", found.name},
                {"run_name", found.display_name},
                {"experiment_id", found.experiment},
                {"user_id", found.user},
                {"status", protocol::mlflow_status(found.status)},
                {"artifact_uri", found.name == m_served.run
                                     ? m_served.artifact_uri
                                     : fmt::format("{}/{}", m_served.artifact_uri, found.name)},
                {"lifecycle_stage", "active"}};
    if (found.start_ms) {
        out["start_time"] = *found.start_ms;
    }
    if (found.end_ms) {
        out["end_time"] = *found.end_ms;
    }
    auto data = run_data(m_db, run);
    auto inputs = dataset_inputs(m_db, run);
    if (!data || !inputs) {
        return internal(!data ? data.error() : inputs.error());
    }
    Json metrics = Json::array();
    for (const auto& [key, summary] : data->metrics) {
        metrics.push_back({{"key", key},
                           {"value", summary.last.value},
                           {"timestamp", summary.last.timestamp_ms},
                           {"step", summary.last.step}});
    }
    return Json{{"info", std::move(out)},
                {"data",
                 {{"metrics", std::move(metrics)},
                  {"params", pairs_json(data->params)},
                  {"tags", pairs_json(data->tags)}}},
                {"inputs", {{"dataset_inputs", std::move(*inputs)}}}};
}

Answer Endpoint::get_run(const Json& query) {
    auto run = own_run(query);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    auto found = run_json(std::get<std::string>(run));
    if (auto* problem = std::get_if<Problem>(&found)) {
        return *problem;
    }
    return Json{{"run", std::get<Json>(std::move(found))}};
}

Answer Endpoint::history(const Json& query) {
    auto run = own_run(query);
    if (auto* problem = std::get_if<Problem>(&run)) {
        return *problem;
    }
    auto key = protocol::text_field(query, "metric_key");
    if (auto* problem = std::get_if<Problem>(&key)) {
        return *problem;
    }
    auto points = metric_history(m_db, std::get<std::string>(run), std::get<std::string>(key));
    if (!points) {
        return internal(points.error());
    }
    Json metrics = Json::array();
    for (const auto& point : *points) {
        metrics.push_back({{"key", point.key},
                           {"value", point.value},
                           {"timestamp", point.timestamp_ms},
                           {"step", point.step}});
    }
    return Json{{"metrics", std::move(metrics)}};
}

}  // namespace ferry::track
