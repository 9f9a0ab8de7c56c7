#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/run/record.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/track/store.hpp"

// Runs as records for people and scripts.
namespace ferry::run {

// The status to show: NotResponding when a running run's heartbeat is stale.
[[nodiscard]] Status shown_status(const RunSummary& run, std::int64_t now_ms);
// From start to end (else now); nullopt for a run that never started.
[[nodiscard]] std::optional<std::int64_t> duration_ms(const RunSummary& run, std::int64_t now_ms);
// "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min".
[[nodiscard]] std::string human_duration(std::int64_t ms);

// The fields of `run list`.
[[nodiscard]] Json run_summary(const RunSummary& run, std::int64_t now_ms);
// Everything `run show` tells.
// What a run tracked, as run show has it: {"params": {K: V}, "tags": {K: V}, "metrics": {K:
// {"last", "step", "min", "max", "count"}}}.
[[nodiscard]] Json tracked_details(const track::RunData& data);

[[nodiscard]] Json run_details(const RunRecord& run, const std::vector<Event>& events,
                               const std::vector<snapshot::ManifestEntry>& artifacts,
                               std::int64_t now_ms);

}  // namespace ferry::run
