#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"
#include "ferry/store/database.hpp"
#include "ferry/track/search.hpp"
#include "ferry/track/store.hpp"

// The runs a tracking endpoint answers for, as MLflow sees them: the job's own run and the
// nested runs its client creates (children of that run, which live until their client ends
// them or their parent ends), the datasets a client logs as a run's inputs, and the searches
// of runs/search and experiments/search.
namespace ferry::track {

struct RunInfo {
    std::string name;
    std::string display_name;
    std::string experiment;
    std::string status;  // ferry's
    std::string parent;  // empty: not nested
    std::string user;
    std::optional<std::int64_t> start_ms;
    std::optional<std::int64_t> end_ms;
};

[[nodiscard]] Result<std::optional<RunInfo>> find_run_info(store::Database& db,
                                                           std::string_view run);

struct NestedRun {
    std::string parent;
    std::string display_name;  // empty: the name it gets
    std::int64_t start_ms = 0;
    std::vector<std::pair<std::string, std::string>> tags;
};

// Records a nested run (Running) of a parent that has not ended, named PARENT_N (N counting
// its children from 1); its tags are mlflow.parentRunId and mlflow.runName unless its own
// tags say otherwise, then its own. The name, or why not.
[[nodiscard]] Result<std::variant<std::string, Refused>> create_nested(store::Database& db,
                                                                       const NestedRun& run);
// Ends a nested run that has not ended with `status` (Completed, Failed or Canceled).
[[nodiscard]] Result<std::optional<Refused>> end_nested(store::Database& db, std::string_view run,
                                                        std::string_view status,
                                                        std::int64_t end_ms);
// Removes a nested run and what it tracked (MLflow's runs/delete; ferry keeps no deleted runs).
[[nodiscard]] Result<std::optional<Refused>> delete_nested(store::Database& db,
                                                           std::string_view run);

// runs/log-inputs: each dataset (MLflow's Dataset object) with its input tags, recorded.
[[nodiscard]] Result<std::optional<Refused>> log_inputs(
    store::Database& db, std::string_view run,
    const std::vector<std::pair<nlohmann::json, nlohmann::json>>& inputs);
// What log_inputs recorded, as runs/get's `inputs.dataset_inputs`.
[[nodiscard]] Result<nlohmann::json> dataset_inputs(store::Database& db, std::string_view run);

// The experiments of the workspace (a ferry experiment's name is its MLflow id), by name.
[[nodiscard]] Result<std::vector<std::string>> experiment_names(store::Database& db);

// runs/search: the names of the runs of `experiments` that match, in order, at most `limit`
// from `offset`.
struct RunSearch {
    std::vector<std::string> experiments;
    Filter filter;
    Order order;
    std::int64_t limit = 1000;
    std::int64_t offset = 0;
};
[[nodiscard]] Result<std::vector<std::string>> search_runs(store::Database& db,
                                                           const RunSearch& search);

}  // namespace ferry::track
