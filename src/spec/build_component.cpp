// Command components, and the bindings of pipeline steps, from their validated JSON.
#include <fmt/format.h>

#include "build.hpp"
#include "ferry/util/text.hpp"

namespace ferry::spec {

namespace {

constexpr std::string_view k_binding_open = "${{";
constexpr std::string_view k_binding_close = "}}";

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    while (!text.empty() && text.back() == ' ') {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

bool ComponentInput::is_data() const {
    return type != "string" && type != "integer" && type != "number" && type != "boolean";
}

const ComponentInput* ComponentSpec::input(std::string_view key) const {
    const auto found = std::ranges::find(inputs, key, &ComponentInput::name);
    return found == inputs.end() ? nullptr : &*found;
}

const OutputSpec* ComponentSpec::output(std::string_view key) const {
    const auto found = std::ranges::find(outputs, key, &OutputSpec::name);
    return found == outputs.end() ? nullptr : &*found;
}

const StepInput* PipelineStep::input(std::string_view key) const {
    const auto found = std::ranges::find(inputs, key, &StepInput::name);
    return found == inputs.end() ? nullptr : &*found;
}

const PipelineStep* PipelineJob::step(std::string_view key) const {
    const auto found = std::ranges::find(steps, key, &PipelineStep::name);
    return found == steps.end() ? nullptr : &*found;
}

std::optional<std::expected<Binding, std::string>> parse_binding(std::string_view text) {
    text = trimmed(text);
    if (!text.starts_with(k_binding_open) || !text.ends_with(k_binding_close)) {
        return std::nullopt;
    }
    const std::string_view inner = trimmed(text.substr(
        k_binding_open.size(), text.size() - k_binding_open.size() - k_binding_close.size()));
    if (!inner.starts_with("parent.")) {
        return std::nullopt;
    }
    const auto parts = util::split(inner, '.');
    auto wrong = [&]() -> std::expected<Binding, std::string> {
        return std::unexpected(
            fmt::format("invalid binding '{}': expected ${{{{parent.inputs.NAME}}}}, "
                        "${{{{parent.outputs.NAME}}}} or ${{{{parent.jobs.STEP.outputs.NAME}}}}",
                        text));
    };
    for (const auto& part : parts) {
        if (part.empty()) {
            return wrong();
        }
    }
    if (parts.size() == 3 && (parts[1] == "inputs" || parts[1] == "outputs")) {
        return Binding{.kind = parts[1] == "inputs" ? Binding::Kind::parent_input
                                                    : Binding::Kind::parent_output,
                       .name = std::string(parts[2])};
    }
    if (parts.size() == 5 && parts[1] == "jobs" && parts[3] == "outputs") {
        return Binding{.kind = Binding::Kind::step_output,
                       .step = std::string(parts[2]),
                       .name = std::string(parts[4])};
    }
    return wrong();
}

namespace detail {

namespace {

std::vector<ComponentInput> build_component_inputs(const Json& value, const BuildContext& context) {
    std::vector<ComponentInput> inputs;
    if (!value.contains("inputs")) {
        return inputs;
    }
    for (const auto& [name, spec] : value["inputs"].items()) {
        ComponentInput input;
        input.name = name;
        input.type = text_of(spec, "type");
        if (spec.contains("default")) {
            input.default_value = spec["default"];
        }
        // A data default is a path of the component's: made absolute against its file.
        if (input.is_data() && input.default_value.is_string()) {
            input.default_value =
                resolve_reference(context.base_dir, input.default_value.get<std::string>(),
                                  ReferenceRole::path)
                    .to_json();
        }
        input.optional = spec.value("optional", false);
        input.description = text_of(spec, "description");
        if (spec.contains("enum")) {
            for (const Json& item : spec["enum"]) {
                input.allowed.push_back(item);
            }
        }
        if (spec.contains("min") && spec["min"].is_number()) {
            input.min = spec["min"].get<double>();
        }
        if (spec.contains("max") && spec["max"].is_number()) {
            input.max = spec["max"].get<double>();
        }
        inputs.push_back(std::move(input));
    }
    return inputs;
}

// A default that does not fit its input's declaration.
void check_default(const ComponentInput& input, const YAML::Node& node,
                   const BuildContext& context) {
    const Json& value = input.default_value;
    if (value.is_null()) {
        return;
    }
    const YAML::Mark mark = child(node, "default").Mark();
    const bool fits = input.is_data() || (input.type == "string" && value.is_string()) ||
                      (input.type == "integer" && value.is_number_integer()) ||
                      (input.type == "number" && value.is_number()) ||
                      (input.type == "boolean" && value.is_boolean());
    if (!fits) {
        context.diagnostics.add(mark,
                                fmt::format("default of input '{}' is not {} {}", input.name,
                                            input.type == "integer" ? "an" : "a", input.type));
        return;
    }
    if (!input.allowed.empty() && std::ranges::find(input.allowed, value) == input.allowed.end()) {
        context.diagnostics.add(
            mark, fmt::format("default of input '{}' is not one of its enum", input.name));
    }
}

}  // namespace

// The declared inputs as a job's, for the checks of the command: one that must be given (no
// default, not optional) counts as given.
JobCommon component_io(const ComponentSpec& component) {
    JobCommon io;
    for (const ComponentInput& declared : component.inputs) {
        InputSpec input;
        input.name = declared.name;
        input.is_literal = !declared.is_data();
        input.optional = declared.optional;
        const bool given = !declared.optional || !declared.default_value.is_null();
        if (input.is_literal && given) {
            input.value = declared.default_value.is_null() ? Json("") : declared.default_value;
        } else if (given) {
            input.path = Reference{};
        }
        io.inputs.push_back(std::move(input));
    }
    io.outputs = component.outputs;
    return io;
}

ComponentSpec build_component(const Json& value, const YAML::Node& node,
                              const BuildContext& context) {
    ComponentSpec component;
    read_asset_keys(component, value);
    component.display_name = text_of(value, "display_name");
    component.is_deterministic = value.value("is_deterministic", true);
    build_trial(component, value, node, context);
    component.inputs = build_component_inputs(value, context);
    component.outputs = build_outputs(value, context);
    for (const ComponentInput& input : component.inputs) {
        check_default(input, child(child(node, "inputs"), input.name), context);
    }
    if (value.contains("command")) {
        check_command(component, component_io(component), nullptr, child(node, "command"), context);
    }
    return component;
}

}  // namespace detail

}  // namespace ferry::spec
