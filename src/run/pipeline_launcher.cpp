// A pipeline's supervisor: the run's state machine with a launcher whose job is the steps.
// Each poll reads the steps' runs; a step whose inputs' steps all completed is reused (a
// Completed run of its fingerprint stands for it) or submitted, its bound inputs the
// upstream runs' named outputs, read where they are. A failed step fails the pipeline (its
// live steps canceled), or with continue_on_step_failure skips only its dependents.
#include <iostream>
#include <sstream>

#include "ferry/run/pipeline.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/util/fs.hpp"
#include "parent_launcher.hpp"
#include "pipeline_reuse.hpp"

namespace ferry::run {

namespace {

// What a recorded job that no longer loads says first, without the JSON it was read from.
std::string first_problem(const spec::Diagnostics& diagnostics) {
    return diagnostics.empty() ? std::string("its recorded job does not load")
                               : diagnostics.items().front().message;
}

// The files of `from` hard-linked below `to` (copied where a link cannot be made).
Result<void> link_tree(const fs::path& from, const fs::path& to) {
    std::error_code ec;
    if (!fs::exists(from, ec)) {
        return {};
    }
    fs::create_directories(to, ec);
    const auto options = fs::copy_options::recursive | fs::copy_options::overwrite_existing;
    fs::copy(from, to, options | fs::copy_options::create_hard_links, ec);
    if (ec) {
        ec.clear();
        fs::copy(from, to, options, ec);
    }
    if (ec) {
        return fail("cannot link {} into {}: {}", from.string(), to.string(), ec.message());
    }
    return {};
}

std::string seconds_text(const RunRecord& run) {
    if (!run.started || !run.ended) {
        return "";
    }
    return fmt::format(" in {:.1f} s", static_cast<double>(run.ended->ms - run.started->ms) / 1e3);
}

class PipelineLauncher final : public ParentLauncher {
public:
    PipelineLauncher(store::Workspace& workspace, RunRecord pipeline, const Seams& seams,
                     Context& ctx)
        : ParentLauncher(workspace, std::move(pipeline), seams, "a pipeline"),
          m_ctx(ctx),
          m_state(m_parent.plan.value("pipeline", Json::object())) {
        m_runtime = m_state.value("runtime", "") == "host" ? Runtime::host : Runtime::from_job;
        m_keep_going = m_state.value("continue_on_step_failure", false);
        m_force = m_state.value("force_rerun", false);
    }

    [[nodiscard]] Result<void> start(const LaunchTarget& /*target*/, JobEvents& events) override {
        open_events(events);
        events.entered(JobPhase::running,
                       fmt::format("pipeline of {} steps", m_state["steps"].size()));
        return {};
    }

    [[nodiscard]] Ending finish(EndReason stopped) override {
        auto runs = step_runs();
        if (!runs) {
            return Ending::infrastructure(runs.error().message);
        }
        report_ends(*runs);
        // A failed step's end is the pipeline's: its exit code is the first failed step's.
        if (stopped == EndReason::job) {
            return Ending{.status = Status::failed,
                          .reason = EndReason::job,
                          .exit_code = m_failed_code,
                          .error = m_failure};
        }
        std::string failed;
        for (const auto& [step, run] : *runs) {
            if (run.status != Status::completed) {
                failed += fmt::format("{}{} ({})", failed.empty() ? "" : ", ", step,
                                      status_name(run.status));
            }
        }
        if (!failed.empty()) {
            return Ending{.status = Status::failed,
                          .reason = EndReason::job,
                          .exit_code = m_failed_code,
                          .error = "steps that did not complete: " + failed};
        }
        if (auto published = publish_outputs(*runs); !published) {
            return Ending::infrastructure(published.error().message);
        }
        return Ending::of_job(0, "");
    }

private:
    // The steps' runs, by step.
    Result<std::map<std::string, RunRecord, std::less<>>> step_runs() {
        TRY_ASSIGN(auto children, list_runs(m_workspace.db(), {.parent = m_parent.name}));
        std::map<std::string, RunRecord, std::less<>> runs;
        for (RunRecord& child : children.first) {
            if (child.trial.is_object() && child.trial.contains("step")) {
                const std::string step = child.trial.value("step", "");
                runs.emplace(step, std::move(child));
            }
        }
        return runs;
    }

    // One pass over the steps; again at once while a pass ends steps without a process (a
    // reused step's dependents are decided in the same poll, not 100 ms later each).
    Result<JobPoll> step() override {
        for (;;) {
            TRY_ASSIGN(auto runs, step_runs());
            report_ends(runs);
            bool decided = false;
            TRY_ASSIGN(auto polled, pass(runs, decided));
            if (polled.state != JobPoll::State::going || !decided) {
                return polled;
            }
        }
    }

    Result<JobPoll> pass(const std::map<std::string, RunRecord, std::less<>>& runs, bool& decided) {
        std::size_t ended = 0;
        for (const Json& step : m_state["steps"]) {
            const std::string name = step.value("step", "");
            if (const auto found = runs.find(name); found != runs.end()) {
                if (!is_terminal(found->second.status)) {
                    continue;
                }
                ++ended;
                const RunRecord& run = found->second;
                if (run.status != Status::completed && !run.trial.contains("skipped") &&
                    !m_failed_code) {
                    m_failed_code = run.waited_exit_code();
                }
                if (run.status != Status::completed && !m_keep_going &&
                    !run.trial.contains("skipped")) {
                    m_failure = fmt::format("step {} ended {}{}", name, status_name(run.status),
                                            run.error.empty() ? "" : ": " + run.error);
                    return JobPoll{.state = JobPoll::State::failing, .why = m_failure};
                }
                continue;
            }
            if (m_stopping) {
                continue;
            }
            TRY_ASSIGN(const bool done, consider(step, runs));
            decided = decided || done;
        }
        if (ended == m_state["steps"].size()) {
            return JobPoll{.state = JobPoll::State::ended};
        }
        return JobPoll{};
    }

    // Starts, reuses or skips a step whose run does not exist yet, once the steps it reads
    // from ended; true when it ended at once (reused or skipped).
    Result<bool> consider(const Json& step,
                          const std::map<std::string, RunRecord, std::less<>>& runs) {
        const std::string name = step.value("step", "");
        std::map<std::string, RunRecord, std::less<>> upstream;
        for (const Json& after : step["after"]) {
            const auto found = runs.find(after.get<std::string>());
            if (found == runs.end() || !is_terminal(found->second.status)) {
                return false;
            }
            if (found->second.status != Status::completed) {
                TRY(record_skipped(step, fmt::format("skipped: step {} ended {}", found->first,
                                                     status_name(found->second.status))));
                return true;
            }
            TRY_ASSIGN(auto origin, origin_of(m_workspace.db(), found->second));
            upstream.emplace(found->first, std::move(origin));
        }
        Json job = step["job"];
        std::map<std::string, std::string> bound;
        for (const Json& binding : step["bindings"]) {
            const std::string input = binding.value("input", "");
            const RunRecord& origin = upstream.at(binding.value("step", ""));
            const std::string output = binding.value("output", "");
            Json& entry = job["inputs"][input];
            entry["path"] = bound_path(origin, output, entry.value("type", "uri_folder"));
            TRY_ASSIGN(bound[input], output_content(m_workspace, origin, output));
        }
        if (step.value("kind", "") == "sweep") {
            if (auto submitted = submit_sweep_step(step, job); !submitted) {
                TRY(record_unsubmitted(step, "", submitted.error().message));
                return true;
            }
            return false;
        }
        TRY_ASSIGN(const auto fingerprint,
                   step_fingerprint(job, step.value("snapshot", ""), bound, &m_workspace));
        if (!m_force && step.value("deterministic", true)) {
            TRY_ASSIGN(const auto earlier, reusable_run(m_workspace, fingerprint));
            if (earlier) {
                TRY(record_reused(step, fingerprint, *earlier));
                return true;
            }
        }
        if (auto submitted = submit_step(step, job, fingerprint); !submitted) {
            TRY(record_unsubmitted(step, fingerprint, submitted.error().message));
            return true;
        }
        return false;
    }

    Result<void> submit_step(const Json& step, const Json& job, const std::string& fingerprint) {
        const std::string name = step.value("step", "");
        const std::string source = fmt::format("pipeline {} step {}", m_parent.name, name);
        auto loaded = spec::load_command_job(job.dump(), source, m_parent.directory);
        if (!loaded) {
            return fail("{}", first_problem(loaded.error()));
        }
        SubmitRequest request{.job = std::move(*loaded),
                              .source = source,
                              .name = fmt::format("{}_{}", m_parent.name, name),
                              .runtime = m_runtime,
                              .parent = m_parent.name,
                              .trial = {{"step", name}, {"fingerprint", fingerprint}},
                              .snapshot = step.value("snapshot", "")};
        request.job.experiment_name = m_parent.experiment;
        auto submitted = submit(m_ctx, m_workspace, m_seams, request);
        if (!submitted) {
            return std::unexpected(submitted.error());
        }
        event("step {} submitted as {}", name, request.name);
        return {};
    }

    // A sweep step: a sweep of its own (a parent run whose parent is the pipeline), its
    // trials running the step's component.
    Result<void> submit_sweep_step(const Json& step, const Json& job) {
        const std::string name = step.value("step", "");
        const std::string source = fmt::format("pipeline {} step {}", m_parent.name, name);
        auto loaded = spec::load_sweep_job(job.dump(), source, m_parent.directory);
        if (!loaded) {
            return fail("{}", first_problem(loaded.error()));
        }
        SweepRequest request{.job = std::move(*loaded),
                             .source = source,
                             .name = fmt::format("{}_{}", m_parent.name, name),
                             .runtime = m_runtime,
                             .parent = m_parent.name,
                             .place = {{"step", name}},
                             .snapshot = step.value("snapshot", "")};
        request.job.experiment_name = m_parent.experiment;
        auto submitted = submit_sweep(m_ctx, m_workspace, m_seams, request);
        if (!submitted) {
            return std::unexpected(submitted.error());
        }
        event("step {} submitted as {}, a sweep of up to {} trials", name, request.name,
              request.job.max_total_trials);
        return {};
    }

    // A step that runs no process: reused from `origin` (its named outputs linked into the
    // step's own directory, so that the step stands whatever becomes of that run), skipped,
    // or one that could not be submitted, ended as `ending` says.
    Result<void> record_ended(const Json& step, Json trial, const Ending& ending,
                              const RunRecord* origin = nullptr) {
        const std::string name = step.value("step", "");
        const std::string run = fmt::format("{}_{}", m_parent.name, name);
        trial["step"] = name;
        const fs::path directory = run_directory(m_workspace.root(), run);
        TRY(util::create_directories(directory / "user_logs", 0700));
        if (origin != nullptr) {
            TRY(link_tree(origin->directory / "named-outputs", directory / "named-outputs"));
        }
        const NewRun record{.name = run,
                            .display_name = name,
                            .experiment = m_parent.experiment,
                            .compute = step.value("compute", m_parent.compute),
                            .runtime = origin != nullptr ? origin->runtime : "host",
                            .snapshot = step.value("snapshot", ""),
                            .command = origin != nullptr ? origin->command : "",
                            .spec = step["job"],
                            .plan = origin != nullptr ? origin->plan : Json::object(),
                            .directory = directory,
                            .submitted_by = m_parent.submitted_by,
                            .parent = m_parent.name,
                            .trial = std::move(trial)};
        const Stamp now = m_seams.clock.stamp();
        TRY(insert_run(m_workspace.db(), record, now));
        TRY(run::finish(m_workspace.db(), run, ending, now));
        if (origin != nullptr) {
            TRY(add_note(m_workspace.db(), run, fmt::format("reused from {}", origin->name)));
            event("step {} reused from {} ({} kept, nothing run)", name, origin->name, run);
        } else {
            event("step {} {}", name, ending.error);
        }
        return {};
    }

    Result<void> record_reused(const Json& step, const std::string& fingerprint,
                               const RunRecord& origin) {
        Ending ending = Ending::of_job(0, "");
        ending.artifacts = origin.artifacts;
        return record_ended(step, {{"fingerprint", fingerprint}, {"reused_from", origin.name}},
                            ending, &origin);
    }

    Result<void> record_skipped(const Json& step, const std::string& why) {
        return record_ended(
            step, {{"skipped", why}},
            Ending{.status = Status::canceled, .reason = EndReason::canceled, .error = why});
    }

    // A step whose submit was refused (an input its upstream did not write, a compute gone):
    // a failed step, as one that ran and failed is.
    Result<void> record_unsubmitted(const Json& step, const std::string& fingerprint,
                                    const std::string& why) {
        return record_ended(step, {{"fingerprint", fingerprint}},
                            Ending{.status = Status::failed,
                                   .reason = EndReason::job,
                                   .error = "could not be submitted: " + why});
    }

    void report_ends(const std::map<std::string, RunRecord, std::less<>>& runs) {
        for (const auto& [step, run] : runs) {
            if (!is_terminal(run.status) || !m_reported.insert(step).second ||
                run.trial.contains("reused_from") || run.trial.contains("skipped")) {
                continue;
            }
            event("step {} ended {}{}{}", step, status_name(run.status), seconds_text(run),
                  run.error.empty() ? std::string() : fmt::format(" ({})", run.error));
        }
    }

    // The pipeline's outputs: the step outputs bound to them, linked into its named outputs
    // (hard links where the filesystem allows), stored with the pipeline's files.
    Result<void> publish_outputs(const std::map<std::string, RunRecord, std::less<>>& runs) {
        for (const Json& step : m_state["steps"]) {
            const auto found = runs.find(step.value("step", ""));
            if (found == runs.end()) {
                continue;
            }
            TRY_ASSIGN(const auto origin, origin_of(m_workspace.db(), found->second));
            for (const auto& [output, published] : step["parent_outputs"].items()) {
                const fs::path from = origin.directory / "named-outputs" / output;
                const fs::path to =
                    m_parent.directory / "named-outputs" / published.get<std::string>();
                TRY(link_tree(from, to));
                event("output {} of step {} published as the pipeline's {}", output, found->first,
                      published.get<std::string>());
            }
        }
        return {};
    }

    Context& m_ctx;
    Json m_state;
    Runtime m_runtime = Runtime::from_job;
    bool m_keep_going = false;
    bool m_force = false;
    std::optional<int> m_failed_code;  // the first failed step's, as `run wait` says it
    std::set<std::string> m_reported;
};

}  // namespace

Result<int> supervise_pipeline(store::Workspace& workspace, const RunRecord& pipeline,
                               const Seams& seams) {
    Plan plan;
    for (const Json& output : pipeline.plan.value("outputs", Json::array())) {
        plan.outputs.push_back({.name = output.value("name", ""),
                                .type = output.value("type", "uri_folder"),
                                .directory = output.value("directory", ""),
                                .target = output.value("directory", ""),
                                .asset_name = output.value("asset_name", ""),
                                .asset_version = output.value("asset_version", "")});
    }
    std::istringstream no_input;
    Context ctx(Environment(seams.host.environment), pipeline.directory, std::cout, std::cout,
                no_input, Terminal{}, seams.runner);
    PipelineLauncher launcher(workspace, pipeline, seams, ctx);
    NoPreparation preparation;
    Supervisor supervisor({workspace, seams}, pipeline, plan, launcher, preparation);
    return supervisor.run() ? 0 : 1;
}

}  // namespace ferry::run
