// The samplers' random numbers: SplitMix64 keys, a xoshiro256** stream and the normal
// distribution, written out so that a seed means the same draws everywhere.
#include <cmath>
#include <limits>
#include <numbers>

#include "sample_space.hpp"

namespace ferry::sweep::detail {

namespace {

constexpr std::uint64_t k_golden = 0x9e3779b97f4a7c15ULL;

std::uint64_t finalize(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t rotate_left(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

// Acklam's coefficients: the central region's numerator and denominator, then the tails'.
constexpr double k_a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                          1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double k_b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                          6.680131188771972e+01, -1.328068155288572e+01};
constexpr double k_c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                          -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double k_d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                          3.754408661907416e+00};
constexpr double k_tail = 0.02425;

// The lower tail's approximation at r = sqrt(-2 log p).
double tail(double r) {
    return (((((k_c[0] * r + k_c[1]) * r + k_c[2]) * r + k_c[3]) * r + k_c[4]) * r + k_c[5]) /
           ((((k_d[0] * r + k_d[1]) * r + k_d[2]) * r + k_d[3]) * r + 1);
}

// Acklam's approximation for p in (0, 0.5].
double acklam(double p) {
    if (p < k_tail) {
        return tail(std::sqrt(-2 * std::log(p)));
    }
    const double q = p - 0.5;
    const double r = q * q;
    return (((((k_a[0] * r + k_a[1]) * r + k_a[2]) * r + k_a[3]) * r + k_a[4]) * r + k_a[5]) * q /
           (((((k_b[0] * r + k_b[1]) * r + k_b[2]) * r + k_b[3]) * r + k_b[4]) * r + 1);
}

}  // namespace

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    return finalize(finalize(a + k_golden) ^ (b + 2 * k_golden));
}

Stream::Stream(std::uint64_t key) {
    for (std::uint64_t& word : m_state) {
        key += k_golden;
        word = finalize(key);
    }
}

std::uint64_t Stream::bits() {
    const std::uint64_t result = rotate_left(m_state[1] * 5, 7) * 9;
    const std::uint64_t t = m_state[1] << 17;
    m_state[2] ^= m_state[0];
    m_state[3] ^= m_state[1];
    m_state[1] ^= m_state[2];
    m_state[0] ^= m_state[3];
    m_state[2] ^= t;
    m_state[3] = rotate_left(m_state[3], 45);
    return result;
}

double Stream::unit() {
    return (static_cast<double>(bits() >> 11) + 0.5) * 0x1p-53;
}

double Stream::normal() {
    return normal_quantile(unit());
}

double normal_cdf(double x) {
    return 0.5 * std::erfc(-x * std::numbers::sqrt2 / 2);
}

double normal_quantile(double p) {
    if (!(p > 0)) {
        return -std::numeric_limits<double>::infinity();
    }
    if (!(p < 1)) {
        return std::numeric_limits<double>::infinity();
    }
    if (p > 0.5) {
        // By symmetry, where 1 - p is exact and the lower tail keeps its precision.
        return -normal_quantile(1 - p);
    }
    const double x = acklam(p);
    // One step of Halley's method on Phi(x) - p.
    const double error = normal_cdf(x) - p;
    const double step = error * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    return x - step / (1 + x * step / 2);
}

}  // namespace ferry::sweep::detail
