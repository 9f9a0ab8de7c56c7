// The tables of command and sweep jobs (Azure ML CLI v2 key names).
#include <nlohmann/json.hpp>

#include "tables.hpp"

namespace ferry::spec::tables {

using Fields = std::vector<Field>;

Field integer(std::string name, double minimum, std::string description) {
    return make_field(std::move(name), Type::integer, std::move(description)).at_least(minimum);
}

Field number(std::string name, std::string description) {
    return make_field(std::move(name), Type::number, std::move(description));
}

Field tagged(std::string name, std::vector<Field> variants, std::string description) {
    Field field = make_field(std::move(name), Type::tagged, std::move(description));
    field.items = std::move(variants);
    return field;
}

Field one_of(std::string name, std::vector<Field> alternatives, std::string description) {
    Field field = make_field(std::move(name), Type::one_of, std::move(description));
    field.items = std::move(alternatives);
    return field;
}

Field entries(std::string name, Field element, std::string description) {
    Field field = make_field(std::move(name), Type::entries, std::move(description));
    field.items.push_back(std::move(element));
    return field;
}

Field unsupported_variant(std::string value, std::string why) {
    Field variant = make_map(std::move(value), {}, "Not supported by ferry yet: " + why);
    variant.unsupported = std::move(why);
    return variant;
}

Field inputs() {
    Field data = make_map(
        "input",
        {make_enum(
             "type",
             {"uri_file", "uri_folder", "mltable", "custom_model", "mlflow_model", "triton_model"},
             "Kind of data.")
             .defaults("uri_folder"),
         make_reference("path", ReferenceRole::path,
                        "Local path (relative to the YAML file), file: URI, http(s) URL or "
                        "azureml:NAME:VERSION."),
         make_enum("mode", {"ro_mount", "download", "direct"}, "How the job sees the data.")
             .defaults("ro_mount"),
         make_field("optional", Type::boolean, "An optional input may have no value.")
             .defaults(false),
         make_field("description", Type::string, "What the input is.")},
        "A data input.");
    Field literal = make_field("input", Type::literal, "A literal value.");
    return entries("inputs", one_of("input", {literal, data}, "A literal or a data input."),
                   "Inputs by name, used in the command as ${{inputs.NAME}}.");
}

Field outputs() {
    Field output = make_map(
        "output",
        {make_enum("type", {"uri_folder", "uri_file", "mlflow_model", "custom_model"},
                   "Kind of output.")
             .defaults("uri_folder"),
         make_enum("mode", {"rw_mount", "upload", "direct"}, "How the job writes the output.")
             .defaults("rw_mount"),
         make_reference("path", ReferenceRole::path, "Where the output is written."),
         make_field("name", Type::string, "Registers a data asset of this name at the end.")
             .one_line(),
         make_field("version", Type::string, "Version of the registered data asset.").one_line(),
         make_field("description", Type::string, "What the output is.")},
        "An output; empty means a uri_folder in rw_mount mode.");
    return entries("outputs", output, "Outputs by name, used in the command as ${{outputs.NAME}}.");
}

Field distribution() {
    Field count = integer("process_count_per_instance", 1, "Processes per node.").defaults(1);
    return tagged(
        "distribution",
        {make_map("mpi", {count}, "Open MPI."), make_map("pytorch", {count}, "torchrun."),
         make_map("tensorflow",
                  {integer("worker_count", 1, "Workers; default resources.instance_count."),
                   integer("parameter_server_count", 0, "Parameter servers.").defaults(0)},
                  "TF_CONFIG."),
         unsupported_variant("ray", "Ray clusters are not launched by ferry")},
        "How processes are launched.");
}

Field resources() {
    return make_map(
        "resources",
        {integer("instance_count", 1, "Nodes.").defaults(1),
         make_ignored("instance_type", "Azure's VM sizes; here the compute decides"),
         make_field("shm_size", Type::size, "Size of /dev/shm in containers.").defaults("2g"),
         integer("gpus_per_instance", 0, "GPUs per node (ferry)."),
         make_field("docker_args", Type::string, "Extra arguments of docker run."),
         make_field("properties", Type::free_map, "Free-form properties.")},
        "What the job runs on.");
}

Field environment_reference() {
    Field inline_spec = environment(true);
    inline_spec.name = "environment";
    return one_of("environment",
                  {make_reference("environment", ReferenceRole::asset,
                                  "azureml:NAME:VERSION or NAME@latest."),
                   inline_spec},
                  "Environment: a reference or an inline definition; none means the host.");
}

// The keys of a command (also the trial of a sweep).
Fields trial_keys() {
    return {
        make_field("code", Type::string, "Source directory, relative to the YAML file."),
        make_field("command", Type::string, "The command, with ${{inputs.NAME}} etc.").require(),
        environment_reference(),
        make_field("environment_variables", Type::string_map, "Set in every process.")
            .of_variables(),
        distribution(),
        resources()};
}

Fields azure_only_keys() {
    return {make_ignored("identity", "managed identities are an Azure feature"),
            make_ignored("services", "interactive sessions are an Azure feature"),
            make_ignored("queue_settings", "job tiers are an Azure feature")};
}

Fields common_job_keys(std::string type) {
    Fields fields = {
        make_enum("type", {type}, "Kind of job."),
        make_field("name", Type::string, "Name of the run; default: adjective_noun_XXXXXXXXXX.")
            .one_line(),
        make_field("display_name", Type::string, "Name to show; default: name.").one_line(),
        make_field("experiment_name", Type::string,
                   "Experiment; default: the directory's base name.")
            .one_line(),
        make_field("description", Type::string, "What the job does."),
        make_field("tags", Type::string_map, "Tags (string to string)."),
        make_field("properties", Type::string_map, "Properties (string to string)."),
        make_reference("compute", ReferenceRole::compute, "Compute target.").defaults("local"),
        inputs(),
        outputs(),
    };
    for (Field& field : azure_only_keys()) {
        fields.push_back(std::move(field));
    }
    add_common_keys(fields);
    return fields;
}

namespace {

Field search_space() {
    Field values = make_field("values", Type::list, "The values to choose from.").require();
    values.items.push_back(make_field("value", Type::literal, "A value."));
    auto pair = [](std::string a, std::string b) {
        return Fields{number(std::move(a), "").require(), number(std::move(b), "").require()};
    };
    auto with_q = [](Fields fields) {
        fields.push_back(number("q", "Rounding step.").require());
        return fields;
    };
    Field distribution = tagged(
        "parameter",
        {make_map("choice", {values}, "One of the values."),
         make_map("randint", {integer("upper", 1, "Exclusive upper bound.").require()},
                  "An integer in [0, upper)."),
         make_map("uniform", pair("min_value", "max_value"), "Uniform in [min, max]."),
         make_map("loguniform", pair("min_value", "max_value"), "exp(uniform(min, max))."),
         make_map("quniform", with_q(pair("min_value", "max_value")), "round(uniform / q) * q."),
         make_map("qloguniform", with_q(pair("min_value", "max_value")),
                  "round(loguniform / q) * q."),
         make_map("normal", pair("mu", "sigma"), "Normal."),
         make_map("lognormal", pair("mu", "sigma"), "exp(normal(mu, sigma))."),
         make_map("qnormal", with_q(pair("mu", "sigma")), "round(normal / q) * q."),
         make_map("qlognormal", with_q(pair("mu", "sigma")), "round(lognormal / q) * q.")},
        "A distribution of a parameter.");
    return entries("search_space", distribution,
                   "Parameters by name, used as ${{search_space.NAME}}.")
        .require();
}

Field sampling_algorithm() {
    Field random = make_map(
        "random",
        {make_field("seed", Type::integer, "Seed of the random generator."),
         make_enum("rule", {"random", "sobol"}, "Random or Sobol sequence.").defaults("random")},
        "Random sampling.");
    return one_of("sampling_algorithm",
                  {make_enum("sampling_algorithm", {"random", "grid", "bayesian"}, "Sampling."),
                   tagged("sampling_algorithm",
                          {random, make_map("grid", {}, "Every combination."),
                           make_map("bayesian", {}, "Bayesian optimisation.")},
                          "Sampling with options.")},
                  "How trials are picked.")
        .require();
}

Field early_termination() {
    auto with_interval = [](Fields fields) {
        fields.push_back(integer("evaluation_interval", 1, "Check every N metrics.").defaults(1));
        fields.push_back(integer("delay_evaluation", 0, "Skip the first N.").defaults(0));
        return fields;
    };
    return tagged(
        "early_termination",
        {make_map("bandit",
                  with_interval({number("slack_factor", "Allowed ratio to the best."),
                                 number("slack_amount", "Allowed distance to the best.")}),
                  "Stops trials out of the slack of the best."),
         make_map("median_stopping", with_interval({}), "Stops trials below the median."),
         make_map("truncation_selection",
                  with_interval(
                      {integer("truncation_percentage", 1, "Percent cut each time.").require()}),
                  "Stops the worst percent.")},
        "Early termination policy.");
}

}  // namespace

Field command_job() {
    Fields fields = common_job_keys("command");
    fields[1].default_value = "command";
    Fields trial = trial_keys();
    fields.insert(fields.begin() + 9, trial.begin(), trial.end());
    fields.push_back(make_map("limits",
                              {make_field("timeout", Type::integer, "Cancel the job after this.")
                                   .with_hint("seconds")
                                   .at_least(1)},
                              "Limits."));
    return make_map("command", std::move(fields), "A command job (Azure ML CLI v2).");
}

Fields sweep_keys() {
    Fields fields = {search_space(), sampling_algorithm()};
    fields.push_back(
        make_map("objective",
                 {make_enum("goal", {"maximize", "minimize"}, "Direction.").require(),
                  make_field("primary_metric", Type::string, "Metric to optimise.").require()},
                 "What the sweep optimises.")
            .require());
    fields.push_back(
        make_map("limits",
                 {integer("max_total_trials", 1, "Trials in all.").defaults(1000),
                  integer("max_concurrent_trials", 1, "Trials at once; default max_total_trials."),
                  integer("timeout", 1, "Cancel the sweep after this.")
                      .with_hint("seconds")
                      .defaults(5184000),
                  integer("trial_timeout", 1, "Cancel a trial after this.").with_hint("seconds")},
                 "Limits."));
    fields.push_back(early_termination());
    return fields;
}

Field sweep_job() {
    Fields fields = common_job_keys("sweep");
    fields[1].required = true;
    fields.push_back(make_map("trial", trial_keys(), "The command of every trial.").require());
    for (Field& field : sweep_keys()) {
        fields.push_back(std::move(field));
    }
    return make_map("sweep", std::move(fields), "A sweep job (Azure ML CLI v2).");
}

}  // namespace ferry::spec::tables
