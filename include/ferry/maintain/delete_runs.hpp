#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/workspace.hpp"

// `run delete`: ended runs go, their record and their directory; their blobs stay until
// `workspace gc` finds that no record names them.
namespace ferry::maintain {

struct RunSelection {
    std::vector<std::string> names;               // these runs; else every ended run that
    std::optional<std::int64_t> ended_before_ms;  // ended before this time
    std::optional<run::Status> status;            // and has this status
};

// The runs the selection names; refuses a run that does not exist or has not ended, naming it,
// before anything is deleted.
[[nodiscard]] Result<std::vector<run::RunRecord>> select_runs(store::Database& db,
                                                              const RunSelection& selection,
                                                              std::string_view workspace);

// Deletes the run's record (while it is still ended) and then its directory.
[[nodiscard]] Result<void> delete_run(store::Workspace& workspace, const run::RunRecord& run);

// Removes a file or a tree, read-only folders too.
[[nodiscard]] Result<void> remove_tree(const std::filesystem::path& path);

}  // namespace ferry::maintain
