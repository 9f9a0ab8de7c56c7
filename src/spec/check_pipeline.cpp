// The checks of a pipeline across its steps: bindings, required inputs, types, cycles.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "build.hpp"
#include "ferry/spec/pipeline.hpp"
#include "ferry/util/text.hpp"
#include "validate.hpp"

namespace ferry::spec {

namespace {

using Registered = std::map<std::string, ComponentSpec, std::less<>>;

bool is_literal_type(std::string_view type) {
    return type == "string" || type == "integer" || type == "number" || type == "boolean" ||
           type == "literal";
}

// Whether data of type `given` may feed an input of type `declared`.
bool takes(std::string_view declared, std::string_view given) {
    if (declared == given || declared.empty() || given.empty()) {
        return true;
    }
    if (is_literal_type(declared) && is_literal_type(given)) {
        return true;
    }
    const bool folder_like = given == "uri_folder" || given == "mltable" ||
                             given == "custom_model" || given == "mlflow_model";
    return (declared == "uri_folder" && folder_like) ||
           ((declared == "custom_model" || declared == "mlflow_model" || declared == "mltable") &&
            given == "uri_folder");
}

class Checker {
public:
    Checker(const PipelineJob& job, const Registered& registered)
        : m_job(job), m_registered(registered) {
        for (const PipelineStep& step : job.steps) {
            m_steps.push_back(step.name);
        }
        for (const InputSpec& input : job.inputs) {
            m_inputs.push_back(input.name);
        }
        for (const OutputSpec& output : job.outputs) {
            m_outputs.push_back(output.name);
        }
    }

    std::vector<PipelineProblem> run() {
        for (const PipelineStep& step : m_job.steps) {
            check_step(step);
        }
        // `run download --all` writes a step's outputs to named-outputs/STEP, the
        // pipeline's to named-outputs/NAME.
        for (const std::string& output : m_outputs) {
            if (std::ranges::find(m_steps, output) != m_steps.end()) {
                add(fmt::format("outputs.{}", output),
                    "pipeline output '{}' has the name of a step: name it otherwise", output);
            }
        }
        check_cycles();
        return std::move(m_problems);
    }

private:
    template <typename... Args>
    void add(std::string key, fmt::format_string<Args...> format, Args&&... args) {
        m_problems.push_back({std::move(key), fmt::format(format, std::forward<Args>(args)...)});
    }

    // The type of what a binding or value gives; empty when it cannot be known.
    std::string given_type(const StepInput& input) const {
        switch (input.binding.kind) {
            case Binding::Kind::value:
                return input.is_data ? input.data.type : "literal";
            case Binding::Kind::parent_input: {
                const auto found =
                    std::ranges::find(m_job.inputs, input.binding.name, &InputSpec::name);
                if (found == m_job.inputs.end()) {
                    return {};
                }
                return found->is_literal ? "literal" : found->type;
            }
            case Binding::Kind::step_output: {
                const PipelineStep* from = m_job.step(input.binding.step);
                const ComponentSpec* component =
                    from != nullptr ? component_of(*from, m_registered) : nullptr;
                const OutputSpec* output =
                    component != nullptr ? component->output(input.binding.name) : nullptr;
                return output != nullptr ? output->type : std::string();
            }
            case Binding::Kind::parent_output:
                return {};
        }
        return {};
    }

    void check_binding(const PipelineStep& step, const StepInput& input, const std::string& key) {
        const Binding& binding = input.binding;
        if (binding.kind == Binding::Kind::parent_input &&
            std::ranges::find(m_inputs, binding.name) == m_inputs.end()) {
            add(key, "undefined pipeline input '{}'{}", binding.name,
                util::did_you_mean(binding.name, m_inputs));
        } else if (binding.kind == Binding::Kind::parent_output) {
            add(key, "an input cannot take a pipeline output ('{}'); bind a step's output",
                binding.name);
        } else if (binding.kind == Binding::Kind::step_output) {
            const PipelineStep* from = m_job.step(binding.step);
            if (from == nullptr) {
                add(key, "unknown step '{}' in binding{}", binding.step,
                    util::did_you_mean(binding.step, m_steps));
                return;
            }
            if (from == &step) {
                add(key, "cycle: step '{}' takes its own output '{}'", step.name, binding.name);
                return;
            }
            const ComponentSpec* component = component_of(*from, m_registered);
            if (component != nullptr && component->output(binding.name) == nullptr) {
                std::vector<std::string> names;
                for (const OutputSpec& output : component->outputs) {
                    names.push_back(output.name);
                }
                add(key, "step '{}' has no output '{}'{}", binding.step, binding.name,
                    util::did_you_mean(binding.name, names));
            }
        }
    }

    void check_input(const PipelineStep& step, const ComponentSpec* component,
                     const StepInput& input) {
        std::string key = fmt::format("jobs.{}.inputs.{}", step.name, input.name);
        if (input.is_data && input.binding.kind != Binding::Kind::value) {
            key += ".path";
        }
        check_binding(step, input, key);
        if (component == nullptr) {
            // An inline step declares only the type of a data input it writes out.
            const std::string given = given_type(input);
            if (input.is_data && !given.empty() && !takes(input.data.type, given)) {
                add(key, "type mismatch: input '{}' of step '{}' is {}, and {} is {}", input.name,
                    step.name, input.data.type, describe(input), given);
            }
            return;
        }
        const ComponentInput* declared = component->input(input.name);
        if (declared == nullptr) {
            std::vector<std::string> names;
            for (const ComponentInput& each : component->inputs) {
                names.push_back(each.name);
            }
            add(key, "component {} has no input '{}'{}", component->name, input.name,
                util::did_you_mean(input.name, names));
            return;
        }
        const std::string given = given_type(input);
        const bool literal_for_data = declared->is_data() && given == "literal";
        if (literal_for_data || !takes(declared->type, given)) {
            add(key, "type mismatch: input '{}' of step '{}' is {}, and {} is {}", input.name,
                step.name, declared->type, describe(input),
                given == "literal" ? "a literal" : given);
        } else if (input.binding.kind == Binding::Kind::value && !input.is_data) {
            check_literal(*declared, input.value, key);
        }
    }

    // A literal given to a declared input: its type, `enum` and range (a sweep's
    // ${{search_space.NAME}} is checked by the sweep).
    void check_literal(const ComponentInput& declared, const nlohmann::ordered_json& value,
                       const std::string& key) {
        if (value.is_string() && value.get<std::string>().find("${{") != std::string::npos) {
            return;
        }
        const bool fits = (declared.type == "string" && value.is_string()) ||
                          (declared.type == "integer" && value.is_number_integer()) ||
                          (declared.type == "number" && value.is_number()) ||
                          (declared.type == "boolean" && value.is_boolean());
        if (!fits) {
            add(key, "input '{}' takes {} {}, got {}", declared.name,
                declared.type == "integer" ? "an" : "a", declared.type, value.dump());
            return;
        }
        if (!declared.allowed.empty() &&
            std::ranges::find(declared.allowed, value) == declared.allowed.end()) {
            add(key, "input '{}' takes one of {}, got {}", declared.name,
                nlohmann::ordered_json(declared.allowed).dump(), value.dump());
        }
        if (value.is_number() && ((declared.min && value.get<double>() < *declared.min) ||
                                  (declared.max && value.get<double>() > *declared.max))) {
            add(key, "input '{}' takes {} to {}, got {}", declared.name,
                declared.min ? fmt::format("{}", *declared.min) : "any",
                declared.max ? fmt::format("{}", *declared.max) : "any", value.dump());
        }
    }

    static std::string describe(const StepInput& input) {
        switch (input.binding.kind) {
            case Binding::Kind::parent_input:
                return fmt::format("pipeline input '{}'", input.binding.name);
            case Binding::Kind::step_output:
                return fmt::format("output '{}' of step '{}'", input.binding.name,
                                   input.binding.step);
            default:
                return "its value";
        }
    }

    void check_step(const PipelineStep& step) {
        const ComponentSpec* component = component_of(step, m_registered);
        // An inline step declares what it is given: its inputs are not checked against it.
        const ComponentSpec* declared = step.component_text.empty() ? nullptr : component;
        for (const StepInput& input : step.inputs) {
            check_input(step, declared, input);
        }
        for (const StepOutput& output : step.outputs) {
            const std::string key = fmt::format("jobs.{}.outputs.{}", step.name, output.name);
            if (!output.parent_output.empty() &&
                std::ranges::find(m_outputs, output.parent_output) == m_outputs.end()) {
                add(key, "undefined pipeline output '{}'{}", output.parent_output,
                    util::did_you_mean(output.parent_output, m_outputs));
            }
            if (declared != nullptr && declared->output(output.name) == nullptr) {
                add(key, "component {} has no output '{}'", declared->name, output.name);
            }
        }
        if (declared == nullptr) {
            return;
        }
        for (const ComponentInput& input : declared->inputs) {
            if (!input.optional && input.default_value.is_null() &&
                step.input(input.name) == nullptr) {
                add(fmt::format("jobs.{}.{}", step.name,
                                step.inputs.empty() ? "component" : "inputs"),
                    "step '{}': missing required input '{}' of component {}", step.name, input.name,
                    declared->name);
            }
        }
    }

    // Depth first over the steps' bindings; a binding back to a step on the path closes a
    // cycle, said once, at that binding.
    void check_cycles() {
        std::map<std::string, int, std::less<>> state;  // 1: on the path, 2: done
        std::vector<std::string> path;
        auto visit = [&](auto& self, const PipelineStep& step) -> void {
            state[step.name] = 1;
            path.push_back(step.name);
            for (const StepInput& input : step.inputs) {
                if (input.binding.kind != Binding::Kind::step_output ||
                    input.binding.step == step.name) {
                    continue;
                }
                const PipelineStep* from = m_job.step(input.binding.step);
                if (from == nullptr || state[from->name] == 2) {
                    continue;
                }
                if (state[from->name] == 1) {
                    const auto start = std::ranges::find(path, from->name);
                    std::string cycle;
                    for (auto it = start; it != path.end(); ++it) {
                        cycle += *it + " -> ";
                    }
                    add(fmt::format("jobs.{}.inputs.{}{}", step.name, input.name,
                                    input.is_data ? ".path" : ""),
                        "cycle: {}{}", cycle, from->name);
                    continue;
                }
                self(self, *from);
            }
            path.pop_back();
            state[step.name] = 2;
        };
        for (const PipelineStep& step : m_job.steps) {
            if (state[step.name] == 0) {
                visit(visit, step);
            }
        }
    }

    const PipelineJob& m_job;
    const Registered& m_registered;
    std::vector<std::string> m_steps;
    std::vector<std::string> m_inputs;
    std::vector<std::string> m_outputs;
    std::vector<PipelineProblem> m_problems;
};

}  // namespace

const ComponentSpec* component_of(const PipelineStep& step, const Registered& registered) {
    if (step.component) {
        return &*step.component;
    }
    const auto found = registered.find(step.name);
    return found == registered.end() ? nullptr : &found->second;
}

std::vector<PipelineProblem> check_pipeline(const PipelineJob& job, const Registered& registered) {
    return Checker(job, registered).run();
}

namespace detail {

YAML::Mark mark_at(const YAML::Node& root, std::string_view key) {
    YAML::Node node = root;
    const auto parts = util::split(key, '.');
    for (const auto& part : parts) {
        const YAML::Node next = child(node, part);
        if (!next.IsDefined() || next.IsNull()) {
            const YAML::Mark mark = key_mark(node, part);
            return mark.is_null() ? node.Mark() : mark;
        }
        if (next.IsMap() || next.IsSequence()) {
            // A block is named by its key: "inputs:" is where an input is missing.
            const YAML::Mark mark = key_mark(node, part);
            node.reset(next);
            if (&part == &parts.back()) {
                return mark.is_null() ? node.Mark() : mark;
            }
            continue;
        }
        node.reset(next);
    }
    return node.Mark();
}

}  // namespace detail

std::string place(std::string_view text, std::string_view file, std::string_view key) {
    try {
        const YAML::Mark mark = detail::mark_at(YAML::Load(std::string(text)), key);
        if (mark.is_null()) {
            return std::string(file);
        }
        return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
    } catch (const YAML::Exception&) {
        return std::string(file);
    }
}

}  // namespace ferry::spec
