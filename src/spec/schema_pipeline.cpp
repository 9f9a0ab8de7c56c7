// The tables of components and pipeline jobs (Azure ML CLI v2 key names).
#include "tables.hpp"

namespace ferry::spec::tables {

namespace {

using Fields = std::vector<Field>;

const std::vector<std::string>& input_types() {
    static const std::vector<std::string> k_types = {
        "string",     "integer", "number",       "boolean",      "uri_file",
        "uri_folder", "mltable", "custom_model", "mlflow_model", "triton_model"};
    return k_types;
}

Field component_inputs() {
    Field allowed = make_field("enum", Type::list, "The values the input may take.");
    allowed.items.push_back(make_field("value", Type::literal, "A value."));
    Field input = make_map(
        "input",
        {make_enum("type", input_types(), "Kind of value or data.").require(),
         make_field("default", Type::literal, "Value when the pipeline gives none."),
         make_field("optional", Type::boolean, "The input may have no value.").defaults(false),
         make_field("description", Type::string, "What the input is."), allowed,
         number("min", "Smallest value (integer, number)."),
         number("max", "Largest value (integer, number).")},
        "A declared input.");
    return entries("inputs", input,
                   "Inputs by name, used in the command as ${{inputs.NAME}}, optional ones "
                   "inside $[[...]].");
}

// A step's inputs: literals, bindings (${{parent.inputs.X}}, ${{parent.jobs.S.outputs.Y}})
// or data inputs whose path may be a binding.
Field step_inputs() {
    Field data = make_map(
        "input",
        {make_enum("type", input_types(), "Kind of data.").defaults("uri_folder"),
         make_field("path", Type::string,
                    "A local path, a URL, azureml:NAME:VERSION or a ${{parent...}} binding."),
         make_enum("mode", {"ro_mount", "download", "direct"}, "How the step sees the data.")
             .defaults("ro_mount"),
         make_field("optional", Type::boolean, "The input may have no value.").defaults(false),
         make_field("description", Type::string, "What the input is.")},
        "A data input.");
    Field literal =
        make_field("input", Type::literal, "A literal, or a ${{parent...}} binding as text.");
    return entries("inputs", one_of("input", {literal, data}, "A value, a binding or data."),
                   "The step's inputs by name.");
}

Field step_outputs() {
    // A job's output, its path a ${{parent.outputs.NAME}} binding.
    Field output = outputs().items.front();
    for (Field& field : output.fields) {
        if (field.name == "path") {
            field = make_field("path", Type::string, "A ${{parent.outputs.NAME}} binding.");
        }
    }
    Field binding = make_field("output", Type::string, "A ${{parent.outputs.NAME}} binding.");
    return entries("outputs", one_of("output", {binding, output}, "A binding or an output."),
                   "The step's outputs by name.");
}

Field step() {
    Fields keys = {
        make_field("component", Type::string,
                   "./file.yml, file:./file.yml, azureml:NAME:VERSION or NAME@latest."),
        make_field("display_name", Type::string, "Name to show.").one_line(),
        make_field("description", Type::string, "What the step does."),
        make_field("tags", Type::string_map, "Tags (string to string)."),
        make_reference("compute", ReferenceRole::compute,
                       "Compute; default settings.default_compute, then the pipeline's."),
        step_inputs(),
        step_outputs(),
        make_map("limits",
                 {make_field("timeout", Type::integer, "Cancel the step after this.")
                      .with_hint("seconds")
                      .at_least(1)},
                 "Limits."),
        make_field("force_rerun", Type::boolean, "Run even when an earlier result would do.")
            .defaults(false),
        make_field("is_deterministic", Type::boolean,
                   "An inline step: false never reuses an earlier result.")
            .defaults(true),
    };
    for (Field& field : azure_only_keys()) {
        keys.push_back(std::move(field));
    }
    Fields trial = trial_keys();
    trial[1].required = false;  // command: a component step has none
    keys.insert(keys.begin() + 1, trial.begin(), trial.end());
    Fields sweep = {
        make_field("trial", Type::string,
                   "The component of every trial: ./file.yml, file:./file.yml, "
                   "azureml:NAME:VERSION or NAME@latest.")
            .require(),
        make_field("display_name", Type::string, "Name to show.").one_line(),
        make_field("description", Type::string, "What the step does."),
        make_field("tags", Type::string_map, "Tags (string to string)."),
        make_reference("compute", ReferenceRole::compute,
                       "Compute of the trials; default settings.default_compute."),
        step_inputs(),
        step_outputs(),
    };
    for (Field& field : sweep_keys()) {
        sweep.push_back(std::move(field));
    }
    Field variants = tagged(
        "step",
        {make_map("command", std::move(keys), "A command step."),
         make_map("sweep", std::move(sweep), "A sweep step: its outputs are its best trial's.")},
        "A step: an inline command, a component or a sweep.");
    variants.default_variant = "command";
    return variants;
}

}  // namespace

Field component() {
    Fields fields = {
        make_field("name", Type::string, "Name of the component.").require().one_line(),
        make_field("version", Type::string, "Version; default: the next integer.").one_line(),
        make_field("display_name", Type::string, "Name to show.").one_line(),
        make_field("description", Type::string, "What the component does."),
        make_field("tags", Type::string_map, "Tags (string to string)."),
        make_enum("type", {"command"}, "Kind of component.").defaults("command"),
        component_inputs(),
        outputs(),
        make_field("is_deterministic", Type::boolean,
                   "Reuse an earlier result when nothing changed.")
            .defaults(true),
    };
    Fields trial = trial_keys();
    fields.insert(fields.begin() + 6, trial.begin(), trial.end());
    add_common_keys(fields);
    return make_map("component", std::move(fields), "A command component (Azure ML CLI v2).");
}

Field pipeline_job() {
    Fields fields = common_job_keys("pipeline");
    fields[1].required = true;
    fields.push_back(make_map(
        "settings",
        {make_reference("default_compute", ReferenceRole::compute, "Compute of every step."),
         make_field("default_datastore", Type::string,
                    "Azure's datastore of outputs; not applicable: outputs stay in the "
                    "workspace.")
             .one_line(),
         make_field("continue_on_step_failure", Type::boolean,
                    "A failed step skips its dependents; the others go on.")
             .defaults(false),
         make_field("force_rerun", Type::boolean, "Run every step; reuse nothing.")
             .defaults(false)},
        "Settings of the pipeline."));
    fields.push_back(entries("jobs", step(), "The steps by name.").require());
    return make_map("pipeline", std::move(fields), "A pipeline job (Azure ML CLI v2).");
}

}  // namespace ferry::spec::tables
