#pragma once

#include <vector>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/snapshot/walk.hpp"

namespace ferry::snapshot {

// The directories no snapshot takes: FERRY_HOME and every registered workspace's directory
// (read from the registry without changing it). None when no FERRY_HOME can be found.
[[nodiscard]] Result<std::vector<FerryDirectory>> ferry_directories(const Environment& env);

}  // namespace ferry::snapshot
