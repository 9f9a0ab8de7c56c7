#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "ferry/run/launcher.hpp"
#include "ferry/run/prepare.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

// The supervisor: one detached process per run (`ferry __supervise WORKSPACE ROOT RUN`),
// started by submit, whose stdout is the run's system log. It is the run's state machine:
// a slot (Queued), Preparing, the launcher's Starting and Running under one watch loop
// (signals, heartbeat, cancel, timeout, log sync), Finalizing, and the end. What the job
// is (processes here, a Slurm job, or, for a parent run, child runs) is the launcher's.
namespace ferry::run {

inline constexpr std::string_view k_supervise_command = "__supervise";

// The grace between SIGTERM and SIGKILL when nobody said one (a signal to the supervisor, a
// failed rank).
inline constexpr std::int64_t k_default_grace_seconds = 10;

struct SupervisorSeams {
    store::Workspace& workspace;
    Seams seams;
};

class Supervisor final : private JobEvents {
public:
    // `plan` is the run's, which preparation completes (inputs' sources) before the launch.
    Supervisor(const SupervisorSeams& seams, RunRecord run, Plan& plan, Launcher& launcher,
               Preparation& preparation);

    // Carries the run to its end and records it; false when the run could not even be
    // taken on (its supervisor not recorded).
    [[nodiscard]] bool run();

private:
    // From a slot to the job's end: how the run ends.
    [[nodiscard]] Ending carry_out();
    // Queued until a slot of the compute is free (or its scheduler's queue); false: canceled.
    [[nodiscard]] bool take_slot();
    [[nodiscard]] bool wait_for_slot();
    [[nodiscard]] std::expected<Prepared, Ending> prepare();
    [[nodiscard]] std::expected<void, Ending> launch(const Prepared& prepared);
    // The one watch loop, from the launch to the job's end.
    [[nodiscard]] Ending watch();
    // Finalizing and the end, whatever ended the run.
    void end(Ending ending);
    void beat();
    [[nodiscard]] bool cancel_requested();
    // The run was ended (or deleted) by another process: nothing is left to wait for.
    [[nodiscard]] bool ended_elsewhere();
    // A watch loop's wake-up: a terminating signal asks for a cancel, and the run's cancel
    // request is read on one, on SIGUSR1, and every 500 ms. True once a cancel is requested.
    [[nodiscard]] bool cancel_asked(int signal);

    void entered(JobPhase phase, const std::string& detail) override;
    void scheduler(const Json& record) override;
    void alive() override { beat(); }

    store::Workspace& m_workspace;
    Seams m_seams;
    RunRecord m_run;
    Plan& m_plan;
    Launcher& m_launcher;
    Preparation& m_preparation;
    Clock::Instant m_last_beat{};
    Clock::Instant m_last_check{};
    std::optional<Clock::Instant> m_deadline;  // set once the job runs (limits.timeout)
    std::int64_t m_grace = k_default_grace_seconds;
};

// `ferry __supervise`: the composition root of a run's supervisor. It reads the process
// (its environment, euid, pid, this machine), opens the workspace, builds the launcher of
// the run's compute and carries the run to its end. Whatever goes wrong, the run ends
// recorded (Failed, with the error) rather than lost. Returns the supervisor's own exit
// status (0 when it recorded an end, whatever the job did).
[[nodiscard]] int supervise(const std::string& workspace_name,
                            const std::filesystem::path& workspace_root,
                            const std::string& run_name, const Environment& environment);

// Runs `body` (a supervisor's work) so that nothing escapes it: an error or an exception ends
// the run Failed (exit 125 for those who wait) with the error recorded, rather than leaving it
// to be found lost later. Returns the supervisor's exit status.
[[nodiscard]] int run_guarded(store::Workspace& workspace, const std::string& run_name,
                              const Seams& seams, const std::function<Result<int>()>& body);

}  // namespace ferry::run
