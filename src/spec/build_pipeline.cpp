// Pipeline jobs from their validated JSON: the steps, their components (a file's loaded
// here) and their bindings.
#include <fmt/format.h>

#include "build.hpp"
#include "ferry/spec/interpolate.hpp"
#include "ferry/spec/load.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"
#include "validate.hpp"

namespace ferry::spec::detail {

namespace {

// Where a step's component (a sweep step's `trial`) is: a file of this machine, or a
// registered component.
void resolve_component(PipelineStep& step, const YAML::Node& node, const BuildContext& context,
                       std::string_view key) {
    const std::string& text = step.component_text;
    const YAML::Mark mark = child(node, key).Mark();
    const bool file = text.starts_with("file:") || text.starts_with("./") ||
                      text.starts_with("../") || text.starts_with("/") || text.ends_with(".yml") ||
                      text.ends_with(".yaml");
    if (!file) {
        auto reference = parse_reference(text, ReferenceRole::asset);
        if (!reference || reference->kind != ReferenceKind::asset) {
            context.diagnostics.add(
                mark, fmt::format("component '{}': expected ./FILE.yml, file:FILE.yml, "
                                  "azureml:NAME:VERSION or NAME@latest{}",
                                  text, reference ? "" : " (" + reference.error().message + ")"));
            return;
        }
        step.component_asset = *reference;
        return;
    }
    const std::filesystem::path path = resolve_path(context.base_dir, text);
    step.component_file = path;
    auto read = util::read_file(path);
    if (!read) {
        context.diagnostics.add(
            mark, fmt::format("component file {}: {}", path.string(), read.error().message));
        return;
    }
    auto loaded = load_component(*read, text.starts_with("file:") ? text.substr(5) : text,
                                 path.parent_path());
    if (!loaded) {
        // The component's own errors, at their place in its file.
        for (const Diagnostic& item : loaded.error().items()) {
            context.diagnostics.add_origin(
                item.line > 0
                    ? fmt::format("{}:{}:{}", loaded.error().file(), item.line, item.column)
                    : loaded.error().file(),
                item.message);
        }
        return;
    }
    step.component = std::move(*loaded);
}

// A binding written as the whole value; the error of a malformed one at `mark`.
std::optional<Binding> binding_of(const Json& value, const YAML::Mark& mark,
                                  const BuildContext& context) {
    if (!value.is_string()) {
        return std::nullopt;
    }
    auto parsed = parse_binding(value.get<std::string>());
    if (!parsed) {
        return std::nullopt;
    }
    if (!*parsed) {
        context.diagnostics.add(mark, parsed->error());
        return std::nullopt;
    }
    return **parsed;
}

StepInput build_step_input(const std::string& name, const Json& value, const YAML::Node& node,
                           const BuildContext& context) {
    StepInput input;
    input.name = name;
    input.value = value;
    if (!value.is_object()) {
        if (auto binding = binding_of(value, node.Mark(), context)) {
            input.binding = *binding;
        }
        return input;
    }
    input.is_data = true;
    input.data.name = name;
    input.data.is_literal = false;
    input.data.type = text_of(value, "type");
    input.data.mode = parse_input_mode(text_of(value, "mode")).value_or(InputMode::ro_mount);
    input.data.optional = value.value("optional", false);
    input.data.description = text_of(value, "description");
    if (!value.contains("path")) {
        return input;
    }
    const YAML::Mark mark = child(node, "path").Mark();
    if (auto binding = binding_of(value["path"], mark, context)) {
        input.binding = *binding;
        return input;
    }
    const std::string path = text_of(value, "path");
    if (auto parsed = parse_reference(path, ReferenceRole::path); !parsed) {
        context.diagnostics.add(mark, parsed.error().message);
    }
    input.data.path = resolve_reference(context.base_dir, path, ReferenceRole::path);
    return input;
}

StepOutput build_step_output(const std::string& name, const Json& value, const YAML::Node& node,
                             const BuildContext& context) {
    StepOutput output;
    output.name = name;
    output.spec.name = name;
    Json bound = value;
    YAML::Mark mark = node.Mark();
    if (value.is_object()) {
        output.spec.type = text_of(value, "type");
        output.spec.mode = text_of(value, "mode");
        output.spec.asset_name = text_of(value, "name");
        output.spec.asset_version = text_of(value, "version");
        output.spec.description = text_of(value, "description");
        bound = value.value("path", Json());
        mark = child(node, "path").Mark();
    }
    if (bound.is_null()) {
        return output;
    }
    const auto binding = binding_of(bound, mark, context);
    if (!binding && bound.is_string() &&
        bound.get<std::string>().find("${{parent.") == std::string::npos) {
        // A datastore path (or a storage URL one claims): the step's run writes it there.
        const auto reference = parse_reference(bound.get<std::string>(), ReferenceRole::path);
        if (reference && (reference->kind == ReferenceKind::azure_datastore ||
                          reference->kind == ReferenceKind::azure_blob ||
                          reference->kind == ReferenceKind::azure_data_lake)) {
            output.spec.path = *reference;
            return output;
        }
    }
    if (!binding || binding->kind != Binding::Kind::parent_output) {
        if (binding || bound.is_string()) {
            context.diagnostics.add(mark, fmt::format("output '{}' of a step binds only to "
                                                      "${{{{parent.outputs.NAME}}}} or a "
                                                      "datastore path",
                                                      name));
        }
        return output;
    }
    output.parent_output = binding->name;
    return output;
}

// The inline command of a step, as a component declaring what the step gives it.
ComponentSpec inline_component(const PipelineStep& step, const Json& value, const YAML::Node& node,
                               const BuildContext& context) {
    ComponentSpec component;
    component.name = step.name;
    component.display_name = step.display_name;
    component.is_deterministic = value.value("is_deterministic", true);
    build_trial(component, value, node, context);
    for (const StepInput& input : step.inputs) {
        // A binding's type is what it binds (known once the steps are resolved): "" for now.
        const bool bound = input.binding.kind != Binding::Kind::value;
        component.inputs.push_back({.name = input.name,
                                    .type = input.is_data ? input.data.type
                                            : bound       ? ""
                                                          : "string"});
        if (input.is_data && input.binding.kind == Binding::Kind::value) {
            component.inputs.back().optional = input.data.optional && !input.data.path;
        }
    }
    for (const StepOutput& output : step.outputs) {
        component.outputs.push_back(output.spec);
    }
    if (value.contains("command")) {
        check_command(component, component_io(component), nullptr, child(node, "command"), context);
    }
    return component;
}

// A sweep step's inputs may take `${{search_space.NAME}}`: each must name a parameter.
void check_search_inputs(const PipelineStep& step, const SweepJob& settings, const YAML::Node& node,
                         const BuildContext& context) {
    std::vector<std::string> names;
    for (const SearchParameter& parameter : settings.search_space) {
        names.push_back(parameter.name);
    }
    for (const StepInput& input : step.inputs) {
        if (!input.value.is_string()) {
            continue;
        }
        const auto placeholders = find_placeholders(input.value.get<std::string>());
        for (const Placeholder& placeholder :
             placeholders ? *placeholders : std::vector<Placeholder>{}) {
            if (placeholder.group == "search_space" &&
                std::ranges::find(names, placeholder.name) == names.end()) {
                context.diagnostics.add(
                    child(child(node, "inputs"), input.name).Mark(),
                    fmt::format("undefined search_space parameter '{}'{}", placeholder.name,
                                util::did_you_mean(placeholder.name, names)));
            }
        }
    }
}

PipelineStep build_step(const std::string& name, const Json& value, const YAML::Node& node,
                        const BuildContext& context) {
    PipelineStep step;
    step.name = name;
    step.type = value.contains("type") ? text_of(value, "type") : "command";
    step.display_name = text_of(value, "display_name");
    step.description = text_of(value, "description");
    if (value.contains("compute")) {
        step.compute =
            resolve_reference(context.base_dir, text_of(value, "compute"), ReferenceRole::compute);
    }
    const Json inputs = value.value("inputs", Json::object());
    for (const auto& [input, given] : inputs.items()) {
        step.inputs.push_back(
            build_step_input(input, given, child(child(node, "inputs"), input), context));
    }
    const Json outputs = value.value("outputs", Json::object());
    for (const auto& [output, given] : outputs.items()) {
        step.outputs.push_back(
            build_step_output(output, given, child(child(node, "outputs"), output), context));
    }
    step.environment_variables = string_map_of(value, "environment_variables");
    TrialSpec overrides;
    build_trial(overrides, value, node, context);
    if (value.contains("resources")) {
        step.resources = overrides.resources;
    }
    step.distribution = overrides.distribution;
    if (value.contains("limits")) {
        step.timeout = optional_integer(value["limits"], "timeout");
    }
    step.force_rerun = value.value("force_rerun", false);
    if (step.type == "sweep") {
        step.timeout.reset();  // its limits are the sweep's
        step.component_text = text_of(value, "trial");
        resolve_component(step, node, context, "trial");
        SweepJob settings;
        read_sweep_settings(settings, value, node, context);
        check_search_inputs(step, settings, node, context);
        step.sweep = std::move(settings);
    } else if (value.contains("component")) {
        step.component_text = text_of(value, "component");
        for (const char* key : {"command", "code", "environment"}) {
            if (value.contains(key)) {
                context.diagnostics.add(
                    key_mark(node, key),
                    fmt::format("step '{}' runs a component: '{}' belongs in the component", name,
                                key));
            }
        }
        resolve_component(step, node, context, "component");
    } else if (value.contains("command")) {
        step.component = inline_component(step, value, node, context);
    } else {
        context.diagnostics.add(node.Mark(),
                                fmt::format("step '{}' needs 'component' or 'command'", name));
    }
    return step;
}

}  // namespace

PipelineJob build_pipeline_job(const Json& value, const YAML::Node& node,
                               const BuildContext& context) {
    PipelineJob job;
    build_common(job, value, node, context);
    const Json settings = value.value("settings", Json::object());
    if (settings.contains("default_compute")) {
        job.default_compute = resolve_reference(
            context.base_dir, text_of(settings, "default_compute"), ReferenceRole::compute);
    }
    job.default_datastore = text_of(settings, "default_datastore");
    job.continue_on_step_failure = settings.value("continue_on_step_failure", false);
    job.force_rerun = settings.value("force_rerun", false);
    const YAML::Node steps = child(node, "jobs");
    const Json jobs = value.value("jobs", Json::object());
    for (const auto& [name, step] : jobs.items()) {
        job.steps.push_back(build_step(name, step, child(steps, name), context));
    }
    if (context.diagnostics.empty()) {
        for (const auto& problem : check_pipeline(job, {})) {
            context.diagnostics.add(mark_at(node, problem.key), problem.message);
        }
    }
    return job;
}

}  // namespace ferry::spec::detail
