#include "ferry/track/store.hpp"

#include <gtest/gtest.h>

#include "track_fixture.hpp"

namespace ferry::track {
namespace {

class TrackStore : public test::TrackTest {
protected:
    std::optional<Refused> log(const Batch& batch) {
        auto logged = log_batch(db(), "r", batch);
        EXPECT_TRUE(logged) << logged.error().message;
        return logged ? *logged : std::nullopt;
    }
};

TEST_F(TrackStore, PointsParamsAndTagsAreKeptAndSummarized) {
    EXPECT_FALSE(
        log({.metrics = {{"loss", 0.9, 100, 0}, {"loss", 0.5, 200, 1}, {"acc", 0.7, 200, 1}},
             .params = {{"lr", "0.01"}},
             .tags = {{"team", "vision"}}}));
    EXPECT_FALSE(log({.metrics = {{"loss", 0.7, 300, 2}}, .tags = {{"team", "speech"}}}));
    auto data = run_data(db(), "r");
    ASSERT_TRUE(data) << data.error().message;
    const Summary& loss = data->metrics.at("loss");
    EXPECT_EQ(loss.count, 3);
    EXPECT_DOUBLE_EQ(loss.min, 0.5);
    EXPECT_DOUBLE_EQ(loss.max, 0.9);
    EXPECT_DOUBLE_EQ(loss.last.value, 0.7);
    EXPECT_EQ(loss.last.step, 2);
    EXPECT_EQ(data->params.at("lr"), "0.01");
    EXPECT_EQ(data->tags.at("team"), "speech");  // a tag is set again at will
    auto history = metric_history(db(), "r", "loss");
    ASSERT_TRUE(history);
    ASSERT_EQ(history->size(), 3U);
    EXPECT_EQ((*history)[1].timestamp_ms, 200);
}

TEST_F(TrackStore, PointsAfterGivesWhatWasStoredSinceInOrderAndOnlyTheRuns) {
    add_run("other");
    EXPECT_FALSE(log({.metrics = {{"loss", 0.9, 100, 0}, {"acc", 0.1, 100, 0}}}));
    ASSERT_TRUE(log_batch(db(), "other", {.metrics = {{"loss", 5, 100, 0}}}));
    EXPECT_FALSE(log({.metrics = {{"loss", 0.5, 200, 1}}}));
    auto first = points_after(db(), "r", 0, 2);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_EQ(first->size(), 2U);  // the limit
    EXPECT_EQ((*first)[0].point.key, "loss");
    EXPECT_EQ((*first)[1].point.key, "acc");
    auto rest = points_after(db(), "r", first->back().number, 100);
    ASSERT_TRUE(rest);
    ASSERT_EQ(rest->size(), 1U);  // not the other run's point
    EXPECT_DOUBLE_EQ((*rest)[0].point.value, 0.5);
    EXPECT_EQ((*rest)[0].point.step, 1);
    EXPECT_EQ((*rest)[0].point.timestamp_ms, 200);
    auto none = points_after(db(), "r", rest->back().number, 100);
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST_F(TrackStore, AParamKeepsItsFirstValueAndARefusedBatchWritesNothing) {
    EXPECT_FALSE(log({.params = {{"lr", "0.01"}}}));
    EXPECT_FALSE(log({.params = {{"lr", "0.01"}}}));  // the same value again: accepted
    const auto refused = log({.metrics = {{"loss", 1, 0, 0}}, .params = {{"lr", "0.1"}}});
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->refusal, Refusal::invalid_parameter);
    EXPECT_NE(refused->message.find("Changing param values is not allowed"), std::string::npos);
    auto data = run_data(db(), "r");
    ASSERT_TRUE(data);
    EXPECT_TRUE(data->metrics.empty());  // the batch's metric went with it
}

TEST_F(TrackStore, BatchesOverMlflowsLimitsAreRefused) {
    Batch batch;
    batch.metrics.assign(k_max_batch_metrics + 1, Point{"m", 1, 0, 0});
    ASSERT_TRUE(log(batch));
    EXPECT_EQ(log(batch)->refusal, Refusal::invalid_parameter);
    EXPECT_TRUE(log({.metrics = {{"", 1, 0, 0}}}));
    EXPECT_TRUE(log({.params = {{"p", std::string(k_max_param_length + 1, 'x')}}}));
}

TEST_F(TrackStore, AnUnknownOrEndedRunTakesNothing) {
    auto unknown = log_batch(db(), "nope", {.tags = {{"a", "b"}}});
    ASSERT_TRUE(unknown && *unknown);
    EXPECT_EQ((*unknown)->refusal, Refusal::not_found);
    complete();
    const auto ended = log({.metrics = {{"loss", 1, 0, 0}}});
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->refusal, Refusal::invalid_state);
    EXPECT_EQ(ended->message, "The run r has ended (Completed): it takes no more data");
}

TEST_F(TrackStore, DeleteTag) {
    EXPECT_FALSE(log({.tags = {{"a", "1"}}}));
    auto deleted = delete_tag(db(), "r", "a");
    ASSERT_TRUE(deleted);
    EXPECT_FALSE(*deleted);
    auto again = delete_tag(db(), "r", "a");
    ASSERT_TRUE(again && *again);
    EXPECT_EQ((*again)->refusal, Refusal::not_found);
}

// `ferry run tag RUN` from outside the job: any run, ended or not; a tag set again changes.
TEST_F(TrackStore, SetTagsWorksOnAnEndedRunAndRefusesAnUnknownOne) {
    complete();
    auto tagged = set_tags(db(), "r", {{"best", "yes"}, {"stage", "dev"}});
    ASSERT_TRUE(tagged) << tagged.error().message;
    EXPECT_FALSE(*tagged);
    ASSERT_TRUE(set_tags(db(), "r", {{"stage", "prod"}}));
    auto data = run_data(db(), "r");
    ASSERT_TRUE(data);
    EXPECT_EQ(data->tags, (std::map<std::string, std::string>{{"best", "yes"}, {"stage", "prod"}}));
    auto unknown = set_tags(db(), "nope", {{"a", "b"}});
    ASSERT_TRUE(unknown && *unknown);
    EXPECT_EQ((*unknown)->refusal, Refusal::not_found);
    auto empty_key = set_tags(db(), "r", {{"", "b"}});
    ASSERT_TRUE(empty_key && *empty_key);
    EXPECT_EQ((*empty_key)->refusal, Refusal::invalid_parameter);
}

}  // namespace
}  // namespace ferry::track
