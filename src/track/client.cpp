#include "ferry/track/client.hpp"

#include <httplib.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ferry/track/server.hpp"

namespace ferry::track {

namespace {

using Json = nlohmann::json;

constexpr time_t k_connect_seconds = 5;
constexpr time_t k_answer_seconds = 60;

Json batch_body(const std::string& run, const Batch& batch) {
    Json metrics = Json::array();
    for (const auto& point : batch.metrics) {
        metrics.push_back({{"key", point.key},
                           {"value", point.value},
                           {"timestamp", point.timestamp_ms},
                           {"step", point.step}});
    }
    const auto pairs = [](const std::vector<std::pair<std::string, std::string>>& list) {
        Json items = Json::array();
        for (const auto& [key, value] : list) {
            items.push_back({{"key", key}, {"value", value}});
        }
        return items;
    };
    return {{"run_id", run},
            {"metrics", std::move(metrics)},
            {"params", pairs(batch.params)},
            {"tags", pairs(batch.tags)}};
}

}  // namespace

std::optional<Endpoint> endpoint_of(const Environment& env) {
    auto uri = env.get("MLFLOW_TRACKING_URI");
    auto run = env.get("MLFLOW_RUN_ID");
    if (!uri || !run) {
        return std::nullopt;
    }
    return Endpoint{std::move(*uri), env.get(k_token_variable).value_or(""), std::move(*run)};
}

Result<void> send(const Endpoint& endpoint, const Batch& batch) {
    if (!endpoint.uri.starts_with("http://")) {
        return fail("MLFLOW_TRACKING_URI={}: ferry speaks to an http:// endpoint only",
                    endpoint.uri);
    }
    httplib::Client client(endpoint.uri);
    client.set_connection_timeout(k_connect_seconds);
    client.set_read_timeout(k_answer_seconds);
    client.set_write_timeout(k_answer_seconds);
    if (!endpoint.token.empty()) {
        client.set_bearer_token_auth(endpoint.token);
    }
    const auto answer = client.Post("/api/2.0/mlflow/runs/log-batch",
                                    batch_body(endpoint.run, batch).dump(), "application/json");
    if (!answer) {
        return fail("the tracking endpoint {} of run {} does not answer: {}", endpoint.uri,
                    endpoint.run, httplib::to_string(answer.error()));
    }
    if (answer->status == 200) {
        return {};
    }
    const Json body = Json::parse(answer->body, nullptr, false);
    const std::string code = body.is_object() ? body.value("error_code", "") : "";
    const std::string message =
        body.is_object() ? body.value("message", answer->body) : answer->body;
    const std::string text =
        fmt::format("the tracking endpoint of run {} refused: {}{}", endpoint.run, message,
                    code.empty() ? "" : fmt::format(" ({})", code));
    if (code == "INVALID_PARAMETER_VALUE") {
        return usage_error("{}", text);
    }
    return fail("{}", text);
}

}  // namespace ferry::track
