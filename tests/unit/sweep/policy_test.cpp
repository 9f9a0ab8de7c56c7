#include "ferry/sweep/policy.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace ferry::sweep {
namespace {

using Policy = spec::SweepJob::EarlyTermination;

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();

Policy bandit_factor(double slack_factor) {
    Policy policy;
    policy.type = "bandit";
    policy.slack_factor = slack_factor;
    return policy;
}

Policy bandit_amount(double slack_amount) {
    Policy policy;
    policy.type = "bandit";
    policy.slack_amount = slack_amount;
    return policy;
}

Policy median_stopping(std::int64_t delay_evaluation = 0) {
    Policy policy;
    policy.type = "median_stopping";
    policy.delay_evaluation = delay_evaluation;
    return policy;
}

Policy truncation(std::int64_t percentage, std::int64_t delay_evaluation = 0) {
    Policy policy;
    policy.type = "truncation_selection";
    policy.truncation_percentage = percentage;
    policy.delay_evaluation = delay_evaluation;
    return policy;
}

TrialReports live(std::string name, std::vector<double> values) {
    return {std::move(name), std::move(values), true};
}

TrialReports ended(std::string name, std::vector<double> values) {
    return {std::move(name), std::move(values), false};
}

std::vector<std::string> names(const std::vector<Termination>& stopped) {
    std::vector<std::string> out;
    for (const Termination& termination : stopped) {
        out.push_back(termination.trial);
    }
    return out;
}

using Names = std::vector<std::string>;

TEST(TerminationPolicy, BanditSlackFactorMaximizeStopsTrialsBelowBestOverOnePlusSlack) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    const std::vector<TrialReports> trials = {live("a", {1.0}), live("b", {0.95}),
                                              live("c", {0.85})};
    const auto stopped = policy.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"c"});  // threshold 1 / 1.1 = 0.909
    EXPECT_EQ(stopped[0].reason,
              "bandit: best primary metric 0.85 through report 1 is below 0.909091 (best 1 / (1 "
              "+ slack_factor 0.1))");
}

TEST(TerminationPolicy, BanditSlackAmountMaximize) {
    TerminationPolicy policy(bandit_amount(0.2), true);
    const std::vector<TrialReports> trials = {live("a", {0.8}), live("b", {0.61}),
                                              live("c", {0.59})};
    const auto stopped = policy.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"c"});
    EXPECT_EQ(stopped[0].reason,
              "bandit: best primary metric 0.59 through report 1 is below 0.6 (best 0.8 - "
              "slack_amount 0.2)");
}

TEST(TerminationPolicy, BanditMinimizeMirrorsTheThresholds) {
    TerminationPolicy by_factor(bandit_factor(0.1), false);
    const std::vector<TrialReports> losses = {live("a", {1.0}), live("b", {1.05}),
                                              live("c", {1.2})};
    const auto stopped = by_factor.evaluate(losses);
    ASSERT_EQ(names(stopped), Names{"c"});  // threshold 1 * 1.1
    EXPECT_EQ(stopped[0].reason,
              "bandit: best primary metric 1.2 through report 1 is above 1.1 (best 1 * (1 + "
              "slack_factor 0.1))");

    TerminationPolicy by_amount(bandit_amount(0.1), false);
    const std::vector<TrialReports> more = {live("a", {0.5}), live("b", {0.55}), live("c", {0.65})};
    const auto amount_stopped = by_amount.evaluate(more);
    ASSERT_EQ(names(amount_stopped), Names{"c"});
    EXPECT_EQ(amount_stopped[0].reason,
              "bandit: best primary metric 0.65 through report 1 is above 0.6 (best 0.5 + "
              "slack_amount 0.1)");
}

TEST(TerminationPolicy, BanditWithANegativeBestKeepsTheThresholdOnTheLenientSide) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    const std::vector<TrialReports> trials = {live("a", {-1.0}), live("b", {-1.05}),
                                              live("c", {-1.2})};
    const auto stopped = policy.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"c"});  // threshold -1 * 1.1; a, the best, stays
    EXPECT_EQ(stopped[0].reason,
              "bandit: best primary metric -1.2 through report 1 is below -1.1 (best -1 * (1 + "
              "slack_factor 0.1))");
}

TEST(TerminationPolicy, BanditJudgesATrialsBestSoFarAgainstTheBestAtTheReport) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    // Report 1: best 0.95, threshold 0.864, nobody below. Report 2: best 1.0, threshold 0.909:
    // b's value 0.8 is below but its best so far, 0.95, is not; c's best, 0.88, is.
    const std::vector<TrialReports> trials = {live("a", {0.9, 1.0}), live("b", {0.95, 0.8}),
                                              live("c", {0.88, 0.85})};
    const auto stopped = policy.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"c"});
    EXPECT_EQ(stopped[0].reason,
              "bandit: best primary metric 0.88 through report 2 is below 0.909091 (best 1 / (1 "
              "+ slack_factor 0.1))");
}

TEST(TerminationPolicy, EvaluationPointsAreMultiplesOfTheIntervalFromTheDelayOn) {
    Policy every_report = bandit_factor(0.1);
    EXPECT_TRUE(TerminationPolicy(every_report, true).evaluates_at(1));
    EXPECT_FALSE(TerminationPolicy(every_report, true).evaluates_at(0));

    Policy spaced = bandit_factor(0.1);
    spaced.evaluation_interval = 2;
    spaced.delay_evaluation = 5;
    const TerminationPolicy policy(spaced, true);
    std::vector<std::size_t> points;
    for (std::size_t report = 1; report <= 10; ++report) {
        if (policy.evaluates_at(report)) {
            points.push_back(report);
        }
    }
    EXPECT_EQ(points, (std::vector<std::size_t>{6, 8, 10}));

    Policy delayed = bandit_factor(0.1);
    delayed.delay_evaluation = 3;
    EXPECT_FALSE(TerminationPolicy(delayed, true).evaluates_at(2));
    EXPECT_TRUE(TerminationPolicy(delayed, true).evaluates_at(3));

    Policy zero_interval = bandit_factor(0.1);
    zero_interval.evaluation_interval = 0;  // counts as 1
    EXPECT_TRUE(TerminationPolicy(zero_interval, true).evaluates_at(1));
}

TEST(TerminationPolicy, NothingIsEvaluatedBeforeTheDelay) {
    Policy delayed = bandit_factor(0.1);
    delayed.delay_evaluation = 3;
    TerminationPolicy policy(delayed, true);
    EXPECT_TRUE(policy.evaluate(std::vector{live("a", {1, 1}), live("b", {0.1, 0.1})}).empty());
    const auto stopped =
        policy.evaluate(std::vector{live("a", {1, 1, 1}), live("b", {0.1, 0.1, 0.1})});
    ASSERT_EQ(names(stopped), Names{"b"});
    EXPECT_NE(stopped[0].reason.find("through report 3 "), std::string::npos);
}

TEST(TerminationPolicy, OnlyMultiplesOfTheIntervalAreEvaluated) {
    Policy spaced = bandit_factor(0.1);
    spaced.evaluation_interval = 2;
    TerminationPolicy policy(spaced, true);
    EXPECT_TRUE(policy.evaluate(std::vector{live("a", {1}), live("b", {0.1})}).empty());
    const auto stopped = policy.evaluate(std::vector{live("a", {1, 1}), live("b", {0.1, 0.1})});
    ASSERT_EQ(names(stopped), Names{"b"});
    EXPECT_NE(stopped[0].reason.find("through report 2 "), std::string::npos);
}

TEST(TerminationPolicy, ReportsBetweenTwoCallsAreEvaluatedInOrder) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    EXPECT_TRUE(policy.evaluate(std::vector{live("a", {1.0}), live("b", {0.95})}).empty());
    // Report 2 stops b (best 1.0 < 1.2 / 1.1 = 1.09); at report 3 b would be the best.
    const std::vector<TrialReports> later = {live("a", {1.0, 1.2, 1.4}),
                                             live("b", {0.95, 1.0, 1.5})};
    const auto stopped = policy.evaluate(later);
    ASSERT_EQ(names(stopped), Names{"b"});
    EXPECT_EQ(stopped[0].reason,
              "bandit: best primary metric 1 through report 2 is below 1.09091 (best 1.2 / (1 + "
              "slack_factor 0.1))");
    // A trial is returned once, even while it still runs and reports.
    EXPECT_TRUE(policy
                    .evaluate(std::vector{live("a", {1.0, 1.2, 1.4, 5.0}),
                                          live("b", {0.95, 1.0, 1.5, 0.1})})
                    .empty());
}

TEST(TerminationPolicy, EachEvaluationPointOfATrialIsAppliedOnce) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    // c reaches report 1 alone: nothing to compare with, and report 1 is then behind it.
    EXPECT_TRUE(policy.evaluate(std::vector{live("a", {}), live("c", {0.1})}).empty());
    EXPECT_TRUE(policy.evaluate(std::vector{live("a", {1.0}), live("c", {0.1})}).empty());
    const auto stopped = policy.evaluate(std::vector{live("a", {1.0, 1.0}), live("c", {0.1, 0.1})});
    ASSERT_EQ(names(stopped), Names{"c"});
    EXPECT_NE(stopped[0].reason.find("through report 2 "), std::string::npos);
}

TEST(TerminationPolicy, AnEndedTrialCountsButIsNeverTerminated) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    const std::vector<TrialReports> trials = {ended("a", {1.0}), ended("b", {0.1}),
                                              live("c", {0.85}), live("d", {0.95})};
    const auto stopped = policy.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"c"});
    EXPECT_NE(stopped[0].reason.find("(best 1 / "), std::string::npos);
}

TEST(TerminationPolicy, ALoneTrialIsNeverTerminated) {
    for (const Policy& kind : {bandit_factor(0.1), median_stopping(), truncation(99)}) {
        TerminationPolicy policy(kind, true);
        EXPECT_TRUE(policy.evaluate(std::vector{live("a", {0.1, 0.0, -5.0})}).empty()) << kind.type;
    }
}

TEST(TerminationPolicy, MedianStoppingStopsBestsWorseThanTheMedianOfRunningAverages) {
    TerminationPolicy policy(median_stopping(2), true);
    // Running averages over reports 1-2: 0.9, 0.6, 0.5, 0.325, 0.34; their median is 0.5.
    // d's best, 0.45, is below; e's best, 0.58, is not, though its report 2 is 0.1.
    const std::vector<TrialReports> trials = {live("a", {0.9, 0.9}), live("b", {0.5, 0.7}),
                                              live("c", {0.4, 0.6}), live("d", {0.2, 0.45}),
                                              live("e", {0.58, 0.1})};
    const auto stopped = policy.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"d"});
    EXPECT_EQ(stopped[0].reason,
              "median_stopping: best primary metric 0.45 through report 2 is below 0.5, the "
              "median of the running averages of 5 trials");
}

TEST(TerminationPolicy, MedianStoppingTakesTheMeanOfTheMiddleTwoAndIsStrict) {
    TerminationPolicy maximize(median_stopping(2), true);
    const std::vector<TrialReports> four = {live("a", {0.9, 0.9}), live("b", {0.5, 0.7}),
                                            live("c", {0.4, 0.6}), live("d", {0.2, 0.45})};
    const auto stopped = maximize.evaluate(four);  // median (0.5 + 0.6) / 2
    ASSERT_EQ(names(stopped), Names{"d"});
    EXPECT_NE(stopped[0].reason.find("is below 0.55, "), std::string::npos);

    TerminationPolicy minimize(median_stopping(), false);
    const std::vector<TrialReports> losses = {live("a", {1}), live("b", {2}), live("c", {3})};
    const auto loss_stopped = minimize.evaluate(losses);  // b equals the median: kept
    ASSERT_EQ(names(loss_stopped), Names{"c"});
    EXPECT_EQ(loss_stopped[0].reason,
              "median_stopping: best primary metric 3 through report 1 is above 2, the median of "
              "the running averages of 3 trials");
}

TEST(TerminationPolicy, TruncationSelectionCutsTheWorstQuarterOfFourOrFive) {
    TerminationPolicy four(truncation(25), true);
    const std::vector<TrialReports> trials = {live("a", {0.9}), live("b", {0.8}), live("c", {0.7}),
                                              live("d", {0.6})};
    const auto stopped = four.evaluate(trials);
    ASSERT_EQ(names(stopped), Names{"d"});
    EXPECT_EQ(stopped[0].reason,
              "truncation_selection: primary metric 0.6 at report 1 is in the worst 25% (1 of 4 "
              "trials)");

    TerminationPolicy five(truncation(25), true);  // floor(5 * 25 / 100) = 1
    const std::vector<TrialReports> more = {live("a", {0.9}), live("b", {0.8}), live("c", {0.7}),
                                            live("d", {0.6}), live("e", {0.75})};
    const auto five_stopped = five.evaluate(more);
    ASSERT_EQ(names(five_stopped), Names{"d"});
    EXPECT_NE(five_stopped[0].reason.find("(1 of 5 trials)"), std::string::npos);

    TerminationPolicy half(truncation(50), true);  // floor(5 * 50 / 100) = 2
    EXPECT_EQ(names(half.evaluate(more)), (Names{"c", "d"}));
}

TEST(TerminationPolicy, TruncationSelectionNeedsEnoughTrialsAndKeepsTies) {
    TerminationPolicy three(truncation(25), true);  // floor(3 * 25 / 100) = 0
    EXPECT_TRUE(
        three.evaluate(std::vector{live("a", {0.9}), live("b", {0.8}), live("c", {0.1})}).empty());

    TerminationPolicy tied(truncation(25), true);
    EXPECT_TRUE(tied.evaluate(std::vector{live("a", {0.5}), live("b", {0.5}), live("c", {0.5}),
                                          live("d", {0.5})})
                    .empty());
}

TEST(TerminationPolicy, TruncationSelectionComparesTheValuesAtTheReport) {
    TerminationPolicy maximize(truncation(25, 2), true);
    // d had the best report 1, but its report 2 is the worst.
    const std::vector<TrialReports> trials = {live("a", {0.9, 0.9}), live("b", {0.8, 0.85}),
                                              ended("c", {0.7, 0.8}), live("d", {0.95, 0.1})};
    EXPECT_EQ(names(maximize.evaluate(trials)), Names{"d"});

    TerminationPolicy minimize(truncation(25), false);
    const std::vector<TrialReports> losses = {live("a", {0.1}), live("b", {0.2}), live("c", {0.3}),
                                              live("d", {0.4})};
    const auto stopped = minimize.evaluate(losses);
    ASSERT_EQ(names(stopped), Names{"d"});
    EXPECT_EQ(stopped[0].reason,
              "truncation_selection: primary metric 0.4 at report 1 is in the worst 25% (1 of 4 "
              "trials)");
}

TEST(TerminationPolicy, NonFiniteValuesAreIgnoredButCountAsReports) {
    TerminationPolicy policy(bandit_factor(0.1), true);
    // a's infinity is no best: the best is 0.95 and 0.87 stays above 0.864.
    EXPECT_TRUE(policy
                    .evaluate(std::vector{live("a", {k_inf}), live("b", {0.95}), live("c", {0.87}),
                                          live("n", {k_nan})})
                    .empty());

    Policy spaced = bandit_factor(0.1);
    spaced.evaluation_interval = 2;
    TerminationPolicy every_other(spaced, true);
    const auto stopped =
        every_other.evaluate(std::vector{live("a", {k_nan, 0.1}), live("b", {1, 1})});
    ASSERT_EQ(names(stopped), Names{"a"});
    EXPECT_NE(stopped[0].reason.find("0.1 through report 2 "), std::string::npos);

    TerminationPolicy median(median_stopping(), true);
    EXPECT_EQ(names(median.evaluate(std::vector{live("a", {k_nan}), live("b", {1.0}),
                                                live("c", {0.5}), live("d", {0.2})})),
              Names{"d"});  // the median of 1.0, 0.5 and 0.2; a takes no part
}

TEST(TerminationPolicy, AnUnknownTypeNeverTerminates) {
    Policy unknown;
    unknown.type = "hyperband";
    TerminationPolicy policy(unknown, true);
    EXPECT_TRUE(policy.evaluate(std::vector{live("a", {1.0}), live("b", {0.0})}).empty());
}

}  // namespace
}  // namespace ferry::sweep
