// The samplers of a sweep: grid, random (rule random or sobol) and bayesian, each proposing
// the next trial's values from the seed, the trial's number and what was taken before it.
#include "ferry/sweep/sample.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "bayesian.hpp"
#include "sample_space.hpp"
#include "sobol.hpp"

namespace ferry::sweep {

using detail::Dimension;
using detail::Kind;

namespace {

enum class Algorithm { grid, random, sobol, bayesian };

// Random draws that may hit taken values before the search in grid order takes over.
constexpr std::uint64_t k_draws = 64;
// Bayesian proposals tried in order of expected improvement before a random draw.
constexpr std::size_t k_bayesian_candidates = 32;
// Salts that keep the streams of one trial apart.
constexpr std::uint64_t k_search_salt = 0x5ea4c4;
constexpr std::uint64_t k_bayesian_salt = 0xba7e5;

Algorithm algorithm_of(const spec::SweepJob& job) {
    if (job.sampling_algorithm == "grid") {
        return Algorithm::grid;
    }
    if (job.sampling_algorithm == "bayesian") {
        return Algorithm::bayesian;
    }
    return job.rule == "sobol" ? Algorithm::sobol : Algorithm::random;
}

// Whether a coordinate moves when its value is made and read back (discrete dimensions).
bool snaps(Kind kind) {
    return kind == Kind::choice || kind == Kind::randint || kind == Kind::quniform ||
           kind == Kind::qloguniform || kind == Kind::qnormal || kind == Kind::qlognormal;
}

}  // namespace

std::optional<std::uint64_t> space_size(const std::vector<spec::SearchParameter>& space) {
    return detail::count_of(detail::dimensions_of(space));
}

std::int64_t initial_random_trials(std::size_t dimensions) {
    return std::max<std::int64_t>(5, 2 * static_cast<std::int64_t>(dimensions));
}

struct Sampler::State {
    std::vector<Dimension> dimensions;
    Algorithm algorithm = Algorithm::random;
    std::uint64_t seed = 0;
    bool maximize = false;
    std::optional<std::uint64_t> size;  // nullopt: infinite
    std::optional<detail::Sobol> sobol;
    std::unordered_set<std::string> taken_keys;
    // The distinct trials taken that are combinations of a finite space.
    std::uint64_t taken_in_space = 0;
    std::int64_t taken = 0;
    std::uint64_t grid_cursor = 0;
    std::vector<detail::Observation> observations;
    std::unordered_map<std::string, std::size_t> observed_at;  // by trial key

    [[nodiscard]] bool exhausted() const { return size && taken_in_space >= *size; }

    // Counts a trial; `in_space`: it is known to be a combination of the space.
    void record(std::string key, bool in_space) {
        ++taken;
        if (taken_keys.insert(std::move(key)).second && size && in_space) {
            ++taken_in_space;
        }
    }

    // Takes `values` where they are new; false where they were taken.
    bool propose(const Json& values) {
        std::string key = detail::trial_key(dimensions, values);
        if (taken_keys.contains(key)) {
            return false;
        }
        record(std::move(key), true);
        return true;
    }

    [[nodiscard]] Json values_at(const std::vector<double>& point) const {
        std::vector<Json> values;
        values.reserve(dimensions.size());
        for (std::size_t j = 0; j < dimensions.size(); ++j) {
            values.push_back(detail::value_at(dimensions[j], point[j]));
        }
        return detail::trial_of(dimensions, std::move(values));
    }

    // Attempt 0 of rule sobol is Sobol point `trial`; every other attempt draws from the
    // stream of (seed, trial, attempt).
    [[nodiscard]] Json draw(std::uint64_t trial, std::uint64_t attempt) const {
        detail::Stream stream(detail::mix(detail::mix(seed, trial), attempt));
        std::vector<double> point(dimensions.size());
        const bool sobol_point = attempt == 0 && algorithm == Algorithm::sobol;
        for (std::size_t j = 0; j < point.size(); ++j) {
            point[j] = sobol_point && j < sobol->dimensions() ? sobol->at(trial, j) : stream.unit();
        }
        return values_at(point);
    }

    std::optional<Json> next_grid() {
        if (!size) {
            return std::nullopt;
        }
        while (grid_cursor < *size) {
            Json values = detail::combination(dimensions, grid_cursor++);
            if (propose(values)) {
                return values;
            }
        }
        return std::nullopt;
    }

    // The first untaken combination of a finite space in grid order, from a point the
    // trial's stream picks.
    std::optional<Json> search(std::uint64_t trial) {
        detail::Stream stream(detail::mix(detail::mix(seed, trial), k_search_salt));
        const std::uint64_t start = stream.bits() % *size;
        for (std::uint64_t k = 0; k < *size; ++k) {
            const std::uint64_t index = k < *size - start ? start + k : k - (*size - start);
            Json values = detail::combination(dimensions, index);
            if (propose(values)) {
                return values;
            }
        }
        return std::nullopt;
    }

    std::optional<Json> next_random(std::uint64_t trial) {
        Json values;
        for (std::uint64_t attempt = 0; attempt < k_draws; ++attempt) {
            values = draw(trial, attempt);
            if (propose(values)) {
                return values;
            }
        }
        if (size) {
            return search(trial);
        }
        record(detail::trial_key(dimensions, values), false);
        return values;
    }

    void snap(std::vector<double>& point) const {
        for (std::size_t j = 0; j < point.size(); ++j) {
            if (snaps(dimensions[j].kind)) {
                point[j] =
                    detail::unit_of(dimensions[j], detail::value_at(dimensions[j], point[j]));
            }
        }
    }

    std::optional<Json> next_bayesian(std::uint64_t trial) {
        if (std::cmp_greater_equal(observations.size(), initial_random_trials(dimensions.size()))) {
            const auto points = detail::propose_points(
                observations, dimensions.size(),
                detail::mix(detail::mix(seed, trial), k_bayesian_salt),
                [this](std::vector<double>& point) { snap(point); }, k_bayesian_candidates);
            for (const std::vector<double>& point : points) {
                Json values = values_at(point);
                if (propose(values)) {
                    return values;
                }
            }
        }
        return next_random(trial);
    }
};

Sampler::Sampler(const spec::SweepJob& job, std::uint64_t seed)
    : m_state(std::make_unique<State>()) {
    State& state = *m_state;
    state.dimensions = detail::dimensions_of(job.search_space);
    state.algorithm = algorithm_of(job);
    state.seed = seed;
    state.maximize = job.goal == "maximize";
    state.size = detail::count_of(state.dimensions);
    if (state.algorithm == Algorithm::sobol) {
        state.sobol.emplace(state.dimensions.size(), seed);
    }
}

Sampler::~Sampler() = default;
Sampler::Sampler(Sampler&&) noexcept = default;
Sampler& Sampler::operator=(Sampler&&) noexcept = default;

void Sampler::take(const Json& values) {
    State& state = *m_state;
    state.record(detail::trial_key(state.dimensions, values),
                 state.size && detail::in_space(state.dimensions, values));
}

void Sampler::observe(const Json& values, double metric) {
    State& state = *m_state;
    if (!std::isfinite(metric)) {
        return;
    }
    detail::Observation observation;
    observation.x.reserve(state.dimensions.size());
    for (const Dimension& dimension : state.dimensions) {
        const auto it = values.find(dimension.parameter.name);
        observation.x.push_back(it == values.end() ? 0.5 : detail::unit_of(dimension, *it));
    }
    observation.y = state.maximize ? -metric : metric;
    const auto [at, added] = state.observed_at.try_emplace(
        detail::trial_key(state.dimensions, values), state.observations.size());
    if (added) {
        state.observations.push_back(std::move(observation));
    } else {
        state.observations[at->second] = std::move(observation);
    }
}

std::optional<Json> Sampler::next() {
    State& state = *m_state;
    if (state.exhausted()) {
        return std::nullopt;
    }
    const auto trial = static_cast<std::uint64_t>(state.taken);
    switch (state.algorithm) {
        case Algorithm::grid:
            return state.next_grid();
        case Algorithm::bayesian:
            return state.next_bayesian(trial);
        case Algorithm::random:
        case Algorithm::sobol:
            break;
    }
    return state.next_random(trial);
}

std::int64_t Sampler::taken() const {
    return m_state->taken;
}

Json Sampler::describe() const {
    const State& state = *m_state;
    Json description;
    switch (state.algorithm) {
        case Algorithm::grid:
            description["algorithm"] = "grid";
            break;
        case Algorithm::bayesian:
            description["algorithm"] = "bayesian";
            break;
        case Algorithm::random:
        case Algorithm::sobol:
            description["algorithm"] = "random";
            description["rule"] = state.algorithm == Algorithm::sobol ? "sobol" : "random";
            break;
    }
    description["seed"] = state.seed;
    description["space_size"] = state.size ? Json(*state.size) : Json(nullptr);
    description["proposed"] = state.taken;
    description["observed"] = state.observations.size();
    if (state.algorithm == Algorithm::bayesian) {
        description["initial_random"] = initial_random_trials(state.dimensions.size());
    }
    return description;
}

}  // namespace ferry::sweep
