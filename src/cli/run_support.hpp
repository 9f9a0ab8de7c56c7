#pragma once

// What the run and compute verbs share: the open workspace with lost runs reaped, the clock
// as stamps, Ctrl-C, and following a run on the terminal.
#include <optional>
#include <string>

#include "ferry/core/context.hpp"
#include "ferry/core/error.hpp"
#include "ferry/run/follow.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/workspace.hpp"

namespace ferry::cli {

// The chosen workspace, after ending the runs whose supervisor died.
[[nodiscard]] Result<store::Workspace> open_run_workspace(Context& ctx);
[[nodiscard]] run::Stamp stamp(const Context& ctx);
[[nodiscard]] std::function<run::Stamp()> clock_of(const Context& ctx);

// Catches Ctrl-C while it lives, so following can stop and say the run goes on.
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;
    [[nodiscard]] static bool interrupted();
};

// An error that carries only an exit status: what had to be said was said.
[[nodiscard]] Error exit_status(int code);

// Follows the run to its end: with its log on stdout (headers, status changes and the
// summary on stderr) when `stream`, silently otherwise. `rank` picks the log of a
// distributed run: "" rank 0, "N" rank N, "all" every rank. Returns the exit status of the
// waiting commands as an error unless it is 0.
[[nodiscard]] Result<void> follow_run(Context& ctx, store::Workspace& workspace,
                                      const std::string& name, bool stream,
                                      std::optional<std::size_t> tail,
                                      const std::string& rank = {});

// Tells a run's supervisor to look at its record now (a cancel).
void poke_supervisor(const run::RunRecord& run, int signal);

}  // namespace ferry::cli
