#include "ferry/track/client.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "ferry/track/server.hpp"
#include "ferry/track/store.hpp"
#include "track_fixture.hpp"

namespace ferry::track {
namespace {

// The job's side against a real endpoint: what `ferry run log-metric` sends arrives.
class TrackClient : public test::TrackTest {
protected:
    void SetUp() override {
        TrackTest::SetUp();
        auto server = Server::start({.database = m_dir / "workspace.db",
                                     .run = "r",
                                     .experiment = "exp",
                                     .artifact_uri = "file:///runs/r/wd/outputs",
                                     .token = "secret"});
        ASSERT_TRUE(server) << server.error().message;
        m_server = std::move(*server);
        m_endpoint = {m_server->uri(), "secret", "r"};
    }

    std::unique_ptr<Server> m_server;
    Endpoint m_endpoint;
};

TEST_F(TrackClient, TheEnvironmentNamesTheEndpoint) {
    EXPECT_FALSE(
        endpoint_of(Environment(std::map<std::string, std::string>{{"MLFLOW_RUN_ID", "r"}})));
    EXPECT_FALSE(endpoint_of(
        Environment(std::map<std::string, std::string>{{"MLFLOW_TRACKING_URI", "http://h:1"}})));
    const auto endpoint = endpoint_of(
        Environment(std::map<std::string, std::string>{{"MLFLOW_TRACKING_URI", "http://h:1"},
                                                       {"MLFLOW_RUN_ID", "r"},
                                                       {"MLFLOW_TRACKING_TOKEN", "t"}}));
    ASSERT_TRUE(endpoint);
    EXPECT_EQ(endpoint->uri, "http://h:1");
    EXPECT_EQ(endpoint->run, "r");
    EXPECT_EQ(endpoint->token, "t");
}

TEST_F(TrackClient, ABatchSentIsInTheStoreWhenSendReturns) {
    ASSERT_TRUE(send(m_endpoint, {.metrics = {{"loss", 0.25, 1000, 3}},
                                  .params = {{"lr", "0.1"}},
                                  .tags = {{"stage", "dev"}}}));
    auto data = run_data(db(), "r");
    ASSERT_TRUE(data);
    ASSERT_TRUE(data->metrics.contains("loss"));
    EXPECT_EQ(data->metrics.at("loss").last.value, 0.25);
    EXPECT_EQ(data->metrics.at("loss").last.step, 3);
    EXPECT_EQ(data->params.at("lr"), "0.1");
    EXPECT_EQ(data->tags.at("stage"), "dev");
}

TEST_F(TrackClient, RefusalsCarryTheEndpointsMessageAndTheirExitCode) {
    ASSERT_TRUE(send(m_endpoint, {.params = {{"lr", "0.1"}}}));
    auto changed = send(m_endpoint, {.params = {{"lr", "0.2"}}});
    ASSERT_FALSE(changed);
    EXPECT_EQ(changed.error().code, ExitCode::usage);
    EXPECT_NE(changed.error().message.find("Changing param values is not allowed"),
              std::string::npos)
        << changed.error().message;
    complete();
    auto ended = send(m_endpoint, {.metrics = {{"loss", 1, 0, 0}}});
    ASSERT_FALSE(ended);
    EXPECT_EQ(ended.error().code, ExitCode::failure);
    EXPECT_NE(ended.error().message.find("has ended (Completed)"), std::string::npos);
    auto wrong_token = send({m_endpoint.uri, "nope", "r"}, {.tags = {{"a", "b"}}});
    ASSERT_FALSE(wrong_token);
    EXPECT_NE(wrong_token.error().message.find("UNAUTHENTICATED"), std::string::npos);
}

TEST_F(TrackClient, OnlyHttpEndpointsAreSpokenTo) {
    auto https = send({"https://example.org", "", "r"}, {.tags = {{"a", "b"}}});
    ASSERT_FALSE(https);
    EXPECT_NE(https.error().message.find("http:// endpoint only"), std::string::npos);
}

}  // namespace
}  // namespace ferry::track
