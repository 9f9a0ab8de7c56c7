// What a sweep's sampler costs, against fixed targets rather than another tool: no program on
// the build machine samples Azure's search spaces (numpy, the obvious baseline for a random
// draw, is not installed there), and a sweep's trials take minutes each, so the targets only
// say the sampler never shows in a sweep's time:
//  1. 10,000 trials of rule random over six parameters of mixed types: under 50 ms;
//  2. 10,000 trials of rule sobol over the same: under 50 ms;
//  3. one bayesian proposal from 200 observed trials in six dimensions: under 100 ms.
// Prints the median of the repetitions for each; exits 1 when a median misses its target.
// Usage: ferry_bench_sampling [repetitions]   (default 7; use a release build)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "ferry/sweep/sample.hpp"

namespace {

using ferry::sweep::Json;
using ferry::sweep::Sampler;

ferry::spec::SweepJob job_of(std::string algorithm, std::string rule) {
    ferry::spec::SweepJob job;
    job.sampling_algorithm = std::move(algorithm);
    job.rule = std::move(rule);
    job.goal = "minimize";
    job.search_space = {
        {.name = "optimizer", .type = "choice", .values = {"adam", "sgd", "rmsprop"}},
        {.name = "layers", .type = "randint", .upper = 12},
        {.name = "dropout", .type = "uniform", .min_value = 0, .max_value = 0.5},
        {.name = "lr", .type = "loguniform", .min_value = std::log(1e-5), .max_value = 0},
        {.name = "width", .type = "quniform", .min_value = 16, .max_value = 1024, .q = 16},
        {.name = "momentum", .type = "normal", .mu = 0.9, .sigma = 0.05}};
    return job;
}

// A smooth metric of the six parameters, for the bayesian sampler to model.
double metric_of(const Json& values) {
    const double lr = std::log10(values["lr"].get<double>()) + 3;
    const double dropout = values["dropout"].get<double>() - 0.2;
    const double width = values["width"].get<double>() / 1024 - 0.5;
    const double momentum = values["momentum"].get<double>() - 0.9;
    return lr * lr + dropout * dropout + width * width + momentum * momentum +
           0.01 * values["layers"].get<double>() + (values["optimizer"] == "adam" ? 0.0 : 0.1);
}

double milliseconds_of(const std::function<void()>& body) {
    const auto start = std::chrono::steady_clock::now();
    body();
    const std::chrono::duration<double, std::milli> elapsed =
        std::chrono::steady_clock::now() - start;
    return elapsed.count();
}

double median_of(std::vector<double> values) {
    std::ranges::sort(values);
    return values[values.size() / 2];
}

double draws_ms(const std::string& rule, int repetitions) {
    std::vector<double> times;
    for (int r = 0; r < repetitions; ++r) {
        Sampler sampler(job_of("random", rule), static_cast<std::uint64_t>(r));
        times.push_back(milliseconds_of([&] {
            for (int i = 0; i < 10'000; ++i) {
                if (!sampler.next()) {
                    std::abort();
                }
            }
        }));
    }
    return median_of(times);
}

double bayesian_ms(int repetitions) {
    std::vector<double> times;
    for (int r = 0; r < repetitions; ++r) {
        const auto seed = static_cast<std::uint64_t>(r);
        Sampler history(job_of("random", "random"), seed);
        Sampler sampler(job_of("bayesian", "random"), seed);
        for (int i = 0; i < 200; ++i) {
            const Json values = *history.next();
            sampler.take(values);
            sampler.observe(values, metric_of(values));
        }
        times.push_back(milliseconds_of([&] {
            if (!sampler.next()) {
                std::abort();
            }
        }));
    }
    return median_of(times);
}

bool report(const char* what, double median, double target) {
    const bool met = median < target;
    std::printf("%-52s %9.2f ms  (target < %.0f ms) %s\n", what, median, target,
                met ? "ok" : "MISSED");
    return met;
}

}  // namespace

int main(int argc, char** argv) {
    const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
    std::printf("median of %d repetitions\n", repetitions);
    bool met =
        report("10,000 trials, rule random, 6 parameters", draws_ms("random", repetitions), 50);
    met = report("10,000 trials, rule sobol, 6 parameters", draws_ms("sobol", repetitions), 50) &&
          met;
    met = report("1 bayesian proposal, 200 observations, 6 parameters", bayesian_ms(repetitions),
                 100) &&
          met;
    return met ? 0 : 1;
}
