#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/spec/job.hpp"

// The samplers of a sweep job: which values each trial gets.
//
// Every algorithm maps a point u of the unit cube to values, one coordinate per parameter:
// choice takes values[floor(u*n)], randint floor(u*upper), uniform min+u*(max-min),
// loguniform exp(min+u*(max-min)), normal mu+sigma*Phi^-1(u), lognormal exp(normal); a q-type
// then rounds to round(x/q)*q (ties to even, as Python's round), a JSON integer where q is a
// whole number (Python's round(x/q)*q is an int then) and else k*q with q's own decimals.
//
// - grid: every combination of the (finite) parameters once, in odometer order: the last
//   parameter moves fastest, each parameter's values in their order (choice: as listed,
//   randint: 0 up, q-types: the multiples of q up). Then nothing. A grid over a space with a
//   continuous parameter (the loader refuses one) proposes nothing.
// - random, rule random: trial i's point comes from a xoshiro256** stream keyed by
//   (seed, i, attempt); attempt 0 first, the next attempt where the values were taken.
// - random, rule sobol: trial i is point i of a Sobol sequence (Joe and Kuo's
//   new-joe-kuo-6.21201 direction numbers, 64 dimensions; a 65th parameter on draws from the
//   stream) scrambled by a random linear matrix scramble and a digital shift drawn from the
//   seed (Matousek's, as scipy's default). Where point i's values were taken, attempts 1, 2,
//   ... draw from the stream as rule random.
// - bayesian: random (as rule random) until max(5, 2*d) trials of d parameters have reported
//   a metric; Azure documents no number of initial random trials and recommends a budget of at
//   least 20*d trials, a tenth of which (at least 5) starts the model. Then a Gaussian process
//   (Matern 5/2 kernel, one length scale; length scale and noise by maximum likelihood over a
//   grid; at most 256 observations, the best and the latest) proposes the untaken point of
//   greatest expected improvement among 1024 scrambled Sobol candidates and local refinements
//   of the best five. The metric is minimized, or maximized for goal maximize. The parameters
//   are encoded in the unit cube by the inverse of the map above: log space for log types,
//   the normal CDF for normals, the index's cell for choice and randint. Metrics that are all
//   equal (nothing to model) fall back to the random draw.
//
// In a finite space no trial repeats values that were taken: after 64 draws that all hit taken
// values, the first untaken combination in grid order from a point the stream picks is
// proposed, and once every combination is taken there is none. An infinite space concentrated
// on few values (qnormal with q much greater than sigma) may repeat after 64 such draws.
namespace ferry::sweep {

using Json = nlohmann::ordered_json;

// How many distinct trials the space holds (saturating at the largest std::uint64_t);
// nullopt where a parameter is continuous (uniform, loguniform, normal, lognormal) or
// unbounded (qnormal, qlognormal). choice: its values; randint: upper; quniform: the multiples
// of q that round(uniform/q)*q reaches, round(min/q) to round(max/q); qloguniform: the same
// from exp(min) to exp(max).
[[nodiscard]] std::optional<std::uint64_t> space_size(
    const std::vector<spec::SearchParameter>& space);

// The number of random trials a bayesian sweep over `dimensions` parameters starts with.
[[nodiscard]] std::int64_t initial_random_trials(std::size_t dimensions);

// Draws trials' values for a sweep, one after another. Trial i's values depend only on the
// seed, i, the values taken before it and (bayesian) the metrics observed before it, so a
// sweep that is resumed (its recorded trials replayed through `take` and `observe`) proposes
// what it would have proposed anyway.
class Sampler {
public:
    // seed: the job's, or one the caller drew and recorded. The job's goal "maximize" makes a
    // bigger metric better; anything else a smaller one.
    Sampler(const spec::SweepJob& job, std::uint64_t seed);
    ~Sampler();
    Sampler(Sampler&&) noexcept;
    Sampler& operator=(Sampler&&) noexcept;

    // A trial already started (a resumed sweep's recorded trials, in their order): counted,
    // and never proposed again where the space is finite.
    void take(const Json& values);
    // A trial's reported primary metric (bayesian uses them; the others count them). A later
    // metric for the same values replaces the earlier one; a metric that is not finite is
    // left out.
    void observe(const Json& values, double metric);
    // The next trial's values, {"name": value, ...} in search-space order (choice values keep
    // their JSON type, randint is an integer, q-types are rounded to q), also taken; nullopt
    // when a finite space has no untaken combination left.
    [[nodiscard]] std::optional<Json> next();
    // The trials taken, resumed ones and proposed ones.
    [[nodiscard]] std::int64_t taken() const;
    // For `run show`: {"algorithm", "rule" (random only), "seed", "space_size" (null when
    // infinite), "proposed" (the trials taken, as taken()), "observed", and for bayesian
    // "initial_random"}.
    [[nodiscard]] Json describe() const;

private:
    struct State;
    std::unique_ptr<State> m_state;
};

}  // namespace ferry::sweep
