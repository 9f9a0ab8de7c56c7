#include "ferry/track/server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "ferry/track/store.hpp"
#include "track_fixture.hpp"

namespace ferry::track {
namespace {

using Json = nlohmann::json;

class TrackServer : public test::TrackTest {
protected:
    void SetUp() override {
        TrackTest::SetUp();
        auto server =
            Server::start({.database = m_dir / "workspace.db",
                           .run = "r",
                           .experiment = "exp",
                           .artifact_uri = "file:///runs/r/wd/outputs",
                           .token = "secret",
                           .note = [this](const std::string& line) { m_notes.push_back(line); }});
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_client.emplace(m_server->uri());
        m_client->set_default_headers({{"Authorization", "Bearer secret"}});
    }

    // The status and JSON body of a call.
    std::pair<int, Json> call(const std::string& method, const std::string& path,
                              const Json& body = nullptr) {
        const std::string url = "/api/2.0/mlflow/" + path;
        auto result = method == "GET" ? m_client->Get(url)
                                      : m_client->Post(url, body.dump(), "application/json");
        EXPECT_TRUE(result) << "no answer to " << method << " " << path;
        if (!result) {
            return {0, nullptr};
        }
        return {result->status, Json::parse(result->body, nullptr, false)};
    }

    std::vector<std::string> m_notes;
    std::unique_ptr<Server> m_server;
    std::optional<httplib::Client> m_client;
};

TEST_F(TrackServer, ARequestWithoutTheTokenIsRefused) {
    httplib::Client stranger(m_server->uri());
    auto result = stranger.Get("/api/2.0/mlflow/runs/get?run_id=r");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401);
    EXPECT_EQ(Json::parse(result->body)["error_code"], "UNAUTHENTICATED");
}

TEST_F(TrackServer, ABatchIsKeptAndReadBack) {
    const auto [status, body] =
        call("POST", "runs/log-batch",
             {{"run_id", "r"},
              {"metrics",
               {{{"key", "loss"}, {"value", 0.5}, {"timestamp", "10"}, {"step", "1"}},
                {{"key", "loss"}, {"value", 0.25}, {"timestamp", 20}, {"step", 2}}}},
              {"params", {{{"key", "lr"}, {"value", "0.1"}}}}});
    EXPECT_EQ(status, 200) << body.dump();
    const auto [got, history] = call("GET", "metrics/get-history?run_id=r&metric_key=loss");
    EXPECT_EQ(got, 200);
    EXPECT_EQ(history["metrics"].size(), 2U);
    EXPECT_EQ(history["metrics"][1]["value"], 0.25);
    const auto [found, run] = call("GET", "runs/get?run_id=r");
    EXPECT_EQ(found, 200);
    EXPECT_EQ(run["run"]["info"]["status"], "SCHEDULED");  // NotStarted, for MLflow
    EXPECT_EQ(run["run"]["info"]["artifact_uri"], "file:///runs/r/wd/outputs");
    EXPECT_EQ(run["run"]["data"]["params"][0]["value"], "0.1");
}

TEST_F(TrackServer, BadRequestsGetMlflowsErrors) {
    EXPECT_EQ(call("POST", "runs/log-metric", {{"run_id", "r"}, {"key", "x"}}).second["error_code"],
              "INVALID_PARAMETER_VALUE");  // no value, no timestamp
    EXPECT_EQ(call("POST", "runs/log-metric",
                   {{"run_id", "other"}, {"key", "x"}, {"value", 1}, {"timestamp", 1}})
                  .first,
              404);
    EXPECT_EQ(call("GET", "experiments/get-by-name?experiment_name=exp").first, 200);
    EXPECT_EQ(call("GET", "experiments/get?experiment_id=nope").first, 404);
    const auto [status, body] = call("POST", "model-versions/create", Json::object());
    EXPECT_EQ(status, 404);
    EXPECT_EQ(body["error_code"], "ENDPOINT_NOT_FOUND");
    call("POST", "model-versions/create", Json::object());
    EXPECT_EQ(m_notes, (std::vector<std::string>{"tracking: no endpoint POST "
                                                 "/api/2.0/mlflow/model-versions/create "
                                                 "(answered 404)"}));
    httplib::Client raw(m_server->uri());
    raw.set_default_headers({{"Authorization", "Bearer secret"}});
    auto malformed = raw.Post("/api/2.0/mlflow/runs/set-tag", "{not json", "application/json");
    ASSERT_TRUE(malformed);
    EXPECT_EQ(malformed->status, 400);
}

TEST_F(TrackServer, AnEndedRunTakesNoMoreData) {
    complete();
    const auto [status, body] =
        call("POST", "runs/set-tag", {{"run_id", "r"}, {"key", "k"}, {"value", "v"}});
    EXPECT_EQ(status, 400);
    EXPECT_EQ(body["error_code"], "INVALID_STATE");
    EXPECT_EQ(call("GET", "runs/get?run_id=r").second["run"]["info"]["status"], "FINISHED");
}

}  // namespace
}  // namespace ferry::track
