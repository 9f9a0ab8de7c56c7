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

#include "endpoint.hpp"
#include "ferry/store/database.hpp"
#include "ferry/track/store.hpp"
#include "protocol.hpp"

namespace ferry::track {

namespace {

using protocol::answer;
using protocol::Json;
using protocol::Problem;
constexpr std::string_view k_prefix = "/api/2.0/mlflow/";
constexpr std::size_t k_workers = 4;
constexpr std::size_t k_keep_alive_requests = 100000;

class HttpServer final : public Server {
public:
    HttpServer(Served served, store::Database db)
        : m_served(std::move(served)), m_db(std::move(db)) {
        // A few workers: each client of a keep-alive connection holds one while it is open,
        // and every supervisor has its own server.
        m_http.new_task_queue = [] { return new httplib::ThreadPool(k_workers); };
        // An answer goes out at once (its headers and body are two writes: with Nagle the body
        // waits for the client's delayed ACK, 40 ms a request), and a client keeps its
        // connection for as long as it logs.
        m_http.set_tcp_nodelay(true);
        m_http.set_keep_alive_max_count(k_keep_alive_requests);
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
    using Handler = Endpoint::Answer (Endpoint::*)(const Json&);

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
        post("runs/log-metric", &Endpoint::log_metric);
        post("runs/log-parameter", &Endpoint::log_parameter);
        post("runs/log-batch", &Endpoint::log_batch);
        post("runs/set-tag", &Endpoint::set_tag);
        post("runs/delete-tag", &Endpoint::delete_tag);
        post("runs/log-inputs", &Endpoint::log_inputs);
        post("runs/create", &Endpoint::create_run);
        post("runs/update", &Endpoint::update_run);
        post("runs/delete", &Endpoint::delete_run);
        post("runs/search", &Endpoint::search_runs);
        get("runs/get", &Endpoint::get_run);
        get("metrics/get-history", &Endpoint::history);
        get("experiments/get-by-name", &Endpoint::experiment_by_name);
        get("experiments/get", &Endpoint::experiment_by_id);
        post("experiments/create", &Endpoint::create_experiment);
        post("experiments/search", &Endpoint::search_experiments);
        get("experiments/search", &Endpoint::search_experiments);
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

    // One request at a time: the endpoint has one connection to the database.
    void respond(httplib::Response& response, Handler handler, const Json& input) {
        try {
            std::lock_guard lock(m_mutex);
            const auto result = (m_endpoint.*handler)(input);
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
                    [this, handler](const httplib::Request& request, httplib::Response& response) {
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
                   [this, handler](const httplib::Request& request, httplib::Response& response) {
                       Json query = Json::object();
                       for (const auto& [key, value] : request.params) {
                           query[key] = value;
                       }
                       respond(response, handler, query);
                   });
    }

    Served m_served;
    store::Database m_db;
    Endpoint m_endpoint{m_served, m_db};
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
