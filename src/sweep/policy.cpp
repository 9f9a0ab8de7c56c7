#include "ferry/sweep/policy.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace ferry::sweep {

namespace {

// Whether `value` is worse than `than` for the sweep's goal.
bool worse(bool maximize, double value, double than) {
    return maximize ? value < than : value > than;
}

std::string_view worse_word(bool maximize) {
    return maximize ? "below" : "above";
}

// The finite values of reports 1..report of `trial`.
std::vector<double> finite_through(const TrialReports& trial, std::size_t report) {
    std::vector<double> values;
    for (std::size_t index = 0; index < report && index < trial.values.size(); ++index) {
        if (std::isfinite(trial.values[index])) {
            values.push_back(trial.values[index]);
        }
    }
    return values;
}

// The best finite value of reports 1..report of `trial`; nullopt when there is none.
std::optional<double> best_through(const TrialReports& trial, std::size_t report, bool maximize) {
    const std::vector<double> values = finite_through(trial, report);
    if (values.empty()) {
        return std::nullopt;
    }
    return maximize ? std::ranges::max(values) : std::ranges::min(values);
}

// The mean of the finite values of reports 1..report of `trial`; nullopt when there is none.
std::optional<double> running_average(const TrialReports& trial, std::size_t report) {
    const std::vector<double> values = finite_through(trial, report);
    if (values.empty()) {
        return std::nullopt;
    }
    double sum = 0;
    for (const double value : values) {
        sum += value;
    }
    return sum / static_cast<double>(values.size());
}

// The finite value of report `report` of `trial`; nullopt when it did not reach it.
std::optional<double> value_at(const TrialReports& trial, std::size_t report) {
    if (report == 0 || trial.values.size() < report || !std::isfinite(trial.values[report - 1])) {
        return std::nullopt;
    }
    return trial.values[report - 1];
}

// The finite values of report `report` of every trial that reached it.
std::vector<double> values_at(std::span<const TrialReports> trials, std::size_t report) {
    std::vector<double> values;
    for (const TrialReports& trial : trials) {
        if (const auto value = value_at(trial, report)) {
            values.push_back(*value);
        }
    }
    return values;
}

// The number of trials that reached report `report`, whatever they reported there.
std::size_t reached(std::span<const TrialReports> trials, std::size_t report) {
    return static_cast<std::size_t>(std::ranges::count_if(
        trials, [report](const TrialReports& trial) { return trial.values.size() >= report; }));
}

// The median of non-empty `values`; the mean of the middle two for an even count.
double median(std::vector<double> values) {
    std::ranges::sort(values);
    const std::size_t middle = values.size() / 2;
    if (values.size() % 2 == 1) {
        return values[middle];
    }
    return (values[middle - 1] + values[middle]) / 2;
}

// The bandit threshold from the best value at a report, and how it was made.
std::pair<double, std::string> bandit_threshold(const spec::SweepJob::EarlyTermination& policy,
                                                bool maximize, double best) {
    if (policy.slack_amount) {
        const double amount = std::max(0.0, *policy.slack_amount);
        return {maximize ? best - amount : best + amount,
                fmt::format("best {:g} {} slack_amount {:g}", best, maximize ? '-' : '+', amount)};
    }
    const double slack = std::max(0.0, policy.slack_factor.value_or(0));
    const bool divide = maximize == (best >= 0);
    return {divide ? best / (1 + slack) : best * (1 + slack),
            fmt::format("best {:g} {} (1 + slack_factor {:g})", best, divide ? '/' : '*', slack)};
}

}  // namespace

TerminationPolicy::TerminationPolicy(spec::SweepJob::EarlyTermination policy, bool maximize)
    : m_policy(std::move(policy)), m_kind(Kind::none), m_maximize(maximize) {
    if (m_policy.type == "bandit") {
        m_kind = Kind::bandit;
    } else if (m_policy.type == "median_stopping") {
        m_kind = Kind::median_stopping;
    } else if (m_policy.type == "truncation_selection") {
        m_kind = Kind::truncation_selection;
    }
}

bool TerminationPolicy::evaluates_at(std::size_t report) const {
    const auto interval =
        static_cast<std::size_t>(std::max<std::int64_t>(1, m_policy.evaluation_interval));
    const std::int64_t delay = std::max<std::int64_t>(0, m_policy.delay_evaluation);
    return report >= 1 && report >= static_cast<std::size_t>(delay) && report % interval == 0;
}

std::vector<Termination> TerminationPolicy::evaluate(std::span<const TrialReports> trials) {
    std::vector<Termination> stopped;
    if (m_kind == Kind::none) {
        return stopped;
    }
    for (const TrialReports& trial : trials) {
        if (!trial.live) {
            continue;
        }
        Progress& progress = m_progress[trial.trial];
        while (!progress.terminated && progress.evaluated < trial.values.size()) {
            const std::size_t report = ++progress.evaluated;
            if (!evaluates_at(report)) {
                continue;
            }
            if (auto reason = judge(trial, report, trials)) {
                progress.terminated = true;
                stopped.push_back({trial.trial, std::move(*reason)});
            }
        }
    }
    return stopped;
}

std::optional<std::string> TerminationPolicy::judge(const TrialReports& trial, std::size_t report,
                                                    std::span<const TrialReports> trials) const {
    if (reached(trials, report) < 2) {
        return std::nullopt;
    }
    switch (m_kind) {
        case Kind::bandit:
            return bandit(trial, report, trials);
        case Kind::median_stopping:
            return median_stopping(trial, report, trials);
        case Kind::truncation_selection:
            return truncation_selection(trial, report, trials);
        case Kind::none:
            break;
    }
    return std::nullopt;
}

std::optional<std::string> TerminationPolicy::bandit(const TrialReports& trial, std::size_t report,
                                                     std::span<const TrialReports> trials) const {
    const std::optional<double> own = best_through(trial, report, m_maximize);
    const std::vector<double> at_report = values_at(trials, report);
    if (!own || at_report.empty()) {
        return std::nullopt;
    }
    const double best = m_maximize ? std::ranges::max(at_report) : std::ranges::min(at_report);
    const auto [threshold, how] = bandit_threshold(m_policy, m_maximize, best);
    if (!worse(m_maximize, *own, threshold)) {
        return std::nullopt;
    }
    return fmt::format("bandit: best primary metric {:g} through report {} is {} {:g} ({})", *own,
                       report, worse_word(m_maximize), threshold, how);
}

std::optional<std::string> TerminationPolicy::median_stopping(
    const TrialReports& trial, std::size_t report, std::span<const TrialReports> trials) const {
    const std::optional<double> own = best_through(trial, report, m_maximize);
    std::vector<double> averages;
    for (const TrialReports& other : trials) {
        if (other.values.size() >= report) {
            if (const auto average = running_average(other, report)) {
                averages.push_back(*average);
            }
        }
    }
    if (!own || averages.size() < 2) {
        return std::nullopt;
    }
    const std::size_t count = averages.size();
    const double middle = median(std::move(averages));
    if (!worse(m_maximize, *own, middle)) {
        return std::nullopt;
    }
    return fmt::format(
        "median_stopping: best primary metric {:g} through report {} is {} {:g}, the median of "
        "the running averages of {} trials",
        *own, report, worse_word(m_maximize), middle, count);
}

std::optional<std::string> TerminationPolicy::truncation_selection(
    const TrialReports& trial, std::size_t report, std::span<const TrialReports> trials) const {
    const std::optional<double> own = value_at(trial, report);
    const std::vector<double> at_report = values_at(trials, report);
    const auto percentage =
        static_cast<std::size_t>(std::clamp<std::int64_t>(m_policy.truncation_percentage, 0, 100));
    const std::size_t count = at_report.size();
    const std::size_t cut = count * percentage / 100;
    if (!own || cut == 0) {
        return std::nullopt;
    }
    const auto better = static_cast<std::size_t>(std::ranges::count_if(
        at_report, [&](double value) { return worse(m_maximize, *own, value); }));
    if (better < count - cut) {
        return std::nullopt;
    }
    return fmt::format(
        "truncation_selection: primary metric {:g} at report {} is in the worst {}% ({} of {} "
        "trials)",
        *own, report, percentage, cut, count);
}

}  // namespace ferry::sweep
