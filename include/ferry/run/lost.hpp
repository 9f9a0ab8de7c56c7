#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/run/seams.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/util/fd.hpp"

// Runs whose supervisor died (killed, or the machine rebooted) are noticed by the next ferry
// command that looks: marked Failed "supervisor lost", their leftover processes stopped,
// their logs and outputs so far stored.
namespace ferry::run {

// A run without a supervisor pid this long after submit never got one.
inline constexpr std::int64_t k_start_grace_ms = 30'000;
// A heartbeat older than this shows the run as NotResponding.
inline constexpr std::int64_t k_heartbeat_stale_ms = 30'000;

// How the error of a run ended as lost begins.
inline constexpr std::string_view k_supervisor_lost = "supervisor lost";

// "BOOT_ID@HOSTNAME": where a pid means something.
[[nodiscard]] std::string machine_id();

enum class Liveness { alive, lost, elsewhere };

// Whether the run's supervisor still lives, judged from this machine.
[[nodiscard]] Liveness supervisor_liveness(const RunRecord& run, std::string_view machine,
                                           std::int64_t now_ms);

// A lock on the run's directory, held while a process changes who supervises the run: one
// ending it as unsupervised, one resuming it with a new supervisor. Whoever takes it reads the run
// again before acting, so an end decided from an earlier read cannot undo a resume.
[[nodiscard]] Result<util::Fd> lock_supervision(const fs::path& run_directory);

// Whether `now` is still the incarnation of the run that `seen` was read from: not ended since,
// with the same supervisor.
[[nodiscard]] bool same_supervision(const RunRecord& seen, const RunRecord& now);

// The sources a run's artifacts are collected from.
[[nodiscard]] std::vector<struct ArtifactSource> artifact_sources(const RunRecord& run);

// Checks every unfinished run (or only `name`) and ends the lost ones: what they left running
// on this machine is stopped, their launcher abandons their job (a container, a Slurm job),
// their files are stored, and they end Failed "supervisor lost", or as their supervisor kept
// in their pending_end when it could not record it. Returns how many were lost.
[[nodiscard]] Result<int> reap_lost_runs(store::Workspace& workspace, const Seams& seams,
                                         std::string_view name = {});

}  // namespace ferry::run
