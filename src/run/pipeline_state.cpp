// A pipeline's steps as its record and its children's say: for run show.
#include "ferry/run/pipeline.hpp"

namespace ferry::run {

namespace {

std::optional<std::int64_t> duration_ms(const RunRecord& run) {
    if (!run.started || !run.ended) {
        return std::nullopt;
    }
    return run.ended->ms - run.started->ms;
}

std::string duration_text(const Json& step) {
    if (!step.contains("duration_ms") || step["duration_ms"].is_null()) {
        return "";
    }
    return fmt::format(" {:.1f} s", step["duration_ms"].get<double>() / 1000.0);
}

}  // namespace

Result<std::vector<StepState>> pipeline_steps(store::Database& db, const RunRecord& pipeline) {
    TRY_ASSIGN(auto children, list_runs(db, {.parent = pipeline.name}));
    std::vector<StepState> steps;
    const Json plan = pipeline.plan.value("pipeline", Json::object());
    for (const Json& step : plan.value("steps", Json::array())) {
        StepState state{.step = step.value("step", ""),
                        .compute = step.value("compute", pipeline.compute)};
        for (const Json& after : step["after"]) {
            state.after.push_back(after.get<std::string>());
        }
        for (RunRecord& child : children.first) {
            if (child.trial.is_object() && child.trial.value("step", "") == state.step) {
                state.reused_from = child.trial.value("reused_from", "");
                state.skipped = child.trial.value("skipped", "");
                state.run = std::move(child);
                break;
            }
        }
        steps.push_back(std::move(state));
    }
    return steps;
}

Result<Json> pipeline_details(store::Database& db, const RunRecord& pipeline) {
    TRY_ASSIGN(const auto steps, pipeline_steps(db, pipeline));
    const Json plan = pipeline.plan.value("pipeline", Json::object());
    Json out = {{"settings",
                 {{"continue_on_step_failure", plan.value("continue_on_step_failure", false)},
                  {"force_rerun", plan.value("force_rerun", false)}}},
                {"steps", Json::array()}};
    for (const StepState& step : steps) {
        Json each = {{"step", step.step},
                     {"run", step.run ? Json(step.run->name) : Json(nullptr)},
                     {"status", step.run ? status_name(step.run->status) : "NotSubmitted"},
                     {"after", step.after},
                     {"compute", step.compute}};
        if (step.run) {
            const auto took = duration_ms(*step.run);
            each["duration_ms"] = took ? Json(*took) : Json(nullptr);
        }
        if (!step.reused_from.empty()) {
            each["reused_from"] = step.reused_from;
        }
        if (!step.skipped.empty()) {
            each["skipped"] = step.skipped;
        }
        if (step.run && !step.run->error.empty() && step.skipped.empty()) {
            each["error"] = step.run->error;
        }
        out["steps"].push_back(std::move(each));
    }
    return out;
}

// Each step on a line in the plan's order (a topological one is not needed to read it: the
// arrows name what each step reads), its depth in the DAG shown by indentation.
std::string draw_pipeline(const Json& details) {
    std::map<std::string, std::size_t, std::less<>> depth;
    std::string text;
    const Json& steps = details["steps"];
    // Depths settle in at most as many passes as there are steps.
    for (std::size_t pass = 0; pass < steps.size(); ++pass) {
        for (const Json& step : steps) {
            std::size_t level = 0;
            for (const Json& after : step["after"]) {
                level = std::max(level, depth[after.get<std::string>()] + 1);
            }
            depth[step.value("step", "")] = level;
        }
    }
    for (const Json& step : steps) {
        const std::string name = step.value("step", "");
        std::string from;
        for (const Json& after : step["after"]) {
            from += (from.empty() ? " <- " : ", ") + after.get<std::string>();
        }
        std::string note;
        if (step.contains("reused_from")) {
            note = " (reused from " + step.value("reused_from", "") + ")";
        } else if (step.contains("skipped")) {
            note = " (" + step.value("skipped", "") + ")";
        }
        text += fmt::format("{}{} {}{} [{}]{}{}\n", std::string(depth[name] * 2, ' '),
                            depth[name] == 0 ? "*" : "└─", name, from, step.value("status", ""),
                            duration_text(step), note);
    }
    return text;
}

}  // namespace ferry::run
