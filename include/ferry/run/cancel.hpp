#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::run {

// Asks a run to stop: records the request (CancelRequested, with the grace between SIGTERM
// and SIGKILL) and wakes its supervisor (SIGUSR1) when it lives on this machine. Returns the
// status the run had; an ended run is left as it was.
[[nodiscard]] Result<Status> request_stop(store::Database& db, const RunRecord& run,
                                          std::int64_t grace_seconds, const Seams& seams);

// Stops every unfinished run of the compute (a grace of 10 s) and waits for their ends;
// `stopping` is told the name of each run as its stop is asked.
[[nodiscard]] Result<void> stop_compute_runs(
    store::Workspace& workspace, std::string_view compute, const Seams& seams,
    const std::function<void(const std::string&)>& stopping);

}  // namespace ferry::run
