// A sweep's supervisor: the run's state machine with a launcher whose job is the trials. Each
// poll reads the trials from the database, stops those the early termination policy picks,
// and submits new ones while the limits allow; the sweep ends when none is left to start or
// wait for. Its events (trials submitted, reporting, terminated, ended) go to the sweep's
// user_logs/std_log.txt, which `run stream SWEEP` shows.
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "ferry/run/sweep.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/sweep/policy.hpp"
#include "ferry/sweep/sample.hpp"
#include "ferry/sweep/trial.hpp"
#include "ferry/track/store.hpp"
#include "parent_launcher.hpp"

namespace ferry::run {

namespace {

std::string values_text(const Json& values) {
    std::string text;
    for (const auto& [key, value] : values.items()) {
        text += fmt::format("{}{}={}", text.empty() ? "" : ", ", key, sweep::value_text(value));
    }
    return text;
}

class SweepLauncher final : public ParentLauncher {
public:
    SweepLauncher(store::Workspace& workspace, RunRecord sweep, spec::SweepJob job,
                  std::uint64_t seed, const Seams& seams, Context& ctx)
        : ParentLauncher(workspace, std::move(sweep), seams, "a sweep"),
          m_job(std::move(job)),
          m_sampler(m_job, seed),
          m_ctx(ctx),
          m_maximize(m_job.goal == "maximize") {
        if (m_job.early_termination) {
            m_policy.emplace(*m_job.early_termination, m_maximize);
        }
        m_runtime = m_parent.plan.value("sweep", Json::object()).value("runtime", "") == "host"
                        ? Runtime::host
                        : Runtime::from_job;
    }

    [[nodiscard]] Result<void> start(const LaunchTarget& /*target*/, JobEvents& events) override {
        open_events(events);
        TRY_ASSIGN(const auto trials, sweep_trials(m_workspace.db(), m_parent));
        for (const Trial& trial : trials) {
            m_sampler.take(trial.values);
            m_next_number = std::max(m_next_number, trial.number + 1);
            if (is_terminal(trial.status)) {
                m_ended.insert(trial.name);
                observe(trial);
            }
            TRY(keep_params(trial));
            // What the log said already (the sweep's earlier supervisor read these reports)
            // is not said again.
            TRY_ASSIGN(const auto points,
                       track::metric_history(m_workspace.db(), trial.name, m_job.primary_metric));
            auto& known = m_reports[trial.name];
            for (const auto& point : points) {
                known.values.push_back(point.value);
            }
            known.final = is_terminal(trial.status);
            known.live = !known.final;
        }
        if (!trials.empty()) {
            event("resumed with {} trials recorded ({} ended)", trials.size(), m_ended.size());
        }
        events.entered(JobPhase::running,
                       fmt::format("sweep of up to {} trials, {} at once", m_job.max_total_trials,
                                   m_job.max_concurrent_trials));
        return {};
    }

    [[nodiscard]] Ending finish(EndReason stopped) override {
        auto trials = sweep_trials(m_workspace.db(), m_parent);
        if (!trials) {
            return Ending::infrastructure(trials.error().message);
        }
        report_ends(*trials);
        if (const auto best = best_trial(*trials, m_maximize)) {
            event("best trial: {}", *best);
        }
        if (stopped == EndReason::job) {
            return Ending{.status = Status::failed, .reason = EndReason::job, .error = m_failure};
        }
        const auto failed = std::ranges::count_if(
            *trials, [](const Trial& trial) { return trial.status == Status::failed; });
        if (!trials->empty() && failed == static_cast<std::int64_t>(trials->size())) {
            return Ending{.status = Status::failed,
                          .reason = EndReason::job,
                          .error = fmt::format("every trial failed ({})", failed)};
        }
        return Ending::of_job(0, "");
    }

private:
    // The params of a trial whose supervisor died before it kept them.
    Result<void> keep_params(const Trial& trial) {
        TRY(track::log_batch(m_workspace.db(), trial.name,
                             {.params = sweep::params_of(trial.values)}));
        return {};
    }

    void observe(const Trial& trial) {
        if (trial.status == Status::completed && trial.metric) {
            m_sampler.observe(trial.values, *trial.metric);
        }
    }

    Result<JobPoll> step() override {
        TRY_ASSIGN(auto trials, sweep_trials(m_workspace.db(), m_parent));
        TRY(read_reports(trials));
        report_ends(trials);
        if (m_policy) {
            TRY(terminate(trials));
        }
        auto live = std::ranges::count_if(
            trials, [](const Trial& trial) { return !is_terminal(trial.status); });
        auto total = static_cast<std::int64_t>(trials.size());
        while (!m_stopping && !m_exhausted && live < m_job.max_concurrent_trials &&
               total < m_job.max_total_trials) {
            auto values = m_sampler.next();
            if (!values) {
                m_exhausted = true;
                event("the search space is exhausted after {} trials", total);
                break;
            }
            TRY(submit_trial(*values));
            ++live;
            ++total;
        }
        if (live == 0 && (m_exhausted || total >= m_job.max_total_trials)) {
            return JobPoll{.state = JobPoll::State::ended};
        }
        return JobPoll{};
    }

    Result<void> submit_trial(const Json& values) {
        const std::int64_t number = m_next_number++;
        const std::string name = fmt::format("{}_{}", m_parent.name, number);
        SubmitRequest request{.job = sweep::trial_job(m_job, values),
                              .source = fmt::format("sweep {}", m_parent.name),
                              .name = name,
                              .runtime = m_runtime,
                              .parent = m_parent.name,
                              .trial = {{"number", number}, {"values", values}},
                              .snapshot = m_parent.snapshot};
        request.job.experiment_name = m_parent.experiment;
        auto submitted = submit(m_ctx, m_workspace, m_seams, request);
        if (!submitted) {
            return std::unexpected(
                Error{ExitCode::failure, fmt::format("trial {} could not be submitted: {}", number,
                                                     submitted.error().message)});
        }
        event("trial {} submitted: {}", name, values_text(values));
        return {};
    }

    // Says which trials ended since the last poll, and gives Bayesian sampling their metric.
    void report_ends(const std::vector<Trial>& trials) {
        for (const Trial& trial : trials) {
            if (!is_terminal(trial.status) || !m_ended.insert(trial.name).second) {
                continue;
            }
            observe(trial);
            event("trial {} ended {}{}{}", trial.name, status_name(trial.status),
                  trial.metric ? fmt::format(": {} = {}", m_job.primary_metric, *trial.metric)
                               : std::string(),
                  trial.error.empty() ? std::string() : fmt::format(" ({})", trial.error));
        }
    }

    // The primary metric's reports of the trials still running (and, once, of each that
    // ended), each new one said.
    Result<void> read_reports(const std::vector<Trial>& trials) {
        for (const Trial& trial : trials) {
            auto& known = m_reports[trial.name];
            if (known.final) {
                continue;
            }
            known.final = is_terminal(trial.status);
            known.live = !is_terminal(trial.status) && !m_terminated.contains(trial.name);
            if (trial.reports == static_cast<std::int64_t>(known.values.size())) {
                continue;  // nothing new: the history is not read again
            }
            TRY_ASSIGN(const auto points,
                       track::metric_history(m_workspace.db(), trial.name, m_job.primary_metric));
            for (std::size_t i = known.values.size(); i < points.size(); ++i) {
                known.values.push_back(points[i].value);
                event("trial {} reported {} = {} (report {})", trial.name, m_job.primary_metric,
                      points[i].value, i + 1);
            }
        }
        return {};
    }

    Result<void> terminate(const std::vector<Trial>& trials) {
        std::vector<sweep::TrialReports> reports;
        reports.reserve(trials.size());
        for (const Trial& trial : trials) {
            const auto& known = m_reports[trial.name];
            reports.push_back({.trial = trial.name, .values = known.values, .live = known.live});
        }
        for (const auto& termination : m_policy->evaluate(reports)) {
            const std::string reason = fmt::format("early termination: {}", termination.reason);
            TRY(request_cancel(m_workspace.db(), termination.trial, k_default_grace_seconds,
                               m_seams.clock.stamp(), reason));
            m_terminated.insert(termination.trial);
            m_reports[termination.trial].live = false;
            event("trial {} terminated: {}", termination.trial, reason);
        }
        return {};
    }

    struct Reports {
        std::vector<double> values;
        bool live = false;
        bool final = false;
    };

    spec::SweepJob m_job;
    sweep::Sampler m_sampler;
    std::optional<sweep::TerminationPolicy> m_policy;
    Context& m_ctx;
    bool m_maximize = false;
    Runtime m_runtime = Runtime::from_job;
    std::int64_t m_next_number = 0;
    bool m_exhausted = false;
    std::set<std::string> m_ended;
    std::set<std::string> m_terminated;
    std::map<std::string, Reports> m_reports;
};

}  // namespace

Result<int> supervise_sweep(store::Workspace& workspace, const RunRecord& sweep,
                            const Seams& seams) {
    auto loaded =
        spec::load_job(sweep.spec.dump(), fmt::format("sweep {}", sweep.name), sweep.directory, {});
    if (!loaded || !std::holds_alternative<spec::SweepJob>(*loaded)) {
        return fail("sweep {}: its recorded spec does not load as a sweep", sweep.name);
    }
    auto job = std::get<spec::SweepJob>(std::move(*loaded));
    const Json state = sweep.plan.value("sweep", Json::object());
    const auto seed = state.value("seed", std::uint64_t{0});
    // limits.timeout counts from the sweep's first start, also for a resumed one.
    Plan plan;
    const std::int64_t spent =
        sweep.started ? (seams.clock.stamp().ms - sweep.started->ms) / 1000 : 0;
    plan.timeout = std::max<std::int64_t>(1, job.timeout - spent);
    std::istringstream no_input;
    Context ctx(Environment(seams.host.environment), sweep.directory, std::cout, std::cout,
                no_input, Terminal{}, seams.runner);
    SweepLauncher launcher(workspace, sweep, std::move(job), seed, seams, ctx);
    NoPreparation preparation;
    Supervisor supervisor({workspace, seams}, sweep, plan, launcher, preparation);
    return supervisor.run() ? 0 : 1;
}

}  // namespace ferry::run
