#include "../../../src/ui/http.hpp"

#include <gtest/gtest.h>

#include "../../../src/ui/api.hpp"
#include "ferry/ui/server.hpp"

namespace ferry::ui {
namespace {

TEST(UiHttpTest, APathInsideARunHasNoEmptyDotOrDotDotSegment) {
    EXPECT_TRUE(is_inside_path("README.txt"));
    EXPECT_TRUE(is_inside_path("outputs/model/weights.bin"));
    EXPECT_TRUE(is_inside_path("a..b/c.d"));
    for (const char* path :
         {"", "/etc/passwd", "../x", "a/../../x", "a/./b", "./a", "a//b", "a/", "..", "a/.."}) {
        EXPECT_FALSE(is_inside_path(path)) << path;
    }
}

TEST(UiHttpTest, ErrorsBecomeStatuses) {
    httplib::Response response;
    answer_error(response, {ExitCode::usage, "--filter: at column 3: bad"});
    EXPECT_EQ(response.status, 400);
    EXPECT_EQ(Json::parse(response.body)["error"], "--filter: at column 3: bad");
    EXPECT_EQ(Json::parse(response.body)["exit_code"], 2);
    answer_error(response, {ExitCode::usage, "no run named 'x' in workspace 'w'"});
    EXPECT_EQ(response.status, 404);
    answer_error(response, {ExitCode::failure, "disk full"});
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.get_header_value("Content-Type"), "application/json");
}

TEST(UiHttpTest, PercentEncodingKeepsUnreservedAndWhatIsAskedFor) {
    EXPECT_EQ(percent_encoded("a-b_c.d~e"), "a-b_c.d~e");
    EXPECT_EQ(percent_encoded("a b/\"c\n"), "a%20b%2F%22c%0A");
    EXPECT_EQ(percent_encoded("/runs/a b", "/"), "/runs/a%20b");
    EXPECT_EQ(percent_encoded("\xc3\xa9"), "%C3%A9");
}

TEST(UiHttpTest, AFlagIsOneOrTrue) {
    httplib::Request request;
    request.params = {{"a", "1"}, {"b", "true"}, {"c", "0"}, {"d", "yes"}};
    EXPECT_TRUE(query_flag(request, "a"));
    EXPECT_TRUE(query_flag(request, "b"));
    EXPECT_FALSE(query_flag(request, "c"));
    EXPECT_FALSE(query_flag(request, "d"));
    EXPECT_FALSE(query_flag(request, "e"));
}

TEST(UiHttpTest, LoopbackAddresses) {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
        EXPECT_TRUE(is_loopback(host)) << host;
    }
    for (const char* host : {"0.0.0.0", "10.0.0.1", "128.0.0.1", "::", "example.com", ""}) {
        EXPECT_FALSE(is_loopback(host)) << host;
    }
}

TEST(UiHttpTest, AHostHeadersNameHasNoPortNorBrackets) {
    EXPECT_EQ(host_name("127.0.0.1:8650"), "127.0.0.1");
    EXPECT_EQ(host_name("localhost"), "localhost");
    EXPECT_EQ(host_name("[::1]:8650"), "::1");
    EXPECT_EQ(host_name("[::1]"), "::1");
    EXPECT_EQ(host_name(""), "");
}

TEST(UiHttpTest, AnswersAreGzippedAwayFromLoopbackAndNeverBrotli) {
    EXPECT_EQ(accepted_encoding("gzip, deflate, br", true), "");
    EXPECT_EQ(accepted_encoding("gzip, deflate, br", false), "gzip");
    EXPECT_EQ(accepted_encoding("br", false), "");
    EXPECT_EQ(accepted_encoding("", false), "");
    EXPECT_EQ(accepted_encoding("br;q=1.0, gzip;q=0.8", false), "gzip");
    EXPECT_EQ(accepted_encoding("gzip;q=0", false), "");
    EXPECT_EQ(accepted_encoding("gzip; q=0.000, br", false), "");
    EXPECT_EQ(accepted_encoding("x-gzip, gzip", false), "gzip");
    EXPECT_EQ(accepted_encoding("GZIP", false), "gzip");
    EXPECT_EQ(accepted_encoding("gzip;Q=0", false), "");
}

TEST(UiApiTest, TheListsParametersAreRunListsOptions) {
    httplib::Request request;
    request.params = {{"experiment", "x"},  {"status", "Running"}, {"max_results", "7"},
                      {"all", "1"},         {"tag", "a=b"},        {"tag", "c"},
                      {"filter", "f"},      {"order_by", "o"},     {"columns", "metrics.m"},
                      {"children", "true"}, {"parent", "p"},       {"include_archived", "1"}};
    const auto query = api::list_query(request);
    ASSERT_TRUE(query);
    EXPECT_EQ(query->experiment, "x");
    EXPECT_EQ(query->status, "Running");
    EXPECT_EQ(query->max_results, 7);
    EXPECT_TRUE(query->all);
    EXPECT_EQ(query->tags, (std::vector<std::string>{"a=b", "c"}));
    EXPECT_EQ(query->filter, "f");
    EXPECT_EQ(query->order_by, "o");
    EXPECT_EQ(query->columns, "metrics.m");
    EXPECT_TRUE(query->children);
    EXPECT_EQ(query->parent, "p");
    EXPECT_TRUE(query->archived);
    httplib::Request bad;
    bad.params = {{"max_results", "many"}};
    const auto refused = api::list_query(bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ExitCode::usage);
    EXPECT_EQ(refused.error().message, "max_results 'many': give a number");
}

TEST(UiServedTest, APageCarriesTheTokenWhereOneIsNeeded) {
    EXPECT_EQ(page_url({"http://127.0.0.1:8650", ""}, "/runs/a"), "http://127.0.0.1:8650/runs/a");
    EXPECT_EQ(page_url({"http://0.0.0.0:1", "t0k"}, "/runs"), "http://0.0.0.0:1/runs?token=t0k");
}

}  // namespace
}  // namespace ferry::ui
