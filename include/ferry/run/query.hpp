#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/run/record.hpp"
#include "ferry/store/workspace.hpp"
#include "ferry/track/search.hpp"
#include "ferry/track/store.hpp"

// The records of `run list` and `run show`, from the words a user gives: one code path for the
// CLI's `-o json` and `ferry ui`'s API.
namespace ferry::run {

// What `run list` is asked, in its options' words.
struct ListQuery {
    std::string experiment;
    std::string status;
    std::optional<std::int64_t> max_results;  // k_default_max_results when not given
    bool all = false;
    std::vector<std::string> tags;  // KEY=VALUE or KEY
    std::string filter;             // MLflow's search filter
    std::string order_by;
    std::string columns;  // metrics.KEY,params.KEY,tags.KEY
    bool children = false;
    std::string parent;
    bool archived = false;  // --include-archived
};

inline constexpr std::int64_t k_default_max_results = 50;

struct ListedRuns {
    Json records;                            // run_summary's, with the asked columns
    std::int64_t total = 0;                  // how many matched, before the limit
    std::vector<track::Identifier> columns;  // the tracked columns asked
    bool ordered = false;                    // an --order-by was given
};

// --status: nullopt when not given; an unknown status is a usage error.
[[nodiscard]] Result<std::optional<Status>> status_option(const std::string& given);

// The runs the query names, as records; its errors name the option ("--filter: at column 7:
// ..."), exit 2.
[[nodiscard]] Result<ListedRuns> list_records(store::Workspace& workspace, const ListQuery& query,
                                              std::int64_t now_ms);

// Everything `run show` tells of a run: run_details with its models, what it tracked, a failed
// run's last lines of its failing log, a sweep's trials, a pipeline's steps.
[[nodiscard]] Result<Json> show_record(store::Workspace& workspace, const RunRecord& run,
                                       std::int64_t now_ms);

// The runs with a status event after event `after` (0: any), each once, in the order of their
// first such event, and the number of the newest event: what a page that shows runs live asks
// a few times a second.
struct RunChanges {
    std::int64_t last = 0;
    std::vector<std::string> runs;
};
[[nodiscard]] Result<RunChanges> runs_changed_after(store::Database& db, std::int64_t after);
// What `run metrics -o json` tells: {"run", "metrics": {KEY: {"last", "step", "min", "max",
// "count", "history": [{"step", "value", "timestamp"}]}}} of the keys given (each one the run
// logged).
[[nodiscard]] Result<Json> metrics_record(store::Database& db, const RunRecord& run,
                                          const track::RunData& data,
                                          const std::vector<std::string>& keys);
[[nodiscard]] Json point_json(const track::Point& point);

// The log of the rank whose failure ended the run (the error names it), else rank 0's or the
// only one: relative to the run directory.
[[nodiscard]] std::filesystem::path failing_log(const RunRecord& run);

// The last `count` lines of a log (at most its last 16 KiB); "" when it cannot be read.
[[nodiscard]] std::string log_tail(const std::filesystem::path& path, std::size_t count);

}  // namespace ferry::run
