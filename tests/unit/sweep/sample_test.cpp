#include "ferry/sweep/sample.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::sweep {
namespace {

spec::SweepJob job_of(std::string algorithm, std::vector<spec::SearchParameter> space,
                      std::string rule = "random") {
    spec::SweepJob job;
    job.sampling_algorithm = std::move(algorithm);
    job.rule = std::move(rule);
    job.search_space = std::move(space);
    job.goal = "minimize";
    return job;
}

spec::SearchParameter choice(std::string name, std::vector<Json> values) {
    return {.name = std::move(name), .type = "choice", .values = std::move(values)};
}

spec::SearchParameter randint(std::string name, std::int64_t upper) {
    return {.name = std::move(name), .type = "randint", .upper = upper};
}

spec::SearchParameter bounded(std::string name, std::string type, double min, double max,
                              double q = 0) {
    return {.name = std::move(name),
            .type = std::move(type),
            .min_value = min,
            .max_value = max,
            .q = q};
}

spec::SearchParameter centred(std::string name, std::string type, double mu, double sigma,
                              double q = 0) {
    return {.name = std::move(name), .type = std::move(type), .mu = mu, .sigma = sigma, .q = q};
}

// Every type at once, for the tests of seeds and resumption.
std::vector<spec::SearchParameter> every_type() {
    return {choice("opt", {"adam", "sgd", {{"nested", true}}}),
            randint("layers", 8),
            bounded("dropout", "uniform", 0, 0.5),
            bounded("width", "quniform", 16, 512, 16),
            bounded("lr", "loguniform", std::log(1e-5), std::log(1e-1)),
            bounded("decay", "qloguniform", 0, 5, 0.5),
            centred("bias", "normal", 1, 2),
            centred("shift", "qnormal", 0, 10, 0.25),
            centred("scale", "lognormal", 0, 0.5),
            centred("gain", "qlognormal", 1, 1, 0.1)};
}

std::vector<Json> propose(Sampler& sampler, int count) {
    std::vector<Json> trials;
    for (int i = 0; i < count; ++i) {
        auto values = sampler.next();
        if (!values) {
            break;
        }
        trials.push_back(std::move(*values));
    }
    return trials;
}

std::vector<double> draws(const spec::SearchParameter& parameter, int count,
                          std::string rule = "random") {
    Sampler sampler(job_of("random", {parameter}, std::move(rule)), 7);
    std::vector<double> values;
    for (const Json& trial : propose(sampler, count)) {
        values.push_back(trial[parameter.name].get<double>());
    }
    return values;
}

double mean_of(const std::vector<double>& values) {
    double sum = 0;
    for (const double value : values) {
        sum += value;
    }
    return sum / static_cast<double>(values.size());
}

double deviation_of(const std::vector<double>& values) {
    const double mean = mean_of(values);
    double sum = 0;
    for (const double value : values) {
        sum += (value - mean) * (value - mean);
    }
    return std::sqrt(sum / static_cast<double>(values.size()));
}

TEST(Sampler, GridProposesEveryCombinationOnceLastParameterFastest) {
    Sampler sampler(job_of("grid", {choice("a", {1, 2, 3}), choice("b", {"x", "y"})}), 0);
    const auto trials = propose(sampler, 10);
    ASSERT_EQ(trials.size(), 6U);
    EXPECT_EQ(trials[0], Json::parse(R"({"a": 1, "b": "x"})"));
    EXPECT_EQ(trials[1], Json::parse(R"({"a": 1, "b": "y"})"));
    EXPECT_EQ(trials[2], Json::parse(R"({"a": 2, "b": "x"})"));
    EXPECT_EQ(trials[5], Json::parse(R"({"a": 3, "b": "y"})"));
    std::set<std::string> distinct;
    for (const Json& trial : trials) {
        distinct.insert(trial.dump());
    }
    EXPECT_EQ(distinct.size(), 6U);
    EXPECT_FALSE(sampler.next());
    EXPECT_EQ(sampler.taken(), 6);
}

TEST(Sampler, GridSkipsTakenCombinationsAndIgnoresForeignOnes) {
    Sampler sampler(job_of("grid", {choice("a", {1, 2, 3}), randint("b", 2)}), 0);
    sampler.take(Json::parse(R"({"a": 2, "b": 1})"));
    sampler.take(Json::parse(R"({"a": 9, "b": 0})"));  // not in the space: exhausts nothing
    sampler.take(Json::parse(R"({"a": 1.0, "b": 0})"));
    const auto trials = propose(sampler, 10);
    ASSERT_EQ(trials.size(), 4U);
    EXPECT_EQ(trials[0], Json::parse(R"({"a": 1, "b": 1})"));
    EXPECT_EQ(trials[3], Json::parse(R"({"a": 3, "b": 1})"));
    EXPECT_EQ(sampler.taken(), 7);
}

TEST(Sampler, TheSameSeedRepeatsAndAnotherSeedDiffers) {
    for (const char* rule : {"random", "sobol"}) {
        Sampler first(job_of("random", every_type(), rule), 42);
        Sampler again(job_of("random", every_type(), rule), 42);
        Sampler other(job_of("random", every_type(), rule), 43);
        const auto trials = propose(first, 20);
        EXPECT_EQ(trials, propose(again, 20)) << rule;
        EXPECT_NE(trials, propose(other, 20)) << rule;
    }
}

TEST(Sampler, AResumedSweepProposesWhatItWouldHave) {
    const std::vector<std::pair<const char*, const char*>> kinds = {
        {"random", "random"}, {"random", "sobol"}, {"grid", "random"}};
    for (const auto& [algorithm, rule] : kinds) {
        const auto space = std::string(algorithm) == "grid"
                               ? std::vector{choice("a", {1, 2, 3, 4}), randint("b", 3)}
                               : every_type();
        Sampler whole(job_of(algorithm, space, rule), 5);
        const auto trials = propose(whole, 10);
        ASSERT_EQ(trials.size(), 10U);
        Sampler resumed(job_of(algorithm, space, rule), 5);
        for (int i = 0; i < 4; ++i) {
            resumed.take(trials[i]);
        }
        EXPECT_EQ(propose(resumed, 6), std::vector(trials.begin() + 4, trials.end()))
            << algorithm << " " << rule;
    }
}

TEST(Sampler, RandintAndChoiceCoverTheirValues) {
    const auto values = draws(randint("n", 5), 500);
    std::set<double> seen(values.begin(), values.end());
    EXPECT_EQ(seen, (std::set<double>{0, 1, 2, 3, 4}));
    Sampler sampler(job_of("random", {randint("n", 1000)}), 1);
    EXPECT_TRUE(sampler.next()->at("n").is_number_integer());
}

TEST(Sampler, UniformAndLoguniformStayInTheirRanges) {
    const auto uniform = draws(bounded("x", "uniform", -2, 6), 4000);
    for (const double value : uniform) {
        ASSERT_GE(value, -2);
        ASSERT_LE(value, 6);
    }
    EXPECT_NEAR(mean_of(uniform), 2, 0.15);
    EXPECT_NEAR(deviation_of(uniform), 8 / std::sqrt(12.0), 0.1);
    const auto log = draws(bounded("x", "loguniform", std::log(1e-4), std::log(1e-1)), 4000);
    std::vector<double> exponents;
    for (const double value : log) {
        ASSERT_GE(value, 1e-4 * (1 - 1e-12));
        ASSERT_LE(value, 1e-1 * (1 + 1e-12));
        exponents.push_back(std::log10(value));
    }
    EXPECT_NEAR(mean_of(exponents), -2.5, 0.05);  // uniform in log space
}

TEST(Sampler, QTypesRoundToMultiplesOfQ) {
    Sampler whole(job_of("random", {bounded("w", "quniform", 16, 512, 16)}), 3);
    for (const Json& trial : propose(whole, 200)) {
        ASSERT_TRUE(trial["w"].is_number_integer()) << trial;  // q is a whole number
        EXPECT_EQ(trial["w"].get<std::int64_t>() % 16, 0);
        EXPECT_GE(trial["w"].get<std::int64_t>(), 16);
        EXPECT_LE(trial["w"].get<std::int64_t>(), 512);
    }
    Sampler tenths(job_of("random", {bounded("p", "quniform", 0, 1, 0.1)}), 3);
    for (const Json& trial : propose(tenths, 11)) {
        const double value = trial["p"].get<double>();
        EXPECT_EQ(value, std::nearbyint(value * 10) / 10);  // 0.3, not 0.30000000000000004
        EXPECT_LE(trial["p"].dump().size(), 3U) << trial;
    }
    for (const auto& parameter :
         {bounded("v", "qloguniform", 0, 5, 0.5), centred("v", "qnormal", 0, 10, 0.25),
          centred("v", "qlognormal", 1, 1, 0.1)}) {
        for (const double value : draws(parameter, 300)) {
            EXPECT_NEAR(value / parameter.q, std::nearbyint(value / parameter.q), 1e-9)
                << parameter.type;
        }
    }
    for (const double value : draws(bounded("v", "qloguniform", 0, 5, 0.5), 300)) {
        EXPECT_GE(value, 1);
        EXPECT_LE(value, 148.5);  // round(e^5 / 0.5) * 0.5
    }
}

TEST(Sampler, NormalAndLognormalHaveTheirMoments) {
    for (const char* rule : {"random", "sobol"}) {
        const auto normal = draws(centred("x", "normal", 3, 2), 4096, rule);
        EXPECT_NEAR(mean_of(normal), 3, 0.1) << rule;
        EXPECT_NEAR(deviation_of(normal), 2, 0.1) << rule;
        std::vector<double> logs;
        for (const double value : draws(centred("x", "lognormal", -1, 0.5), 4096, rule)) {
            ASSERT_GT(value, 0);
            logs.push_back(std::log(value));
        }
        EXPECT_NEAR(mean_of(logs), -1, 0.03) << rule;
        EXPECT_NEAR(deviation_of(logs), 0.5, 0.03) << rule;
    }
    const auto tail = draws(centred("x", "normal", 0, 1), 20000);
    int beyond = 0;
    for (const double value : tail) {
        beyond += std::abs(value) > 1.959963984540054 ? 1 : 0;
    }
    EXPECT_NEAR(beyond / 20000.0, 0.05, 0.008);  // the 95% interval
}

TEST(Sampler, AFiniteRandomSpaceExhaustsWithoutRepeating) {
    for (const char* algorithm : {"random", "bayesian"}) {
        for (const char* rule : {"random", "sobol"}) {
            const std::vector space = {choice("a", {"x", "y", "z"}), randint("b", 4),
                                       bounded("c", "quniform", 0, 1, 0.5)};
            ASSERT_EQ(space_size(space), 36U);
            Sampler sampler(job_of(algorithm, space, rule), 11);
            std::set<std::string> distinct;
            for (int i = 0; i < 36; ++i) {
                const auto values = sampler.next();
                ASSERT_TRUE(values) << algorithm << " " << rule << " " << i;
                sampler.observe(*values, values->at("b").get<double>());
                EXPECT_TRUE(distinct.insert(values->dump()).second) << *values;
            }
            EXPECT_FALSE(sampler.next()) << algorithm << " " << rule;
        }
    }
}

TEST(Sampler, SpaceSizeCountsFiniteSpacesOnly) {
    EXPECT_EQ(space_size({choice("a", {1, 2, 3}), randint("b", 5)}), 15U);
    EXPECT_EQ(space_size({bounded("q", "quniform", 0, 10, 2.5)}), 5U);  // 0, 2.5, ..., 10
    EXPECT_EQ(space_size({bounded("q", "quniform", 1, 9, 4)}), 3U);     // round: 0, 4, 8
    EXPECT_EQ(space_size({bounded("q", "qloguniform", 0, std::log(10), 1)}), 10U);  // 1..10
    EXPECT_EQ(space_size({choice("a", {1}), bounded("x", "uniform", 0, 1)}), std::nullopt);
    EXPECT_EQ(space_size({centred("x", "qnormal", 0, 1, 1)}), std::nullopt);
    EXPECT_EQ(space_size({choice("a", {}), bounded("x", "uniform", 0, 1)}), 0U);
    EXPECT_EQ(space_size({}), 1U);
    std::vector<spec::SearchParameter> huge(5, randint("n", 1'000'000'000'000));
    EXPECT_EQ(space_size(huge), std::numeric_limits<std::uint64_t>::max());
}

TEST(Sampler, DescribeSaysWhatItIs) {
    Sampler sobol(job_of("random", {choice("a", {1, 2})}, "sobol"), 9);
    std::ignore = sobol.next();
    sobol.observe(Json::parse(R"({"a": 1})"), 0.5);
    EXPECT_EQ(sobol.describe(), Json::parse(R"({"algorithm": "random", "rule": "sobol",
        "seed": 9, "space_size": 2, "proposed": 1, "observed": 1})"));
    Sampler bayesian(job_of("bayesian", every_type()), 1);
    EXPECT_EQ(bayesian.describe(), Json::parse(R"({"algorithm": "bayesian", "seed": 1,
        "space_size": null, "proposed": 0, "observed": 0, "initial_random": 20})"));
    Sampler grid(job_of("grid", {randint("n", 3)}), 0);
    EXPECT_EQ(grid.describe()["algorithm"], "grid");
    EXPECT_EQ(initial_random_trials(1), 5);
    EXPECT_EQ(initial_random_trials(6), 12);
}

}  // namespace
}  // namespace ferry::sweep
