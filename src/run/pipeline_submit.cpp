// Submitting a pipeline: each step resolved to a command job (its component's command with
// the step's bindings), checked as its submit would check it, its code stored; the pipeline
// recorded with its steps in the plan.
#include <set>

#include "ferry/assets/component.hpp"
#include "ferry/run/compute.hpp"
#include "ferry/run/pipeline.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/spec/locate.hpp"
#include "ferry/spec/pipeline.hpp"
#include "ferry/sweep/sample.hpp"
#include "ferry/sweep/trial.hpp"
#include "ferry/util/fs.hpp"
#include "pipeline_reuse.hpp"

namespace ferry::run {

namespace {

using Registered = std::map<std::string, spec::ComponentSpec, std::less<>>;

// A step resolved: its command job, and what the supervisor binds when it starts.
struct ResolvedStep {
    const spec::PipelineStep* step = nullptr;
    std::string component;  // what it runs: the file, NAME:VERSION, or "inline"
    std::string snapshot;   // a registered component's stored code
    spec::CommandJob job;
    Json bindings = Json::array();         // [{input, step, output}]
    Json parent_outputs = Json::object();  // step output -> pipeline output
    std::vector<std::string> after;
    bool deterministic = true;
    std::optional<spec::SweepJob> sweep;  // a sweep step: the sweep its run is
};

// What stands for a bound input's path while a step is checked at submit: a folder and a
// file that exist (the upstream's outputs do not yet).
struct Placeholders {
    fs::path folder;
    fs::path file;
};

// The input a component input gets: the step's value or binding, else its default.
spec::InputSpec step_input(const spec::PipelineJob& pipeline, const Registered& registered,
                           const spec::ComponentInput& declared, const spec::PipelineStep& step,
                           ResolvedStep& resolved, const Placeholders& placeholder) {
    spec::InputSpec input;
    input.name = declared.name;
    input.is_literal = !declared.is_data();
    input.optional = declared.optional;
    if (declared.is_data() && !declared.type.empty()) {
        input.type = declared.type;
    }
    const spec::StepInput* given = step.input(declared.name);
    if (given == nullptr) {
        if (input.is_literal) {
            input.value = declared.default_value;
        } else if (declared.default_value.is_string()) {
            input.path = spec::parse_reference(declared.default_value.get<std::string>(),
                                               spec::ReferenceRole::path)
                             .value_or(spec::Reference{});
        }
        return input;
    }
    switch (given->binding.kind) {
        case spec::Binding::Kind::value:
            if (given->is_data) {
                input = given->data;
                input.name = declared.name;
            } else {
                input.is_literal = true;
                input.value = given->value;
            }
            break;
        case spec::Binding::Kind::parent_input: {
            const auto found =
                std::ranges::find(pipeline.inputs, given->binding.name, &spec::InputSpec::name);
            if (found != pipeline.inputs.end() && found->has_value()) {
                input = *found;
                input.name = declared.name;
            }
            break;
        }
        case spec::Binding::Kind::step_output: {
            const spec::PipelineStep* from = pipeline.step(given->binding.step);
            const spec::ComponentSpec* component =
                from != nullptr ? spec::component_of(*from, registered) : nullptr;
            const spec::OutputSpec* output =
                component != nullptr ? component->output(given->binding.name) : nullptr;
            input.is_literal = false;
            if (declared.type.empty() || !declared.is_data()) {
                input.type = output != nullptr ? output->type : "uri_folder";
            }
            input.mode = given->is_data ? given->data.mode : spec::InputMode::ro_mount;
            input.path = spec::Reference{.path = input.type == "uri_file" ? placeholder.file
                                                                          : placeholder.folder};
            resolved.bindings.push_back({{"input", declared.name},
                                         {"step", given->binding.step},
                                         {"output", given->binding.name}});
            if (std::ranges::find(resolved.after, given->binding.step) == resolved.after.end()) {
                resolved.after.push_back(given->binding.step);
            }
            break;
        }
        case spec::Binding::Kind::parent_output:
            break;
    }
    return input;
}

ResolvedStep resolve_step(const spec::PipelineJob& pipeline, const Registered& registered,
                          const spec::PipelineStep& step, const Placeholders& placeholder) {
    ResolvedStep resolved{.step = &step};
    const spec::ComponentSpec& component = *spec::component_of(step, registered);
    spec::CommandJob& job = resolved.job;
    static_cast<spec::TrialSpec&>(job) = component;
    job.display_name = step.display_name.empty() ? step.name : step.display_name;
    job.experiment_name = pipeline.experiment_name;
    job.description = step.description;
    job.tags = pipeline.tags;
    job.compute = step.compute               ? *step.compute
                  : pipeline.default_compute ? *pipeline.default_compute
                                             : pipeline.compute;
    for (const auto& variable : step.environment_variables) {
        auto& variables = job.environment_variables;
        std::erase_if(variables, [&](const auto& each) { return each.first == variable.first; });
        variables.push_back(variable);
    }
    if (step.resources) {
        job.resources = *step.resources;
    }
    if (step.distribution) {
        job.distribution = step.distribution;
    }
    job.timeout = step.timeout;
    for (const spec::ComponentInput& declared : component.inputs) {
        job.inputs.push_back(
            step_input(pipeline, registered, declared, step, resolved, placeholder));
    }
    for (spec::OutputSpec output : component.outputs) {
        const auto given = std::ranges::find(step.outputs, output.name, &spec::StepOutput::name);
        if (given != step.outputs.end()) {
            output.asset_name = given->spec.asset_name;
            output.asset_version = given->spec.asset_version;
            output.path = given->spec.path;
            if (!given->parent_output.empty()) {
                resolved.parent_outputs[output.name] = given->parent_output;
            }
        }
        job.outputs.push_back(std::move(output));
    }
    resolved.deterministic = component.is_deterministic && !step.force_rerun;
    resolved.component = step.component_text.empty() ? "inline" : step.component_text;
    if (step.sweep) {
        // Its trials are the component with the step's inputs; it is never reused: what it
        // finds depends on the trials' metrics, not on its inputs alone.
        resolved.sweep = *step.sweep;
        static_cast<spec::JobCommon&>(*resolved.sweep) = job;
        resolved.sweep->trial = static_cast<const spec::TrialSpec&>(job);
        resolved.deterministic = false;
    }
    return resolved;
}

// The registered components the steps name, by step; an unknown one is an error at the
// step's `component` key.
Result<std::map<std::string, assets::RegisteredComponent, std::less<>>> find_registered(
    store::Workspace& workspace, const PipelineRequest& request) {
    std::map<std::string, assets::RegisteredComponent, std::less<>> found;
    for (const spec::PipelineStep& step : request.job.steps) {
        if (!step.component_asset) {
            continue;
        }
        auto component = assets::find_component(workspace, *step.component_asset);
        if (!component) {
            return usage_error("{}: {}",
                               spec::locate(request.text, request.source,
                                            fmt::format("jobs.{}.component", step.name)),
                               component.error().message);
        }
        found.emplace(step.name, std::move(*component));
    }
    return found;
}

SubmitRequest step_request(const PipelineRequest& request, const ResolvedStep& resolved) {
    // A sweep step is checked as its first trial.
    SubmitRequest step = child_check(
        request,
        resolved.sweep
            ? sweep::trial_job(*resolved.sweep,
                               sweep::Sampler(*resolved.sweep, 0).next().value_or(Json::object()))
            : resolved.job,
        resolved.snapshot);
    step.key_prefix = fmt::format("jobs.{}.", resolved.step->name);
    // The flag chose the compute only where neither the step nor the settings did.
    if (resolved.step->compute) {
        step.compute_key = step.key_prefix + "compute";
        step.flags.erase("compute");
    } else if (request.job.default_compute) {
        step.compute_key = "settings.default_compute";
        step.flags.erase("compute");
    }
    return step;
}

// Resolves every step and checks it as its submit would; the steps in the file's order.
Result<std::vector<ResolvedStep>> resolve_steps(Context& ctx, store::Workspace& workspace,
                                                const Seams& seams,
                                                const PipelineRequest& request) {
    TRY_ASSIGN(auto found, find_registered(workspace, request));
    Registered registered;
    for (const auto& [step, component] : found) {
        registered.emplace(step, component.spec);
    }
    const auto problems = spec::check_pipeline(request.job, registered);
    if (!problems.empty()) {
        std::string lines;
        for (const auto& problem : problems) {
            lines += fmt::format("{}{}: {}", lines.empty() ? "" : "\n",
                                 spec::place(request.text, request.source, problem.key),
                                 problem.message);
        }
        return usage_error("{}", lines);
    }
    std::vector<ResolvedStep> steps;
    for (const spec::PipelineStep& step : request.job.steps) {
        const Placeholders placeholders{.folder = ctx.cwd, .file = ctx.cwd / request.source};
        ResolvedStep resolved = resolve_step(request.job, registered, step, placeholders);
        if (const auto it = found.find(step.name); it != found.end()) {
            resolved.snapshot = it->second.snapshot;
            resolved.component = it->second.label;
        }
        TRY(submit(ctx, workspace, seams, step_request(request, resolved)));
        steps.push_back(std::move(resolved));
    }
    return steps;
}

// Stores each step's code once per directory: steps of one component share it.
Result<void> store_steps(Context& ctx, store::Workspace& workspace, const PipelineRequest& request,
                         std::vector<ResolvedStep>& steps) {
    std::map<fs::path, std::string> stored;
    for (ResolvedStep& step : steps) {
        if (!step.snapshot.empty() || !step.job.code) {
            continue;
        }
        if (const auto it = stored.find(*step.job.code); it != stored.end()) {
            step.snapshot = it->second;
            continue;
        }
        auto storing = step_request(request, step);
        storing.dry_run = false;
        TRY_ASSIGN(step.snapshot, store_code(ctx, workspace, storing));
        stored.emplace(*step.job.code, step.snapshot);
    }
    return {};
}

Json plan_of(const PipelineRequest& request, const std::vector<ResolvedStep>& steps,
             const fs::path& directory) {
    Json plan_steps = Json::array();
    for (const ResolvedStep& step : steps) {
        plan_steps.push_back({{"step", step.step->name},
                              {"kind", step.sweep ? "sweep" : "command"},
                              {"compute", step.job.compute.name},
                              {"component", step.component},
                              {"job", step.sweep ? step.sweep->to_json() : step.job.to_json()},
                              {"snapshot", step.snapshot},
                              {"after", step.after},
                              {"bindings", step.bindings},
                              {"parent_outputs", step.parent_outputs},
                              {"deterministic", step.deterministic}});
    }
    Json outputs = Json::array();
    for (const spec::OutputSpec& output : request.job.outputs) {
        outputs.push_back({{"name", output.name},
                           {"type", output.type},
                           {"directory", (directory / "named-outputs" / output.name).string()},
                           {"asset_name", output.asset_name},
                           {"asset_version", output.asset_version}});
    }
    return {{"pipeline",
             {{"runtime", request.runtime == Runtime::host ? "host" : "job"},
              {"continue_on_step_failure", request.job.continue_on_step_failure},
              {"force_rerun", request.job.force_rerun},
              {"steps", std::move(plan_steps)}}},
            {"outputs", std::move(outputs)},
            {"notes", ignored_notes(request.job, request.source)}};
}

}  // namespace

Result<Submission> submit_pipeline(Context& ctx, store::Workspace& workspace, const Seams& seams,
                                   const PipelineRequest& request) {
    PipelineRequest checked = request;
    spec::PipelineJob& job = checked.job;
    if (job.compute.name.empty()) {
        job.compute.name = std::string(k_local_compute);
    }
    if (job.experiment_name.empty()) {
        job.experiment_name = default_experiment(std::nullopt, ctx.cwd);
    }
    // --compute is for every step that names none, over the file's settings too.
    if (request.flags.contains("compute")) {
        job.default_compute.reset();
    }
    if (!job.default_datastore.empty()) {
        ctx.warn(
            fmt::format("{}: settings.default_datastore is not applicable: outputs stay "
                        "in the workspace",
                        spec::locate(request.text, request.source, "settings.default_datastore")));
    }
    // A pipeline's own outputs are kept with its run; a datastore path is a step output's.
    std::vector<std::string> unwritten;
    for (const spec::OutputSpec& output : job.outputs) {
        if (output.path) {
            unwritten.push_back(fmt::format(
                "{}: the pipeline's output '{}' is kept with the pipeline run, not written to "
                "{} (a step output's datastore path is written there)",
                spec::locate(request.text, request.source, "outputs." + output.name + ".path"),
                output.name, output.path->text));
            ctx.warn(unwritten.back());
        }
    }
    // Held until the pipeline's record names the snapshots: gc must not collect them.
    TRY_ASSIGN(const auto lease, workspace.blobs().lease(store::LeaseKind::shared));
    TRY_ASSIGN(auto steps, resolve_steps(ctx, workspace, seams, checked));
    TRY(store_steps(ctx, workspace, checked, steps));
    Submission submission;
    if (request.dry_run) {
        Json planned = plan_of(checked, steps, {});
        TRY_ASSIGN(submission.dry_run, pipeline_dry_run(workspace, job, planned));
        return submission;
    }
    const NewRun pipeline{.display_name = job.display_name,
                          .experiment = job.experiment_name,
                          .compute = job.compute.name,
                          .runtime = "pipeline",
                          .command = fmt::format("pipeline of {} steps", steps.size()),
                          .spec = job.to_json()};
    TRY_ASSIGN(auto recorded,
               start_parent(ctx, workspace, seams, !request.name.empty() ? request.name : job.name,
                            pipeline, [&](NewRun& run) {
                                run.plan = plan_of(checked, steps, run.directory);
                                for (const auto& note : unwritten) {
                                    run.plan["notes"].push_back(note);
                                }
                            }));
    submission.run = std::move(recorded);
    return submission;
}

}  // namespace ferry::run
