#pragma once

#include <filesystem>

#include "ferry/core/error.hpp"
#include "ferry/util/fd.hpp"

namespace ferry::util {

// Waits for an advisory lock (flock) on `path`, a file made if missing, or a directory: exclusive,
// or shared with other shared holders. Closing the returned descriptor releases it.
enum class LockKind { shared, exclusive };
[[nodiscard]] Result<Fd> lock_file(const std::filesystem::path& path, LockKind kind);

}  // namespace ferry::util
