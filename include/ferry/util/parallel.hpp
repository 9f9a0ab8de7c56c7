#pragma once

#include <cstddef>
#include <functional>

#include "ferry/core/error.hpp"

namespace ferry::util {

// Runs work(i) for every i below `count` on all cores; the first error stops the others
// from taking new items and is returned.
[[nodiscard]] Result<void> parallel_for(std::size_t count,
                                        const std::function<Result<void>(std::size_t)>& work);

}  // namespace ferry::util
