// `ferry ui`'s HTTP server: the embedded pages, the API, the live streams, the token.
#include "ferry/ui/server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "api.hpp"
#include "ferry/run/describe.hpp"
#include "ferry/run/download.hpp"
#include "ferry/track/store.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "http.hpp"
#include "live.hpp"
#include "routes.hpp"

namespace ferry::ui {

namespace {

// Every live stream holds a worker while its page is open.
constexpr std::size_t k_workers = 32;
constexpr std::size_t k_keep_alive_requests = 1000;
constexpr auto k_tick = std::chrono::milliseconds(100);
constexpr auto k_runs_tick = std::chrono::milliseconds(250);
// Often enough that a page that went is noticed (a write fails) before its worker is missed.
constexpr auto k_ping = std::chrono::seconds(2);
constexpr auto k_reap = std::chrono::seconds(5);
constexpr std::string_view k_cookie = "ferry_ui_token_";

std::string_view content_type(std::string_view path) {
    if (path.ends_with(".html")) {
        return "text/html; charset=utf-8";
    }
    if (path.ends_with(".js")) {
        return "text/javascript; charset=utf-8";
    }
    if (path.ends_with(".css")) {
        return "text/css; charset=utf-8";
    }
    return "application/octet-stream";
}

const util::EmbeddedFile* asset(std::string_view name) {
    for (const auto& file : embedded_assets()) {
        const auto slash = file.path.rfind('/');
        if (file.path.substr(slash == std::string_view::npos ? 0 : slash + 1) == name) {
            return &file;
        }
    }
    return nullptr;
}

bool same_secret(std::string_view given, std::string_view wanted) {
    return given.size() == wanted.size() &&
           CRYPTO_memcmp(given.data(), wanted.data(), wanted.size()) == 0;
}

std::string cookie_value(const httplib::Request& request, std::string_view name) {
    const std::string cookies = request.get_header_value("Cookie");
    for (auto part : util::split(cookies, ';')) {
        while (part.starts_with(' ')) {
            part.remove_prefix(1);
        }
        if (part.starts_with(name) && part.substr(name.size()).starts_with('=')) {
            return std::string(part.substr(name.size() + 1));
        }
    }
    return "";
}

// The page asked for, without its ?token=: one path of this server (leading slashes
// collapsed, so that it cannot name another host) and the rest of its query.
std::string without_token(const httplib::Request& request) {
    std::string_view path = request.path;
    while (path.starts_with("//")) {
        path.remove_prefix(1);
    }
    std::string target = percent_encoded(path, "/:@!$&'()*+,;=");
    std::string query;
    for (const auto& [key, value] : request.params) {
        if (key != "token") {
            query += fmt::format("{}{}={}", query.empty() ? "?" : "&", percent_encoded(key),
                                 percent_encoded(value));
        }
    }
    return target + query;
}

class HttpServer final : public Server {
public:
    HttpServer(store::Workspace workspace, Options options, Actions actions)
        : m_workspace(std::move(workspace)),
          m_options(std::move(options)),
          m_actions(std::move(actions)),
          m_loopback(is_loopback(m_options.host)) {
        m_http.new_task_queue = [] { return new httplib::ThreadPool(k_workers); };
        m_http.set_tcp_nodelay(true);
        m_http.set_keep_alive_max_count(k_keep_alive_requests);
        // SO_REUSEADDR alone: httplib's default adds SO_REUSEPORT, with which a second ui on
        // the same port would listen beside the first instead of being refused.
        m_http.set_socket_options([](socket_t sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
        });
        routes();
    }
    ~HttpServer() override { stop(); }

    Result<void> listen() {
        if (m_options.port == 0) {
            m_port = m_http.bind_to_any_port(m_options.host);
        } else if (m_http.bind_to_port(m_options.host, m_options.port)) {
            m_port = m_options.port;
        }
        if (m_port <= 0) {
            return fail(
                "cannot listen on {} port {}: it is in use, or not an address of this "
                "machine (--port 0 takes any free port)",
                m_options.host, m_options.port);
        }
        m_thread = std::thread([this] { m_http.listen_after_bind(); });
        while (!m_http.is_running()) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return {};
    }

    [[nodiscard]] std::string cookie_name() const {
        return std::string(k_cookie) + std::to_string(m_port);
    }

    [[nodiscard]] std::string url() const override {
        const bool v6 = m_options.host.find(':') != std::string::npos;
        return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", m_options.host, v6 ? "]" : "",
                           m_port);
    }

    void stop() override {
        m_stopping = true;
        m_http.stop();
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }

private:
    using Request = httplib::Request;
    using Response = httplib::Response;

    // With the workspace's one connection to itself; errors answered.
    template <typename F>
    void with_workspace(Response& response, F&& work) {
        try {
            std::lock_guard lock(m_mutex);
            if (auto done = work(m_workspace); !done) {
                answer_error(response, done.error());
            }
        } catch (const std::exception& e) {
            answer_problem(response, 500, e.what());
        }
    }

    template <typename F>
    void with_run(const Request& request, Response& response, F&& work) {
        with_workspace(response, [&](store::Workspace& workspace) -> Result<void> {
            TRY_ASSIGN(const auto run,
                       run::get_run(workspace.db(), request.matches[1].str(), workspace.name()));
            return work(workspace, run);
        });
    }

    // Runs whose supervisor is gone are ended Failed, as every CLI command that looks does: at
    // most every k_reap, by whichever request or stream comes first.
    Result<void> reap_now_and_then(store::Workspace& workspace) {
        const auto now = std::chrono::steady_clock::now();
        if (now - m_reaped < k_reap) {
            return {};
        }
        m_reaped = now;
        return m_actions.reap_lost_runs(workspace);
    }

    // X-Ferry-Events: the newest event a record was read after, where its live stream starts.
    Result<void> mark_events(store::Workspace& workspace, Response& response) {
        TRY_ASSIGN(const auto changes, run::runs_changed_after(workspace.db(), m_events_seen));
        m_events_seen = changes.last;
        response.set_header("X-Ferry-Events", std::to_string(changes.last));
        return {};
    }

    void routes();
    void api_routes();
    void live_routes();
    template <typename Feed, typename Look>
    void stream(Response& response, std::shared_ptr<Feed> feed, Look look,
                std::chrono::milliseconds tick);
    httplib::Server::HandlerResponse admit(const Request& request, Response& response);

    store::Workspace m_workspace;
    Options m_options;
    Actions m_actions;
    bool m_loopback;
    std::mutex m_mutex;  // the workspace's one connection, one request at a time in it
    std::int64_t m_events_seen = 0;
    std::chrono::steady_clock::time_point m_reaped{};
    std::atomic<bool> m_stopping = false;
    httplib::Server m_http;
    std::thread m_thread;
    int m_port = 0;
};

// Who may ask: with a token, whoever carries it (?token= once, then the cookie it sets, or a
// bearer token); on a loopback address, pages whose Host is this machine (another name is a
// DNS rebinding); a POST only from the pages (a header a form cannot set).
httplib::Server::HandlerResponse HttpServer::admit(const Request& request, Response& response) {
    using Handled = httplib::Server::HandlerResponse;
    // httplib's request, non-const where it calls this: what it may compress with is ours to say.
    auto& headers = const_cast<Request&>(request).headers;
    const std::string encoding =
        accepted_encoding(request.get_header_value("Accept-Encoding"), m_loopback);
    headers.erase("Accept-Encoding");
    if (!encoding.empty()) {
        headers.emplace("Accept-Encoding", encoding);
    }
    if (!m_options.token.empty()) {
        const std::string& token = m_options.token;
        const std::string bearer = request.get_header_value("Authorization");
        const bool by_query = same_secret(request.get_param_value("token"), token);
        if (!by_query && !same_secret(cookie_value(request, cookie_name()), token) &&
            !(bearer.starts_with("Bearer ") && same_secret(bearer.substr(7), token))) {
            answer_problem(response, 401,
                           "this ferry ui needs its token: open the URL that 'ferry ui' printed "
                           "(it carries ?token=)");
            return Handled::Handled;
        }
        if (by_query) {
            // Cookies are shared by every port of a host: the name says which ui's it is. Lax,
            // so that the URL opened from a mail or a chat keeps it on its redirect; a change
            // needs the pages' header all the same.
            response.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax",
                                                          cookie_name(), token));
            if (request.method == "GET" && !request.path.starts_with("/api/")) {
                response.set_redirect(without_token(request), 303);
                return Handled::Handled;
            }
        }
    } else if (m_loopback) {
        const std::string host = host_name(request.get_header_value("Host"));
        if (!host.empty() && !is_loopback(host)) {
            answer_problem(response, 403,
                           fmt::format("Host '{}' is not this ferry ui's address", host));
            return Handled::Handled;
        }
    }
    if (request.method == "POST" && !request.has_header("X-Ferry-UI")) {
        answer_problem(response, 403, "a change is asked from ferry ui's pages only");
        return Handled::Handled;
    }
    return Handled::Unhandled;
}

void HttpServer::routes() {
    m_http.set_pre_routing_handler(
        [this](const Request& request, Response& response) { return admit(request, response); });
    // The pages load only this server's scripts and styles, and nothing is read as another type.
    m_http.set_post_routing_handler([](const Request&, Response& response) {
        response.set_header("X-Content-Type-Options", "nosniff");
        response.set_header("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    });
    api_routes();
    live_routes();
    const WithWorkspace with = [this](Response& response, const Work& work) {
        with_workspace(response, work);
    };
    add_file_routes(m_http, with);
    add_asset_routes(m_http, with, *m_actions.runner);
    m_http.Get("/assets/([^/]+)", [](const Request& request, Response& response) {
        const auto* file = asset(request.matches[1].str());
        if (file == nullptr) {
            answer_problem(response, 404, "no such asset");
            return;
        }
        response.set_header("Cache-Control", "no-cache");
        response.set_content(std::string(file->content), std::string(content_type(file->path)));
    });
    // Every other page is the one page, which routes by its URL.
    m_http.Get(".*", [](const Request& request, Response& response) {
        if (request.path.starts_with("/api/")) {
            answer_problem(response, 404, fmt::format("no API {}", request.path));
            return;
        }
        if (request.path == "/") {
            response.set_redirect("/runs", 302);
            return;
        }
        const auto* page = asset("index.html");
        response.set_header("Cache-Control", "no-cache");
        response.set_content(std::string(page->content), "text/html; charset=utf-8");
    });
}

void HttpServer::api_routes() {
    m_http.Get("/api/workspace", [this](const Request&, Response& response) {
        with_workspace(response, [&](store::Workspace& workspace) -> Result<void> {
            TRY_ASSIGN(const auto record, api::workspace_record(workspace));
            answer_json(response, 200, record);
            return {};
        });
    });
    m_http.Get("/api/runs", [this](const Request& request, Response& response) {
        with_workspace(response, [&](store::Workspace& workspace) -> Result<void> {
            TRY_ASSIGN(const auto query, api::list_query(request));
            TRY(reap_now_and_then(workspace));
            TRY(mark_events(workspace, response));
            TRY_ASSIGN(const auto listed, run::list_records(workspace, query, m_actions.now_ms()));
            response.set_header("X-Total-Count", std::to_string(listed.total));
            answer_json(response, 200, listed.records);
            return {};
        });
    });
    m_http.Get("/api/runs/([^/]+)", [this](const Request& request, Response& response) {
        with_run(request, response,
                 [&](store::Workspace& workspace, const run::RunRecord& seen) -> Result<void> {
                     TRY(reap_now_and_then(workspace));
                     TRY(mark_events(workspace, response));
                     TRY_ASSIGN(const auto run,
                                run::get_run(workspace.db(), seen.name, workspace.name()));
                     TRY_ASSIGN(const auto record,
                                run::show_record(workspace, run, m_actions.now_ms()));
                     answer_json(response, 200, record);
                     return {};
                 });
    });
    m_http.Get("/api/runs/([^/]+)/metrics", [this](const Request& request, Response& response) {
        with_run(request, response,
                 [&](store::Workspace& workspace, const run::RunRecord& run) -> Result<void> {
                     TRY_ASSIGN(const auto data, track::run_data(workspace.db(), run.name));
                     std::vector<std::string> keys;
                     for (const auto& [key, summary] : data.metrics) {
                         keys.push_back(key);
                     }
                     TRY_ASSIGN(const auto record,
                                run::metrics_record(workspace.db(), run, data, keys));
                     answer_json(response, 200, record);
                     return {};
                 });
    });
    m_http.Post("/api/runs/([^/]+)/cancel", [this](const Request& request, Response& response) {
        with_run(
            request, response,
            [&](store::Workspace& workspace, const run::RunRecord& run) -> Result<void> {
                const auto before = m_actions.cancel(workspace, run);
                if (!before) {
                    // What forbids it (a nested run): the run's state, not the server's fault.
                    answer_json(response, 409,
                                {{"error", before.error().message},
                                 {"exit_code", to_int(before.error().code)}});
                } else if (run::is_terminal(*before)) {
                    answer_problem(response, 409,
                                   fmt::format("run {} already ended ({})", run.name,
                                               run::status_name(*before)));
                } else {
                    answer_json(response, 202, {{"name", run.name}, {"status", "CancelRequested"}});
                }
                return {};
            });
    });
}

// A stream looks every tick until the page goes, the run has ended (a run's) or the server
// stops; a comment line keeps idle connections open through proxies.
template <typename Feed, typename Look>
void HttpServer::stream(Response& response, std::shared_ptr<Feed> feed, Look look,
                        std::chrono::milliseconds tick) {
    response.set_header("Cache-Control", "no-store");
    response.set_chunked_content_provider(
        "text/event-stream", [this, feed, look, tick, pinged = std::chrono::steady_clock::now()](
                                 std::size_t, httplib::DataSink& sink) mutable {
            if (m_stopping) {
                return false;
            }
            std::string events;
            bool failed = false;
            try {
                std::lock_guard lock(m_mutex);
                reap_now_and_then(m_workspace);
                auto looked = look(*feed, m_workspace);
                failed = !looked;
                events = looked ? std::move(*looked)
                                : sse_event("problem", {{"error", looked.error().message}});
            } catch (const std::exception& e) {
                failed = true;
                events = sse_event("problem", {{"error", e.what()}});
            }
            const auto now = std::chrono::steady_clock::now();
            if (events.empty() && now - pinged > k_ping) {
                events = ": ping\n\n";
            }
            if (!events.empty()) {
                pinged = now;
                if (!sink.write(events.data(), events.size())) {
                    return false;
                }
            }
            // A problem ends the stream: the page says it, and the browser does not ask
            // again in a loop.
            if (failed || feed->done()) {
                sink.done();
                return true;
            }
            std::this_thread::sleep_for(tick);
            return !m_stopping.load();
        });
}

void HttpServer::live_routes() {
    m_http.Get("/api/events", [this](const Request& request, Response& response) {
        const auto after = util::parse_integer(request.get_param_value("after")).value_or(0);
        struct Feed {
            RunsFeed runs;
            [[nodiscard]] bool done() const { return false; }
        };
        stream(
            response, std::make_shared<Feed>(Feed{RunsFeed(after, m_actions.now_ms)}),
            [](Feed& feed, store::Workspace& workspace) { return feed.runs.look(workspace); },
            k_runs_tick);
    });
    m_http.Get("/api/runs/([^/]+)/stream", [this](const Request& request, Response& response) {
        struct Feed {
            RunFeed run;
            [[nodiscard]] bool done() const { return run.ended(); }
        };
        // A run that is not there is a 404, not a stream.
        bool found = false;
        with_run(request, response, [&](store::Workspace&, const run::RunRecord&) {
            found = true;
            return Result<void>{};
        });
        if (!found) {
            return;
        }
        stream(
            response,
            std::make_shared<Feed>(Feed{RunFeed(request.matches[1].str(), m_actions.now_ms)}),
            [](Feed& feed, store::Workspace& workspace) -> Result<std::string> {
                TRY_ASSIGN(auto events, feed.run.look(workspace));
                return events + feed.run.read_logs();
            },
            k_tick);
    });
}

}  // namespace

bool is_loopback(const std::string& host) {
    if (host == "localhost" || host == "::1") {
        return true;
    }
    in_addr address{};
    return ::inet_pton(AF_INET, host.c_str(), &address) == 1 &&
           (ntohl(address.s_addr) >> 24) == 127;
}

Result<std::unique_ptr<Server>> Server::start(store::Workspace workspace, Options options,
                                              Actions actions) {
    // The server reads what it lists (10,000 runs: 18 MB of rows) mapped, not copied in. Its
    // work runs one request at a time under its lock, so one malloc arena serves every worker:
    // glibc's arena per thread made a worker's first long list grow a heap of its own.
    TRY(workspace.db().exec("PRAGMA mmap_size = 268435456"));
    ::mallopt(M_ARENA_MAX, 1);
    auto server =
        std::make_unique<HttpServer>(std::move(workspace), std::move(options), std::move(actions));
    TRY(server->listen());
    return std::unique_ptr<Server>(std::move(server));
}

}  // namespace ferry::ui
