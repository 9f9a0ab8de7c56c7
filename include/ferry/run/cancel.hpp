#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::run {

// How long a cancel waits for the run's supervisor, after the grace, before it stops the job
// itself.
inline constexpr std::int64_t k_default_cancel_timeout_seconds = 30;

// Asks a run to stop: records the request (CancelRequested, with the grace between SIGTERM
// and SIGKILL) and wakes its supervisor (SIGUSR1) when it lives on this machine. Returns the
// status the run had; an ended run is left as it was.
[[nodiscard]] Result<Status> request_stop(store::Database& db, const RunRecord& run,
                                          std::int64_t grace_seconds, const Seams& seams);

// Ends a run that its supervisor will not end (gone, or not answering): what the run runs on
// this machine (its supervisor excepted) gets SIGTERM and, after `grace`, SIGKILL; its
// launcher abandons the job (a container, a Slurm job); its files are stored; it ends as
// `ending` says unless it has ended meanwhile. Returns how many processes were signalled and
// whether this call ended the run.
struct Unsupervised {
    std::size_t signalled = 0;
    bool ended = false;
};
[[nodiscard]] Result<Unsupervised> end_unsupervised(store::Workspace& workspace,
                                                    const RunRecord& run, Ending ending,
                                                    std::chrono::milliseconds grace,
                                                    const Seams& seams);

struct CancelWait {
    std::int64_t grace_seconds = 10;
    std::int64_t timeout_seconds = k_default_cancel_timeout_seconds;
    std::function<bool()> interrupted;  // Ctrl-C: stop waiting, the cancel goes on
    // When ferry acts itself; default: grace + timeout from the start of the wait. Stopping
    // several runs gives them one deadline, so that they are not waited for one after another.
    std::optional<Clock::Instant> deadline;
};

// How an asked-for stop ended.
struct CancelOutcome {
    RunRecord run;  // as it ended
    // The supervisor did not end the run within grace + timeout: ferry stopped the job itself.
    std::optional<Unsupervised> forced;
};

// Waits for the end of a run whose stop was asked (request_stop). When its supervisor lives
// on this machine but has not ended the run within grace + timeout seconds (stopped, hung),
// the run is ended Canceled without it (end_unsupervised). nullopt when interrupted.
[[nodiscard]] Result<std::optional<CancelOutcome>> await_cancel(store::Workspace& workspace,
                                                                const RunRecord& run,
                                                                const CancelWait& wait,
                                                                const Seams& seams);

// Stops every unfinished run that `which` selects (a grace of 10 s) and waits for their ends
// as await_cancel does; `stopping` is told the name of each run as its stop is asked. Returns
// how each ended, in the order asked.
[[nodiscard]] Result<std::vector<CancelOutcome>> stop_runs(
    store::Workspace& workspace, const std::function<bool(const RunRecord&)>& which,
    const Seams& seams, const std::function<void(const std::string&)>& stopping);

// stop_runs of every unfinished run of the compute.
[[nodiscard]] Result<void> stop_compute_runs(
    store::Workspace& workspace, std::string_view compute, const Seams& seams,
    const std::function<void(const std::string&)>& stopping);

// How many runs have not ended: active ones (Preparing to CancelRequested) and those waiting
// (NotStarted, Queued).
struct UnfinishedCount {
    std::int64_t active = 0;
    std::int64_t queued = 0;
};
[[nodiscard]] Result<UnfinishedCount> count_unfinished(store::Database& db);

}  // namespace ferry::run
