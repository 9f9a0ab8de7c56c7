#pragma once

#include <string>

#include "ferry/core/runner.hpp"
#include "ferry/run/launcher.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"

// Preparing: what a run's work needs before its launcher starts it.
namespace ferry::run {

// What Preparing made: where the job's environment lives.
struct Prepared {
    std::string environment_location;  // a venv, conda prefix or image; empty: the host
    std::string engine;                // docker or podman, for a job in a container
};

class Preparation {
public:
    virtual ~Preparation() = default;
    // Makes the run ready to start; `keep_going` is asked while it waits (a build, a lock)
    // and false stops it: the error then has ExitCode::canceled. Other errors say what failed.
    [[nodiscard]] virtual Result<Prepared> prepare(const KeepGoing& keep_going) = 0;
};

// A command job's preparation: its snapshot in wd/, the outputs/, logs/ and named outputs
// directories, its inputs (copies, or mount points where the launcher mounts them; a
// registered dataset or model is first written once to cache/content/ID), then its
// environment (a cache hit, or a build whose output goes to
// system_logs/environment_build.txt). The plan's inputs learn where their files are.
class JobPreparation final : public Preparation {
public:
    JobPreparation(store::Workspace& workspace, const RunRecord& run, Plan& plan,
                   const LauncherTraits& traits, const Seams& seams)
        : m_workspace(workspace), m_run(run), m_plan(plan), m_traits(traits), m_seams(seams) {}

    [[nodiscard]] Result<Prepared> prepare(const KeepGoing& keep_going) override;

private:
    [[nodiscard]] Result<void> make_directories();
    [[nodiscard]] Result<void> stored_inputs();
    [[nodiscard]] Result<void> stored_input(InputPlan& input);
    [[nodiscard]] Result<void> place_input(const InputPlan& input, bool container);
    [[nodiscard]] Result<Prepared> environment(const KeepGoing& keep_going);

    store::Workspace& m_workspace;
    const RunRecord& m_run;
    Plan& m_plan;
    const LauncherTraits& m_traits;
    Seams m_seams;
};

}  // namespace ferry::run
