#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

// The model behind bayesian sampling: a Gaussian process over the unit cube and the points
// it expects to improve on the best observation most.
namespace ferry::sweep::detail {

// A trial with a metric: its point in the unit cube and the metric, smaller is better.
struct Observation {
    std::vector<double> x;
    double y = 0;
};

// Moves a point of the unit cube to where its values lie (a choice's cell middle, a
// multiple of q), so that a candidate is judged where it would be tried.
using Snap = std::function<void(std::vector<double>&)>;

// Up to `count` distinct points of the unit cube, greatest expected improvement first, of a
// Gaussian process fitted to `observations` (at least two): Matern 5/2 kernel with one length
// scale, the length scale and the noise chosen by the marginal likelihood over a grid, the
// signal variance by its closed-form maximum. Past 256 observations the process is fitted to
// the best 128 and the latest 128 of the others. The candidates are 1024 scrambled Sobol
// points (keyed by `key`) and four rounds of 16 perturbations around the best five. Empty
// where the metrics are all equal or no kernel of the grid can be factored.
[[nodiscard]] std::vector<std::vector<double>> propose_points(
    const std::vector<Observation>& observations, std::size_t dimensions, std::uint64_t key,
    const Snap& snap, std::size_t count);

}  // namespace ferry::sweep::detail
