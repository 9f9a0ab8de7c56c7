#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

// Sobol points, plain or scrambled, by index: point i is computed from i alone, so a sweep
// that resumes at trial i needs none of the points before it.
namespace ferry::sweep::detail {

class Sobol {
public:
    // The dimensions the direction numbers cover: Joe and Kuo's new-joe-kuo-6.21201, the
    // first 63 rows, after the first dimension (van der Corput's).
    static constexpr std::size_t k_dimensions = 64;

    // The first min(dimensions, k_dimensions) coordinates; scrambled by a random linear
    // matrix scramble and a digital shift drawn from `seed` (Matousek), or plain where seed is
    // nullopt. Either way the first 2^k points of any two dimensions stratify as Sobol's do.
    Sobol(std::size_t dimensions, std::optional<std::uint64_t> seed);

    [[nodiscard]] std::size_t dimensions() const { return m_directions.size(); }
    // The 32 bits of coordinate `dimension` of point `index` (in natural order, index modulo
    // 2^32): plain, the first point is all zeros and point 1 is 0x80000000 in every dimension.
    [[nodiscard]] std::uint32_t bits(std::uint64_t index, std::size_t dimension) const;
    // The same in the open interval (0, 1): the middle of the bits' cell of width 2^-32.
    [[nodiscard]] double at(std::uint64_t index, std::size_t dimension) const;

private:
    std::vector<std::array<std::uint32_t, 32>> m_directions;  // per dimension, per bit of i
    std::vector<std::uint32_t> m_shifts;                      // per dimension
};

}  // namespace ferry::sweep::detail
