#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/sweep/sample.hpp"

namespace ferry::sweep {
namespace {

// n parameters uniform on [0, 1], whose values are the unit-cube points themselves.
spec::SweepJob unit_cube(std::size_t n, std::string rule) {
    spec::SweepJob job;
    job.sampling_algorithm = "random";
    job.rule = std::move(rule);
    for (std::size_t i = 0; i < n; ++i) {
        job.search_space.push_back(
            {.name = "x" + std::to_string(i), .type = "uniform", .min_value = 0, .max_value = 1});
    }
    return job;
}

using Points = std::vector<std::vector<double>>;

Points points_of(std::size_t n, const std::string& rule, std::uint64_t seed, int count) {
    Sampler sampler(unit_cube(n, rule), seed);
    Points points;
    for (int i = 0; i < count; ++i) {
        const Json values = *sampler.next();
        std::vector<double> point;
        for (std::size_t j = 0; j < n; ++j) {
            point.push_back(values["x" + std::to_string(j)].get<double>());
        }
        points.push_back(std::move(point));
    }
    return points;
}

// Whether every box of 2^a by 2^b cells of dimensions (i, j) holds exactly one point.
bool stratifies(const Points& points, std::size_t i, std::size_t j, int a, int b) {
    std::vector<int> boxes(std::size_t{1} << (a + b), 0);
    for (const auto& point : points) {
        const auto row = static_cast<std::size_t>(std::ldexp(point[i], a));
        const auto column = static_cast<std::size_t>(std::ldexp(point[j], b));
        ++boxes[(row << b) | column];
    }
    return std::ranges::all_of(boxes, [](int count) { return count == 1; });
}

// Warnock's formula for the L2-star discrepancy of points in [0, 1]^2.
double l2_star_discrepancy(const Points& points) {
    const auto n = static_cast<double>(points.size());
    double single = 0;
    double pairs = 0;
    for (const auto& p : points) {
        single += (1 - p[0] * p[0]) * (1 - p[1] * p[1]);
        for (const auto& r : points) {
            pairs += (1 - std::max(p[0], r[0])) * (1 - std::max(p[1], r[1]));
        }
    }
    return std::sqrt(1.0 / 9 - single / (2 * n) + pairs / (n * n));
}

TEST(Sampler, SobolPointsStratifyEveryElementaryBox) {
    for (const std::uint64_t seed : {0ULL, 1ULL, 12345ULL}) {
        const Points points = points_of(2, "sobol", seed, 256);
        for (int a = 0; a <= 8; ++a) {
            EXPECT_TRUE(stratifies(points, 0, 1, a, 8 - a)) << "seed " << seed << " a " << a;
        }
    }
    // Random points do not: the test can fail.
    EXPECT_FALSE(stratifies(points_of(2, "random", 0, 256), 0, 1, 4, 4));
}

TEST(Sampler, EverySobolDimensionStratifiesAlone) {
    // 64 dimensions carry direction numbers: in each, the first 1024 points fill the 1024
    // cells of width 1/1024 once each. The 65th draws from the stream and does not.
    const Points points = points_of(65, "sobol", 3, 1024);
    for (std::size_t d = 0; d < 65; ++d) {
        std::vector<int> cells(1024, 0);
        for (const auto& point : points) {
            ++cells[static_cast<std::size_t>(point[d] * 1024)];
        }
        const bool once = std::ranges::all_of(cells, [](int count) { return count == 1; });
        EXPECT_EQ(once, d < 64) << "dimension " << d;
    }
}

TEST(Sampler, SobolPairsOfLaterDimensionsStratifyCoarsely) {
    // Joe and Kuo chose the numbers for their two-dimensional projections: the first 256
    // points of these pairs fill every 4 by 4 grid cell with 16 points.
    const Points points = points_of(40, "sobol", 8, 256);
    for (const auto& [i, j] : {std::pair{2, 3}, {5, 9}, {19, 20}, {30, 39}}) {
        std::vector<int> cells(16, 0);
        for (const auto& point : points) {
            ++cells[static_cast<std::size_t>(point[i] * 4) * 4 +
                    static_cast<std::size_t>(point[j] * 4)];
        }
        EXPECT_TRUE(std::ranges::all_of(cells, [](int count) { return count == 16; }))
            << i << "," << j;
    }
}

TEST(Sampler, SobolDiscrepancyIsBelowRandom) {
    double random = 0;
    double sobol = 0;
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
        random += l2_star_discrepancy(points_of(2, "random", seed, 256)) / 5;
        sobol += l2_star_discrepancy(points_of(2, "sobol", seed, 256)) / 5;
    }
    // Random's expectation is sqrt((1/4 - 1/9) / 256), about 0.023.
    EXPECT_LT(sobol, random / 2) << "sobol " << sobol << " random " << random;
}

}  // namespace
}  // namespace ferry::sweep
