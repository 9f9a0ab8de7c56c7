#pragma once

#include <filesystem>
#include <optional>

#include "ferry/run/record.hpp"

namespace ferry::run {

// An end its supervisor could not record (a full disk, an unwritable database) is kept in
// RUN_DIR/pending_end, whose space is reserved when the supervisor starts, so that the ferry
// that finds the run lost records it instead of "supervisor lost".
[[nodiscard]] fs::path pending_end_path(const fs::path& run_directory);
// Reserves the file's space; false when it cannot (the end is then lost with the disk).
bool reserve_pending_end(const fs::path& run_directory);
// Writes the end into the reserved space (no new blocks needed); false when it cannot.
bool keep_pending_end(const fs::path& run_directory, const Ending& ending);
// The end kept there, if any.
[[nodiscard]] std::optional<Ending> read_pending_end(const fs::path& run_directory);

}  // namespace ferry::run
