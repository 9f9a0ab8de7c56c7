#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ferry/spec/job.hpp"

// The early termination policies of a sweep job (`early_termination:`), as Azure ML documents
// them in "Hyperparameter tuning a model (v2)" (learn.microsoft.com, how-to-tune-hyperparameters,
// "Specify early termination policy") and in the SDK references of BanditPolicy,
// MedianStoppingPolicy and TruncationSelectionPolicy (azure-ai-ml and azureml-train-core).
//
// When a policy applies (documented):
// - Each report of the primary metric by a trial counts as one interval, so report k (1-based)
//   is interval k.
// - A trial is evaluated at report k when k is a multiple of evaluation_interval and
//   k >= delay_evaluation ("the policy applies every multiple of evaluation_interval that is
//   greater than or equal to delay_evaluation"); an evaluation_interval under 1 counts as 1.
// - Trial T at report k is compared with the trials that reached report k, T included, using
//   their reports 1..k only ("its performance is only compared with the performance of other
//   runs up to interval N even if they reported metrics for intervals greater than N").
//
// bandit (documented for maximize): T stops when its best value over reports 1..k is worse
// than the threshold made from the best value reported at report k by any trial:
// - slack_factor, maximize: best / (1 + slack_factor) ("0.8/(1+slack_factor)"; the SDK's
//   "compares the value (Y + Y * 0.2) to 0.8, and if smaller, cancels the run").
// - slack_amount, maximize: best - slack_amount ("an AUC less than 0.6 (0.8 - 0.2)").
// - Not documented: minimize mirrors them, best * (1 + slack_factor) and best + slack_amount;
//   with a negative best the factor is applied the other way round (best * (1 + slack_factor)
//   for maximize, best / (1 + slack_factor) for minimize) so the threshold stays on the
//   lenient side of the best and the best trial is never its own victim. A negative slack
//   counts as 0.
//
// median_stopping (documented): T stops at report k when its best value over reports 1..k is
// worse than the median of the running averages over reports 1..k of the trials that reached
// k ("canceled at interval N if its best primary metric reported up to interval N is worse
// than the median of the running averages for intervals 1:N across all runs"). The median of
// an even count is the mean of the middle two.
//
// truncation_selection: T stops at report k when its value at report k is among the lowest
// truncation_percentage % of the values at report k ("a job terminates at interval 5 if its
// performance at interval 5 is in the lowest 20% of performance of all jobs at interval 5").
// Not documented, chosen here:
// - The count cut is floor(n * truncation_percentage / 100) of the n trials that reached k,
//   so fewer than 100 / truncation_percentage trials at a report stop nobody (25% of 4 or of
//   5 trials: 1; of 3: none).
// - T is among the lowest when at least n - cut trials are strictly better; ties at the edge
//   are kept.
// - Ended trials count: exclude_finished_jobs is false in azureml-train-core's
//   TruncationSelectionPolicy, and ferry's spec has no such key.
//
// Common to all three (ferry's choices):
// - "Worse" is strict: below for maximize, above for minimize.
// - A trial is never stopped when no other trial reached the same report (nothing to compare).
// - NaN and infinite values still count as reports (intervals) but take part in no
//   comparison, average or best; a trial with no finite value to judge is not stopped then.
// - Only live trials are stopped; ended ones count in every comparison.
// - Each evaluation point of a trial is applied once, in order, even when the trial reported
//   several times between two calls; the first point that stops it ends its evaluation.
// - A `type` other than the three never stops a trial.
namespace ferry::sweep {

// One trial's reports of the primary metric, in order: report k (1-based) is values[k-1]. The
// supervisor reads them from the metric's points ordered by step, then time.
struct TrialReports {
    std::string trial;  // the trial run's name
    std::vector<double> values;
    bool live = false;  // still running: only live trials are terminated
};

// A trial the policy stops, and why: the words after "early termination: ", e.g. "bandit: best
// primary metric 0.52 through report 3 is below 0.727273 (best 0.8 / (1 + slack_factor 0.1))".
struct Termination {
    std::string trial;
    std::string reason;
};

// Applies a sweep's early termination policy as trials report, remembering which reports of
// each trial it has evaluated and which trials it has stopped.
class TerminationPolicy {
public:
    TerminationPolicy(spec::SweepJob::EarlyTermination policy, bool maximize);

    // The live trials to stop now, given every trial's reports so far (ended trials included:
    // they count in the comparisons). A trial once returned is not returned again.
    [[nodiscard]] std::vector<Termination> evaluate(std::span<const TrialReports> trials);

    // Whether the policy applies at report `report` (1-based) of a trial.
    [[nodiscard]] bool evaluates_at(std::size_t report) const;

private:
    enum class Kind { bandit, median_stopping, truncation_selection, none };

    struct Progress {
        std::size_t evaluated = 0;  // reports 1..evaluated have been considered
        bool terminated = false;
    };

    // Why `trial` stops at report `report`, or nullopt when it goes on.
    [[nodiscard]] std::optional<std::string> judge(const TrialReports& trial, std::size_t report,
                                                   std::span<const TrialReports> trials) const;
    [[nodiscard]] std::optional<std::string> bandit(const TrialReports& trial, std::size_t report,
                                                    std::span<const TrialReports> trials) const;
    [[nodiscard]] std::optional<std::string> median_stopping(
        const TrialReports& trial, std::size_t report, std::span<const TrialReports> trials) const;
    [[nodiscard]] std::optional<std::string> truncation_selection(
        const TrialReports& trial, std::size_t report, std::span<const TrialReports> trials) const;

    spec::SweepJob::EarlyTermination m_policy;
    Kind m_kind;
    bool m_maximize;
    std::unordered_map<std::string, Progress> m_progress;
};

}  // namespace ferry::sweep
