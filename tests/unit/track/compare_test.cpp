#include "ferry/track/compare.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "track_fixture.hpp"

namespace ferry::track {
namespace {

TEST(TrackCompare, TheDirectionComesFromTheMetricsName) {
    for (const auto* key : {"loss", "val_loss", "Error", "test_err", "RMSE", "mae", "perplexity",
                            "epoch_time", "latency_ms", "duration"}) {
        EXPECT_EQ(direction_of(key), Direction::minimize) << key;
    }
    for (const auto* key : {"accuracy", "acc", "f1", "auc", "precision", "recall", "score"}) {
        EXPECT_EQ(direction_of(key), Direction::maximize) << key;
    }
    EXPECT_EQ(direction_name(Direction::maximize), "max");
    EXPECT_EQ(direction_name(Direction::minimize), "min");
}

Summary last(double value) {
    return {.last = {"", value, 0, 0}, .min = value, .max = value, .count = 1};
}

TEST(TrackCompare, ParamsThatDifferAndTheBestOfEachMetric) {
    std::vector<RunData> data(3);
    data[0].params = {{"lr", "0.1"}, {"seed", "0"}};
    data[1].params = {{"lr", "0.01"}, {"seed", "0"}};
    data[2].params = {{"seed", "0"}, {"only", "x"}};
    data[0].metrics = {{"accuracy", last(0.9)}, {"loss", last(0.3)}};
    data[1].metrics = {{"accuracy", last(0.95)}, {"loss", last(0.2)}};
    data[2].metrics = {{"accuracy", last(0.95)}, {"lr_final", last(NAN)}};
    const auto comparison = compare({"a", "b", "c"}, data, {});
    EXPECT_EQ(comparison.runs, (std::vector<std::string>{"a", "b", "c"}));
    ASSERT_EQ(comparison.params.size(), 3U);  // by key: lr, only, seed
    EXPECT_EQ(comparison.params[0].key, "lr");
    EXPECT_TRUE(comparison.params[0].differs);
    EXPECT_EQ(comparison.params[0].values[2], std::nullopt);
    EXPECT_EQ(comparison.params[1].key, "only");
    EXPECT_TRUE(comparison.params[1].differs);  // a missing value differs
    EXPECT_EQ(comparison.params[2].key, "seed");
    EXPECT_FALSE(comparison.params[2].differs);
    ASSERT_EQ(comparison.metrics.size(), 3U);
    const auto& accuracy = comparison.metrics[0];
    EXPECT_EQ(accuracy.direction, Direction::maximize);
    EXPECT_EQ(accuracy.best, 1U);  // b and c tie: the first of them
    const auto& loss = comparison.metrics[1];
    EXPECT_EQ(loss.direction, Direction::minimize);
    EXPECT_EQ(loss.best, 1U);
    EXPECT_FALSE(loss.values[2]);
    EXPECT_EQ(comparison.metrics[2].best, std::nullopt);  // no finite value: no best
}

TEST(TrackCompare, GivenDirectionsWin) {
    std::vector<RunData> data(2);
    data[0].metrics = {{"loss", last(0.3)}, {"accuracy", last(0.9)}};
    data[1].metrics = {{"loss", last(0.2)}, {"accuracy", last(0.8)}};
    const auto comparison = compare(
        {"a", "b"}, data, {{"loss", Direction::maximize}, {"accuracy", Direction::minimize}});
    EXPECT_EQ(comparison.metrics[0].key, "accuracy");
    EXPECT_EQ(comparison.metrics[0].best, 1U);
    EXPECT_EQ(comparison.metrics[1].direction, Direction::maximize);
    EXPECT_EQ(comparison.metrics[1].best, 0U);
}

TEST(TrackCompare, OneRunComparesToNothing) {
    std::vector<RunData> data(1);
    data[0].params = {{"lr", "0.1"}};
    data[0].metrics = {{"loss", last(0.3)}};
    const auto comparison = compare({"a"}, data, {});
    EXPECT_FALSE(comparison.params[0].differs);
    EXPECT_EQ(comparison.metrics[0].best, 0U);
}

class TrackCompareStore : public test::TrackTest {
protected:
    void add_run(const std::string& name) {
        run::NewRun run;
        run.name = name;
        run.experiment = "exp";
        run.compute = "local";
        run.directory = m_dir / "runs" / name;
        ASSERT_TRUE(run::insert_run(db(), run, {"2026-01-01T00:00:00.000Z", 0}));
    }
    void log(const std::string& run, const Batch& batch) {
        auto logged = log_batch(db(), run, batch);
        ASSERT_TRUE(logged) << logged.error().message;
        EXPECT_FALSE(*logged);
    }
};

TEST_F(TrackCompareStore, ManyRunsAtOnceSummarizeAsOneRunAtATime) {
    add_run("s");
    add_run("t");
    // Out of order, and two points at step 2: the later one in time is the last.
    log("r", {.metrics = {{"loss", 0.5, 300, 2}, {"loss", 0.9, 100, 0}, {"loss", 0.4, 200, 2}},
              .params = {{"lr", "0.1"}},
              .tags = {{"team", "vision"}}});
    log("s", {.metrics = {{"loss", 0.7, 100, 0}, {"acc", 0.8, 100, 0}}, .params = {{"lr", "0.2"}}});
    log("r", {.metrics = {{"acc", 0.6, 400, 3}, {"loss", 0.1, 400, 1}}});
    log("s", {.metrics = {{"loss", 0.6, 150, 0}}});  // step 0 again, later: the last
    const std::vector<std::string> names = {"s", "nobody", "r", "t"};
    auto data = runs_data(db(), names);
    ASSERT_TRUE(data) << data.error().message;
    ASSERT_EQ(data->size(), 4U);
    EXPECT_TRUE((*data)[1].metrics.empty() && (*data)[1].params.empty());
    EXPECT_TRUE((*data)[3].metrics.empty());
    for (const std::size_t i : {0U, 2U}) {
        auto one = run_data(db(), names[i]);
        ASSERT_TRUE(one);
        const auto& many = (*data)[i];
        EXPECT_EQ(many.params, one->params);
        EXPECT_EQ(many.tags, one->tags);
        ASSERT_EQ(many.metrics.size(), one->metrics.size());
        for (const auto& [key, summary] : one->metrics) {
            const Summary& got = many.metrics.at(key);
            EXPECT_EQ(got.last.key, key);
            EXPECT_EQ(got.last.value, summary.last.value) << names[i] << " " << key;
            EXPECT_EQ(got.last.step, summary.last.step);
            EXPECT_EQ(got.last.timestamp_ms, summary.last.timestamp_ms);
            EXPECT_EQ(got.min, summary.min);
            EXPECT_EQ(got.max, summary.max);
            EXPECT_EQ(got.count, summary.count);
        }
    }
    EXPECT_EQ((*data)[2].metrics.at("loss").last.value, 0.5);
    EXPECT_EQ((*data)[0].metrics.at("loss").last.value, 0.6);
    auto comparison = compare_runs(db(), {"r", "s"}, {});
    ASSERT_TRUE(comparison);
    EXPECT_EQ(comparison->metrics[0].key, "acc");
    EXPECT_EQ(comparison->metrics[0].best, 1U);
    EXPECT_EQ(comparison->metrics[1].best, 0U);  // loss: r's 0.5 beats s's 0.6
    EXPECT_TRUE(comparison->params[0].differs);
}

}  // namespace
}  // namespace ferry::track
