// A run's MLflow endpoint. The paths, field names and error shapes are MLflow's REST API
// reference's; int64 fields are read as numbers or as the strings proto3's JSON makes of them.
#include "ferry/track/server.hpp"

#include <httplib.h>
#include <openssl/crypto.h>

#include <charconv>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ferry/store/database.hpp"
#include "ferry/track/store.hpp"
#include "protocol.hpp"

namespace ferry::track {

namespace {

using protocol::answer;
using protocol::Json;
using protocol::mlflow_status;
using protocol::pair_of;
using protocol::point_of;
using protocol::Problem;
using protocol::problem_of;
using protocol::text_field;
constexpr std::string_view k_prefix = "/api/2.0/mlflow/";
constexpr std::size_t k_workers = 4;

class HttpServer final : public Server {
public:
    HttpServer(Served served, store::Database db)
        : m_served(std::move(served)), m_db(std::move(db)) {
        // A few workers: each client of a keep-alive connection holds one while it is open,
        // and every supervisor has its own server.
        m_http.new_task_queue = [] { return new httplib::ThreadPool(k_workers); };
        routes();
    }
    ~HttpServer() override {
        m_http.stop();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }

    Result<void> listen() {
        const std::string& address = m_served.bind.empty() ? m_served.host : m_served.bind;
        m_port = m_http.bind_to_any_port(address);
        if (m_port <= 0) {
            return fail("cannot listen on {} for the tracking endpoint", address);
        }
        m_thread = std::thread([this] { m_http.listen_after_bind(); });
        // Listening before it returns: a stop() that came first would leave the thread
        // listening and its join waiting for ever.
        while (!m_http.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return {};
    }

    [[nodiscard]] std::string uri() const override {
        return fmt::format("http://{}:{}", m_served.host, m_port);
    }

private:
    using Handler = std::function<std::variant<Json, Problem>(const Json&)>;

    void routes() {
        m_http.set_pre_routing_handler(
            [this](const httplib::Request& request, httplib::Response& response) {
                if (authorized(request)) {
                    return httplib::Server::HandlerResponse::Unhandled;
                }
                answer(response,
                       {401, "UNAUTHENTICATED",
                        "this run's tracking endpoint needs MLFLOW_TRACKING_TOKEN as a bearer "
                        "token"});
                return httplib::Server::HandlerResponse::Handled;
            });
        post("runs/log-metric", [this](const Json& body) { return log_metric(body); });
        post("runs/log-parameter",
             [this](const Json& body) { return log_pair(body, Kind::param); });
        post("runs/log-batch", [this](const Json& body) { return log_batch(body); });
        post("runs/set-tag", [this](const Json& body) { return log_pair(body, Kind::tag); });
        post("runs/delete-tag", [this](const Json& body) { return remove_tag(body); });
        post("runs/update", [this](const Json& body) { return update(body); });
        get("runs/get", [this](const Json& query) { return get_run(query); });
        get("metrics/get-history", [this](const Json& query) { return history(query); });
        get("experiments/get-by-name",
            [this](const Json& query) { return experiment(query, "experiment_name"); });
        get("experiments/get",
            [this](const Json& query) { return experiment(query, "experiment_id"); });
        m_http.set_error_handler(
            [this](const httplib::Request& request, httplib::Response& response) {
                if (response.status == 404 && response.body.empty()) {
                    not_found(request, response);
                }
            });
    }

    bool authorized(const httplib::Request& request) const {
        const std::string wanted = "Bearer " + m_served.token;
        const std::string given = request.get_header_value("Authorization");
        return given.size() == wanted.size() &&
               CRYPTO_memcmp(given.data(), wanted.data(), wanted.size()) == 0;
    }

    void not_found(const httplib::Request& request, httplib::Response& response) {
        {
            std::lock_guard lock(m_mutex);
            if (m_unknown.insert(request.method + " " + request.path).second && m_served.note) {
                m_served.note(fmt::format("tracking: no endpoint {} {} (answered 404)",
                                          request.method, request.path));
            }
        }
        answer(response, {404, "ENDPOINT_NOT_FOUND",
                          fmt::format("No endpoint {} {} in ferry's tracking server",
                                      request.method, request.path)});
    }

    void respond(httplib::Response& response, const Handler& handler, const Json& input) {
        try {
            const auto result = handler(input);
            if (const auto* problem = std::get_if<Problem>(&result)) {
                answer(response, *problem);
            } else {
                answer(response, 200, std::get<Json>(result));
            }
        } catch (const std::exception& e) {
            answer(response, {500, "INTERNAL_ERROR", e.what()});
        }
    }

    void post(const std::string& path, Handler handler) {
        m_http.Post(std::string(k_prefix) + path,
                    [this, handler = std::move(handler)](const httplib::Request& request,
                                                         httplib::Response& response) {
                        const Json body = Json::parse(request.body, nullptr, false);
                        if (!body.is_object()) {
                            answer(response, {400, "MALFORMED_REQUEST",
                                              "the request's body is not a JSON object"});
                            return;
                        }
                        respond(response, handler, body);
                    });
    }

    void get(const std::string& path, Handler handler) {
        m_http.Get(std::string(k_prefix) + path,
                   [this, handler = std::move(handler)](const httplib::Request& request,
                                                        httplib::Response& response) {
                       Json query = Json::object();
                       for (const auto& [key, value] : request.params) {
                           query[key] = value;
                       }
                       respond(response, handler, query);
                   });
    }

    // The run the request names: this endpoint's own, else none.
    std::optional<Problem> check_run(const Json& body) const {
        const char* field = body.contains("run_id") ? "run_id" : "run_uuid";
        auto run = text_field(body, field);
        if (std::holds_alternative<Problem>(run)) {
            return Problem{.message = "Missing value for required parameter 'run_id'"};
        }
        if (std::get<std::string>(run) != m_served.run) {
            return Problem{404, "RESOURCE_DOES_NOT_EXIST",
                           fmt::format("Run '{}' not found", std::get<std::string>(run))};
        }
        return std::nullopt;
    }

    std::variant<Json, Problem> write(const Batch& batch) {
        std::lock_guard lock(m_mutex);
        auto logged = track::log_batch(m_db, m_served.run, batch);
        if (!logged) {
            return Problem{500, "INTERNAL_ERROR", logged.error().message};
        }
        if (*logged) {
            return problem_of(**logged);
        }
        return Json::object();
    }

    std::variant<Json, Problem> log_metric(const Json& body) {
        if (auto problem = check_run(body)) {
            return *problem;
        }
        auto point = point_of(body);
        if (auto* problem = std::get_if<Problem>(&point)) {
            return *problem;
        }
        return write({.metrics = {std::get<Point>(point)}});
    }

    // log-parameter and set-tag: one key and its value.
    enum class Kind { param, tag };
    std::variant<Json, Problem> log_pair(const Json& body, Kind kind) {
        if (auto problem = check_run(body)) {
            return *problem;
        }
        auto pair = pair_of(body);
        if (auto* problem = std::get_if<Problem>(&pair)) {
            return *problem;
        }
        Batch batch;
        (kind == Kind::param ? batch.params : batch.tags).push_back(std::get<0>(pair));
        return write(batch);
    }

    std::variant<Json, Problem> log_batch(const Json& body) {
        if (auto problem = check_run(body)) {
            return *problem;
        }
        Batch batch;
        for (const auto& item : body.value("metrics", Json::array())) {
            auto point = point_of(item);
            if (auto* problem = std::get_if<Problem>(&point)) {
                return *problem;
            }
            batch.metrics.push_back(std::get<Point>(point));
        }
        for (const char* kind : {"params", "tags"}) {
            for (const auto& item : body.value(kind, Json::array())) {
                auto pair = pair_of(item);
                if (auto* problem = std::get_if<Problem>(&pair)) {
                    return *problem;
                }
                (std::string_view(kind) == "params" ? batch.params : batch.tags)
                    .push_back(std::get<0>(pair));
            }
        }
        return write(batch);
    }

    std::variant<Json, Problem> remove_tag(const Json& body) {
        if (auto problem = check_run(body)) {
            return *problem;
        }
        auto key = text_field(body, "key");
        if (auto* problem = std::get_if<Problem>(&key)) {
            return *problem;
        }
        std::lock_guard lock(m_mutex);
        auto deleted = track::delete_tag(m_db, m_served.run, std::get<std::string>(key));
        if (!deleted) {
            return Problem{500, "INTERNAL_ERROR", deleted.error().message};
        }
        return *deleted ? std::variant<Json, Problem>(problem_of(**deleted)) : Json::object();
    }

    // The run's info as MLflow has it; the ferry run decides its status and times.
    std::variant<Json, Problem> run_info() {
        auto found = m_db.query_one(
            "SELECT status, started_ms, ended_ms, submitted_by FROM runs WHERE name = ?1",
            [](const store::Statement& row) {
                return Json{{"status", mlflow_status(row.text(0))},
                            {"start_time", row.optional_text(1) ? Json(row.integer(1)) : Json()},
                            {"end_time", row.optional_text(2) ? Json(row.integer(2)) : Json()},
                            {"user_id", row.text(3)}};
            },
            m_served.run);
        if (!found || !*found) {
            return Problem{404, "RESOURCE_DOES_NOT_EXIST",
                           fmt::format("Run '{}' not found", m_served.run)};
        }
        Json info = **found;
        info["run_id"] = m_served.run;
        info["run_uuid"] = m_served.run;
        info["run_name"] = m_served.run;
        info["experiment_id"] = m_served.experiment;
        info["artifact_uri"] = m_served.artifact_uri;
        info["lifecycle_stage"] = "active";
        for (const char* time : {"start_time", "end_time"}) {
            if (info[time].is_null()) {
                info.erase(time);
            }
        }
        return info;
    }

    // runs/update: ferry's run ends when its job does; the info is answered as it is.
    std::variant<Json, Problem> update(const Json& body) {
        if (auto problem = check_run(body)) {
            return *problem;
        }
        std::lock_guard lock(m_mutex);
        auto info = run_info();
        if (auto* problem = std::get_if<Problem>(&info)) {
            return *problem;
        }
        return Json{{"run_info", std::get<Json>(info)}};
    }

    std::variant<Json, Problem> get_run(const Json& query) {
        if (auto problem = check_run(query)) {
            return *problem;
        }
        std::lock_guard lock(m_mutex);
        auto info = run_info();
        if (auto* problem = std::get_if<Problem>(&info)) {
            return *problem;
        }
        auto data = run_data(m_db, m_served.run);
        if (!data) {
            return Problem{500, "INTERNAL_ERROR", data.error().message};
        }
        Json metrics = Json::array();
        for (const auto& [key, summary] : data->metrics) {
            metrics.push_back({{"key", key},
                               {"value", summary.last.value},
                               {"timestamp", summary.last.timestamp_ms},
                               {"step", summary.last.step}});
        }
        const auto pairs = [](const std::map<std::string, std::string>& map) {
            Json list = Json::array();
            for (const auto& [key, value] : map) {
                list.push_back({{"key", key}, {"value", value}});
            }
            return list;
        };
        return Json{{"run",
                     {{"info", std::get<Json>(info)},
                      {"data",
                       {{"metrics", metrics},
                        {"params", pairs(data->params)},
                        {"tags", pairs(data->tags)}}}}}};
    }

    std::variant<Json, Problem> history(const Json& query) {
        if (auto problem = check_run(query)) {
            return *problem;
        }
        auto key = text_field(query, "metric_key");
        if (auto* problem = std::get_if<Problem>(&key)) {
            return *problem;
        }
        std::lock_guard lock(m_mutex);
        auto points = metric_history(m_db, m_served.run, std::get<std::string>(key));
        if (!points) {
            return Problem{500, "INTERNAL_ERROR", points.error().message};
        }
        Json metrics = Json::array();
        for (const auto& point : *points) {
            metrics.push_back({{"key", point.key},
                               {"value", point.value},
                               {"timestamp", point.timestamp_ms},
                               {"step", point.step}});
        }
        return Json{{"metrics", metrics}};
    }

    std::variant<Json, Problem> experiment(const Json& query, const char* field) {
        auto wanted = text_field(query, field);
        if (auto* problem = std::get_if<Problem>(&wanted)) {
            return *problem;
        }
        if (std::get<std::string>(wanted) != m_served.experiment) {
            return Problem{404, "RESOURCE_DOES_NOT_EXIST",
                           fmt::format("Could not find experiment with {}={}", field,
                                       std::get<std::string>(wanted))};
        }
        return Json{{"experiment",
                     {{"experiment_id", m_served.experiment},
                      {"name", m_served.experiment},
                      {"artifact_location", m_served.artifact_uri},
                      {"lifecycle_stage", "active"},
                      {"tags", Json::array()}}}};
    }

    Served m_served;
    store::Database m_db;
    std::mutex m_mutex;  // one connection, one request at a time in it
    std::set<std::string> m_unknown;
    httplib::Server m_http;
    std::thread m_thread;
    int m_port = 0;
};

}  // namespace

Result<std::unique_ptr<Server>> Server::start(Served served) {
    TRY_ASSIGN(auto db, store::Database::open(served.database, store::CreateIfMissing::no));
    auto server = std::make_unique<HttpServer>(std::move(served), std::move(db));
    TRY(server->listen());
    return std::unique_ptr<Server>(std::move(server));
}

}  // namespace ferry::track
