// Bayesian sampling's Gaussian process: fitted by its marginal likelihood over a small grid,
// then asked for expected improvement at Sobol candidates and their local refinements.
#include "bayesian.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <optional>
#include <utility>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "sample_space.hpp"
#include "sobol.hpp"

namespace ferry::sweep::detail {

namespace {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

constexpr std::size_t k_sobol_candidates = 1024;
constexpr std::size_t k_refined = 5;
constexpr std::size_t k_perturbations = 16;
constexpr std::array<double, 4> k_radii = {0.1, 0.05, 0.02, 0.01};
// Length scales in units of the cube's diagonal, sqrt(d); noise variances relative to the
// signal's.
constexpr std::array<double, 6> k_lengths = {0.05, 0.1, 0.2, 0.4, 0.8, 1.6};
constexpr std::array<double, 4> k_noises = {1e-6, 1e-4, 1e-2, 1e-1};
// EI's margin xi, in standard deviations of the observed metric.
constexpr double k_margin = 0.01;
constexpr std::uint64_t k_perturbation_salt = 0x7e57ab1e;
// The most observations the model is fitted to: its cost grows with their cube.
constexpr std::size_t k_modelled = 256;

// A fitted process: observations in normalized units (mean 0, deviation 1).
struct Model {
    Matrix x;                // one observation a row
    Eigen::LLT<Matrix> llt;  // of the kernel plus noise, in units of the signal variance
    Vector alpha;            // the kernel plus noise, inverse, times y
    double length = 1;
    double signal = 1;  // the signal variance that maximizes the likelihood
    double best = 0;    // the smallest y
};

// Pairwise Euclidean distances between the rows of a and the rows of b.
Matrix distances(const Matrix& a, const Matrix& b) {
    Matrix squared = (-2.0 * a * b.transpose()).colwise() + a.rowwise().squaredNorm();
    squared.rowwise() += b.rowwise().squaredNorm().transpose();
    return squared.cwiseMax(0.0).cwiseSqrt();
}

// Matern 5/2 of each distance, in place.
void matern(Matrix& values, double length) {
    const double scale = std::sqrt(5.0) / length;
    values = values.unaryExpr([scale](double r) {
        const double s = scale * r;
        return (1 + s + s * s / 3) * std::exp(-s);
    });
}

// The model of greatest marginal likelihood on the grid; nullopt where none factors or the
// metrics are all equal.
std::optional<Model> fit(const std::vector<Observation>& observations, std::size_t dimensions) {
    const auto n = static_cast<Eigen::Index>(observations.size());
    Matrix x(n, static_cast<Eigen::Index>(dimensions));
    Vector y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const Observation& observation = observations[static_cast<std::size_t>(i)];
        x.row(i) = Eigen::Map<const Vector>(observation.x.data(), x.cols()).transpose();
        y(i) = observation.y;
    }
    const double deviation = std::sqrt((y.array() - y.mean()).square().mean());
    if (!(deviation > 0) || !std::isfinite(deviation)) {
        return std::nullopt;
    }
    y = (y.array() - y.mean()) / deviation;
    const Matrix r = distances(x, x);
    const auto count = static_cast<double>(n);
    std::optional<Model> best;
    double best_likelihood = -std::numeric_limits<double>::infinity();
    for (const double relative : k_lengths) {
        const double length = relative * std::sqrt(static_cast<double>(dimensions));
        Matrix kernel = r;
        matern(kernel, length);
        for (const double noise : k_noises) {
            Matrix a = kernel;
            a.diagonal().array() += noise;
            Eigen::LLT<Matrix> llt(a);
            if (llt.info() != Eigen::Success) {
                continue;
            }
            Vector alpha = llt.solve(y);
            const double quadratic = y.dot(alpha);
            const double log_det = 2 * llt.matrixLLT().diagonal().array().log().sum();
            const double likelihood = -0.5 * count * std::log(quadratic / count) - 0.5 * log_det;
            if (quadratic > 0 && std::isfinite(likelihood) && likelihood > best_likelihood) {
                best_likelihood = likelihood;
                best = Model{.x = x,
                             .llt = std::move(llt),
                             .alpha = std::move(alpha),
                             .length = length,
                             .signal = quadratic / count,
                             .best = y.minCoeff()};
            }
        }
    }
    return best;
}

// The observations the model sees: all of them, or past k_modelled the best half of that and
// the latest of the others, in their order.
std::vector<Observation> modelled(const std::vector<Observation>& observations) {
    if (observations.size() <= k_modelled) {
        return observations;
    }
    std::vector<std::size_t> order(observations.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::ranges::stable_sort(
        order, [&](std::size_t a, std::size_t b) { return observations[a].y < observations[b].y; });
    std::vector<bool> kept(observations.size(), false);
    for (std::size_t i = 0; i < k_modelled / 2; ++i) {
        kept[order[i]] = true;
    }
    for (std::size_t i = observations.size(), latest = 0; i-- > 0 && latest < k_modelled / 2;) {
        if (!kept[i]) {
            kept[i] = true;
            ++latest;
        }
    }
    std::vector<Observation> subset;
    for (std::size_t i = 0; i < observations.size(); ++i) {
        if (kept[i]) {
            subset.push_back(observations[i]);
        }
    }
    return subset;
}

// Expected improvement on the smallest observation at each row of `candidates`.
Vector expected_improvement(const Model& model, const Matrix& candidates) {
    Matrix k = distances(model.x, candidates);
    matern(k, model.length);
    const Vector mean = k.transpose() * model.alpha;
    model.llt.matrixL().solveInPlace(k);
    const Vector explained = k.colwise().squaredNorm().transpose();
    Vector improvement(candidates.rows());
    for (Eigen::Index i = 0; i < candidates.rows(); ++i) {
        const double deviation =
            std::sqrt(std::max(model.signal * (1 - explained(i)), 1e-12 * model.signal));
        const double gain = model.best - mean(i) - k_margin;
        const double z = gain / deviation;
        const double density = std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi);
        improvement(i) = gain * normal_cdf(z) + deviation * density;
    }
    return improvement;
}

// The points evaluated so far and their expected improvement.
struct Pool {
    std::vector<std::vector<double>> points;
    std::vector<double> scores;

    void add(const Matrix& rows, const Vector& improvement) {
        for (Eigen::Index i = 0; i < rows.rows(); ++i) {
            points.emplace_back(rows.row(i).begin(), rows.row(i).end());
            scores.push_back(improvement(i));
        }
    }
};

Matrix matrix_of(const std::vector<std::vector<double>>& points, std::size_t dimensions) {
    Matrix rows(static_cast<Eigen::Index>(points.size()), static_cast<Eigen::Index>(dimensions));
    for (std::size_t i = 0; i < points.size(); ++i) {
        for (std::size_t j = 0; j < dimensions; ++j) {
            rows(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = points[i][j];
        }
    }
    return rows;
}

// Scrambled Sobol points, snapped; dimensions past Sobol's drawn from a stream.
std::vector<std::vector<double>> sobol_candidates(std::size_t dimensions, std::uint64_t key,
                                                  const Snap& snap) {
    const Sobol sobol(dimensions, key);
    Stream stream(mix(key, dimensions));
    std::vector<std::vector<double>> points(k_sobol_candidates, std::vector<double>(dimensions));
    for (std::size_t i = 0; i < k_sobol_candidates; ++i) {
        for (std::size_t j = 0; j < dimensions; ++j) {
            points[i][j] = j < sobol.dimensions() ? sobol.at(i, j) : stream.unit();
        }
        snap(points[i]);
    }
    return points;
}

// The indexes of the pool's points, greatest improvement first (ties: the earlier point).
std::vector<std::size_t> ranking(const Pool& pool) {
    std::vector<std::size_t> order(pool.points.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::ranges::stable_sort(
        order, [&](std::size_t a, std::size_t b) { return pool.scores[a] > pool.scores[b]; });
    return order;
}

// Hill-climbs from the best few points of the pool with shrinking Gaussian steps; every point
// tried joins the pool.
void refine(const Model& model, Pool& pool, std::uint64_t key, const Snap& snap) {
    const std::vector<std::size_t> order = ranking(pool);
    std::vector<std::vector<double>> starts;
    std::vector<double> start_scores;
    for (std::size_t i = 0; i < std::min(k_refined, order.size()); ++i) {
        starts.push_back(pool.points[order[i]]);
        start_scores.push_back(pool.scores[order[i]]);
    }
    Stream stream(mix(key, k_perturbation_salt));
    for (const double radius : k_radii) {
        std::vector<std::vector<double>> tried;
        for (const std::vector<double>& start : starts) {
            for (std::size_t p = 0; p < k_perturbations; ++p) {
                std::vector<double> point = start;
                for (double& coordinate : point) {
                    coordinate = std::clamp(coordinate + radius * stream.normal(), 0.0, 1.0);
                }
                snap(point);
                tried.push_back(std::move(point));
            }
        }
        const Matrix rows = matrix_of(tried, starts.front().size());
        const Vector improvement = expected_improvement(model, rows);
        pool.add(rows, improvement);
        for (std::size_t s = 0; s < starts.size(); ++s) {
            for (std::size_t p = 0; p < k_perturbations; ++p) {
                const std::size_t i = s * k_perturbations + p;
                if (improvement(static_cast<Eigen::Index>(i)) > start_scores[s]) {
                    start_scores[s] = improvement(static_cast<Eigen::Index>(i));
                    starts[s] = tried[i];
                }
            }
        }
    }
}

}  // namespace

std::vector<std::vector<double>> propose_points(const std::vector<Observation>& observations,
                                                std::size_t dimensions, std::uint64_t key,
                                                const Snap& snap, std::size_t count) {
    if (observations.size() < 2 || dimensions == 0) {
        return {};
    }
    const std::optional<Model> model = fit(modelled(observations), dimensions);
    if (!model) {
        return {};
    }
    Pool pool;
    const auto candidates = sobol_candidates(dimensions, key, snap);
    const Matrix rows = matrix_of(candidates, dimensions);
    pool.add(rows, expected_improvement(*model, rows));
    refine(*model, pool, key, snap);
    std::vector<std::vector<double>> best;
    for (const std::size_t i : ranking(pool)) {
        if (best.size() == count) {
            break;
        }
        if (std::ranges::find(best, pool.points[i]) == best.end()) {
            best.push_back(pool.points[i]);
        }
    }
    return best;
}

}  // namespace ferry::sweep::detail
