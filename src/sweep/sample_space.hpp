#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/spec/job.hpp"

// What the samplers share: the parameters as typed dimensions, the map between the unit cube
// and their values, a seeded random stream and the normal distribution's math. Written out
// rather than taken from <random>, whose distributions differ between standard libraries, so
// a seed gives the same trials everywhere (up to the last bit of libm's exp, log and erfc).
namespace ferry::sweep::detail {

using Json = nlohmann::ordered_json;

enum class Kind {
    choice,
    randint,
    uniform,
    quniform,
    loguniform,
    qloguniform,
    normal,
    qnormal,
    lognormal,
    qlognormal,
    unknown,
};

// One parameter of the search space, typed, with what its values are made of.
struct Dimension {
    spec::SearchParameter parameter;
    Kind kind = Kind::unknown;
    std::optional<std::uint64_t> count;  // distinct values; nullopt: infinite
    std::int64_t first = 0;              // quniform, qloguniform: the first multiple of q
    // q-types: value k*q is k*q_units/q_scale, exact for q with few decimals (0.1, 0.05).
    double q_units = 0;
    double q_scale = 1;
    bool whole_q = false;  // q is a whole number: values are JSON integers
};

[[nodiscard]] Dimension dimension_of(const spec::SearchParameter& parameter);
[[nodiscard]] std::vector<Dimension> dimensions_of(const std::vector<spec::SearchParameter>& space);
// The product of the dimensions' counts, saturating; nullopt where one is infinite.
[[nodiscard]] std::optional<std::uint64_t> count_of(const std::vector<Dimension>& dimensions);

// The value at u in [0, 1] (see sample.hpp for the map).
[[nodiscard]] Json value_at(const Dimension& dimension, double u);
// The k-th of a finite dimension's values, in grid order.
[[nodiscard]] Json value_of_index(const Dimension& dimension, std::uint64_t k);
// Which of a finite dimension's values `value` is; nullopt where it is none of them.
[[nodiscard]] std::optional<std::uint64_t> index_of(const Dimension& dimension, const Json& value);
// Where `value` lies in the unit interval, the inverse of value_at (0.5 for a value that is
// not the dimension's).
[[nodiscard]] double unit_of(const Dimension& dimension, const Json& value);

// The trial of `values`, one per dimension in order, as {"name": value, ...}.
[[nodiscard]] Json trial_of(const std::vector<Dimension>& dimensions, std::vector<Json> values);
// The combination of a finite space numbered `index` in grid order (the last dimension
// fastest).
[[nodiscard]] Json combination(const std::vector<Dimension>& dimensions, std::uint64_t index);
// A trial's identity: its values in space order, numbers that are whole written as integers,
// so a trial read back from JSON ("lr": 32.0) matches the one proposed ("lr": 32).
[[nodiscard]] std::string trial_key(const std::vector<Dimension>& dimensions, const Json& values);
// Whether every value of the trial is one of its dimension's values (finite spaces).
[[nodiscard]] bool in_space(const std::vector<Dimension>& dimensions, const Json& values);

// SplitMix64's finalizer over the pair: keys for streams that no two uses share.
[[nodiscard]] std::uint64_t mix(std::uint64_t a, std::uint64_t b);

// xoshiro256** (Blackman and Vigna) seeded through SplitMix64.
class Stream {
public:
    explicit Stream(std::uint64_t key);
    [[nodiscard]] std::uint64_t bits();
    // Uniform in the open interval (0, 1), 53 bits.
    [[nodiscard]] double unit();
    // Standard normal, by the inverse CDF of unit().
    [[nodiscard]] double normal();

private:
    std::array<std::uint64_t, 4> m_state{};
};

// The standard normal CDF.
[[nodiscard]] double normal_cdf(double x);
// The standard normal quantile for p in (0, 1): Acklam's rational approximation, then one
// Halley step on erfc, accurate to about 1e-15.
[[nodiscard]] double normal_quantile(double p);

}  // namespace ferry::sweep::detail
