// Sobol's sequence from Joe and Kuo's direction numbers, with Matousek's random linear matrix
// scramble and a digital shift.
#include "sobol.hpp"

#include <algorithm>
#include <bit>

#include "sample_space.hpp"

namespace ferry::sweep::detail {

namespace {

// One row of new-joe-kuo-6.21201 (S. Joe and F. Y. Kuo, "Constructing Sobol sequences with
// better two-dimensional projections", SIAM J. Sci. Comput. 30, 2008): the degree s of the
// primitive polynomial, its inner coefficients a, and the initial direction numbers m_1..m_s.
struct Primitive {
    std::uint32_t degree;
    std::uint32_t inner;
    std::array<std::uint32_t, 9> initial;
};

// Dimensions 2 to 64, as the file numbers them.
constexpr std::array<Primitive, Sobol::k_dimensions - 1> k_joe_kuo = {{
    {1, 0, {1}},                                   // 2
    {2, 1, {1, 3}},                                // 3
    {3, 1, {1, 3, 1}},                             // 4
    {3, 2, {1, 1, 1}},                             // 5
    {4, 1, {1, 1, 3, 3}},                          // 6
    {4, 4, {1, 3, 5, 13}},                         // 7
    {5, 2, {1, 1, 5, 5, 17}},                      // 8
    {5, 4, {1, 1, 5, 5, 5}},                       // 9
    {5, 7, {1, 1, 7, 11, 19}},                     // 10
    {5, 11, {1, 1, 5, 1, 1}},                      // 11
    {5, 13, {1, 1, 1, 3, 11}},                     // 12
    {5, 14, {1, 3, 5, 5, 31}},                     // 13
    {6, 1, {1, 3, 3, 9, 7, 49}},                   // 14
    {6, 13, {1, 1, 1, 15, 21, 21}},                // 15
    {6, 16, {1, 3, 1, 13, 27, 49}},                // 16
    {6, 19, {1, 1, 1, 15, 7, 5}},                  // 17
    {6, 22, {1, 3, 1, 15, 13, 25}},                // 18
    {6, 25, {1, 1, 5, 5, 19, 61}},                 // 19
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},            // 20
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},             // 21
    {7, 7, {1, 1, 3, 13, 7, 35, 63}},              // 22
    {7, 8, {1, 3, 5, 9, 1, 25, 53}},               // 23
    {7, 14, {1, 3, 1, 13, 9, 35, 107}},            // 24
    {7, 19, {1, 3, 1, 5, 27, 61, 31}},             // 25
    {7, 21, {1, 1, 5, 11, 19, 41, 61}},            // 26
    {7, 28, {1, 3, 5, 3, 3, 13, 69}},              // 27
    {7, 31, {1, 1, 7, 13, 1, 19, 1}},              // 28
    {7, 32, {1, 3, 7, 5, 13, 19, 59}},             // 29
    {7, 37, {1, 1, 3, 9, 25, 29, 41}},             // 30
    {7, 41, {1, 3, 5, 13, 23, 1, 55}},             // 31
    {7, 42, {1, 3, 7, 3, 13, 59, 17}},             // 32
    {7, 50, {1, 3, 1, 3, 5, 53, 69}},              // 33
    {7, 55, {1, 1, 5, 5, 23, 33, 13}},             // 34
    {7, 56, {1, 1, 7, 7, 1, 61, 123}},             // 35
    {7, 59, {1, 1, 7, 9, 13, 61, 49}},             // 36
    {7, 62, {1, 3, 3, 5, 3, 55, 33}},              // 37
    {8, 14, {1, 3, 1, 15, 31, 13, 49, 245}},       // 38
    {8, 21, {1, 3, 5, 15, 31, 59, 63, 97}},        // 39
    {8, 22, {1, 3, 1, 11, 11, 11, 77, 249}},       // 40
    {8, 38, {1, 3, 1, 11, 27, 43, 71, 9}},         // 41
    {8, 47, {1, 1, 7, 15, 21, 11, 81, 45}},        // 42
    {8, 49, {1, 3, 7, 3, 25, 31, 65, 79}},         // 43
    {8, 50, {1, 3, 1, 1, 19, 11, 3, 205}},         // 44
    {8, 52, {1, 1, 5, 9, 19, 21, 29, 157}},        // 45
    {8, 56, {1, 3, 7, 11, 1, 33, 89, 185}},        // 46
    {8, 67, {1, 3, 3, 3, 15, 9, 79, 71}},          // 47
    {8, 70, {1, 3, 7, 11, 15, 39, 119, 27}},       // 48
    {8, 84, {1, 1, 3, 1, 11, 31, 97, 225}},        // 49
    {8, 97, {1, 1, 1, 3, 23, 43, 57, 177}},        // 50
    {8, 103, {1, 3, 7, 7, 17, 17, 37, 71}},        // 51
    {8, 115, {1, 3, 1, 5, 27, 63, 123, 213}},      // 52
    {8, 122, {1, 1, 3, 5, 11, 43, 53, 133}},       // 53
    {9, 8, {1, 3, 5, 5, 29, 17, 47, 173, 479}},    // 54
    {9, 13, {1, 3, 3, 11, 3, 1, 109, 9, 69}},      // 55
    {9, 16, {1, 1, 1, 5, 17, 39, 23, 5, 343}},     // 56
    {9, 22, {1, 3, 1, 5, 25, 15, 31, 103, 499}},   // 57
    {9, 25, {1, 1, 1, 11, 11, 17, 63, 105, 183}},  // 58
    {9, 44, {1, 1, 5, 11, 9, 29, 97, 231, 363}},   // 59
    {9, 47, {1, 1, 5, 15, 19, 45, 41, 7, 383}},    // 60
    {9, 52, {1, 3, 7, 7, 31, 19, 83, 137, 221}},   // 61
    {9, 55, {1, 1, 1, 3, 23, 15, 111, 223, 83}},   // 62
    {9, 59, {1, 1, 5, 13, 31, 15, 55, 25, 161}},   // 63
    {9, 62, {1, 1, 3, 13, 25, 47, 39, 87, 257}},   // 64
}};

// Salt that keeps the scramble's stream apart from the trials' streams of the same seed.
constexpr std::uint64_t k_scramble_salt = 0x50b015c4a3b1eULL;

// The direction numbers v_1..v_32 of a dimension, v_j = m_j / 2^j as 32-bit fractions, by the
// recurrence of Bratley and Fox over the primitive polynomial.
std::array<std::uint32_t, 32> directions_of(const Primitive& primitive) {
    std::array<std::uint32_t, 32> v{};
    const std::uint32_t s = primitive.degree;
    for (std::uint32_t j = 0; j < 32; ++j) {
        if (j < s) {
            v[j] = primitive.initial[j] << (31 - j);
            continue;
        }
        std::uint32_t x = v[j - s] ^ (v[j - s] >> s);
        for (std::uint32_t k = 1; k < s; ++k) {
            if (((primitive.inner >> (s - 1 - k)) & 1U) != 0) {
                x ^= v[j - k];
            }
        }
        v[j] = x;
    }
    return v;
}

std::array<std::uint32_t, 32> van_der_corput() {
    std::array<std::uint32_t, 32> v{};
    for (std::uint32_t j = 0; j < 32; ++j) {
        v[j] = 1U << (31 - j);
    }
    return v;
}

// Multiplies every direction number by a random lower-triangular binary matrix with a unit
// diagonal: output digit r (r = 0 the most significant) is the parity of the input digits
// 0..r that row r keeps. Invertible, so the scrambled points are a net as the plain ones are.
void scramble(std::array<std::uint32_t, 32>& directions, Stream& stream) {
    std::array<std::uint32_t, 32> rows{};
    for (std::uint32_t r = 0; r < 32; ++r) {
        const std::uint32_t above = r == 0 ? 0U : ~0U << (32 - r);
        rows[r] = (1U << (31 - r)) | (static_cast<std::uint32_t>(stream.bits() >> 32) & above);
    }
    for (std::uint32_t& v : directions) {
        std::uint32_t scrambled = 0;
        for (std::uint32_t r = 0; r < 32; ++r) {
            scrambled |= static_cast<std::uint32_t>(std::popcount(rows[r] & v) & 1) << (31 - r);
        }
        v = scrambled;
    }
}

}  // namespace

Sobol::Sobol(std::size_t dimensions, std::optional<std::uint64_t> seed) {
    dimensions = std::min(dimensions, k_dimensions);
    m_directions.reserve(dimensions);
    m_shifts.assign(dimensions, 0);
    for (std::size_t d = 0; d < dimensions; ++d) {
        m_directions.push_back(d == 0 ? van_der_corput() : directions_of(k_joe_kuo[d - 1]));
        if (seed) {
            Stream stream(mix(mix(*seed, k_scramble_salt), d));
            scramble(m_directions.back(), stream);
            m_shifts[d] = static_cast<std::uint32_t>(stream.bits() >> 32);
        }
    }
}

std::uint32_t Sobol::bits(std::uint64_t index, std::size_t dimension) const {
    const auto& v = m_directions[dimension];
    std::uint32_t x = m_shifts[dimension];
    for (std::size_t j = 0; j < 32 && index != 0; ++j, index >>= 1) {
        if ((index & 1U) != 0) {
            x ^= v[j];
        }
    }
    return x;
}

double Sobol::at(std::uint64_t index, std::size_t dimension) const {
    return (static_cast<double>(bits(index, dimension)) + 0.5) * 0x1p-32;
}

}  // namespace ferry::sweep::detail
