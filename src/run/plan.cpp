#include "ferry/run/plan.hpp"

#include <array>

#include "ferry/env/materialize.hpp"
#include "ferry/spec/interpolate.hpp"

namespace ferry::run {

std::string literal_text(const Json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "True" : "False";  // as Azure's Python service writes them
    }
    return value.dump();
}

namespace {

constexpr std::array<std::string_view, 32> k_adjectives = {
    "amber", "bold",  "brave",  "bright", "calm",   "clever", "cool",   "crisp",
    "eager", "fair",  "gentle", "golden", "gray",   "green",  "happy",  "honest",
    "keen",  "kind",  "lively", "loyal",  "lucid",  "mellow", "nimble", "plucky",
    "proud", "quick", "quiet",  "silver", "steady", "sunny",  "swift",  "witty",
};
constexpr std::array<std::string_view, 32> k_nouns = {
    "badger", "bear",   "beaver", "bison",  "crane", "deer",  "dolphin", "eagle",
    "falcon", "ferret", "finch",  "fox",    "gecko", "heron", "ibis",    "koala",
    "lemur",  "lion",   "lynx",   "marten", "otter", "owl",   "panda",   "pig",
    "puffin", "quail",  "raven",  "seal",   "shrew", "tiger", "walrus",  "yak",
};
constexpr std::string_view k_name_alphabet = "bcdfghjklmnpqrstvwxyz0123456789";

// Words as a shell splits them: blanks separate, quotes and backslashes keep them together.
Result<std::vector<std::string>> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && i + 1 < text.size()) {
                word += text[++i];
            } else {
                word += c;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < text.size()) {
            word += text[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
        } else {
            word += c;
            in_word = true;
        }
    }
    if (quote != 0) {
        return fail("an unclosed {} quote", quote);
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    return words;
}

bool needs_quotes(std::string_view word) {
    if (word.empty()) {
        return true;
    }
    for (const char c : word) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') ||
                           std::string_view("-_./=:,+@%").find(c) != std::string_view::npos;
        if (!plain) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::map<std::string, std::string> job_variables(const Plan& plan,
                                                 std::map<std::string, std::string> base,
                                                 const std::map<std::string, std::string>& extra,
                                                 const std::string& location) {
    for (const auto& [key, value] : plan.environment) {
        base[key] = value;
    }
    for (const auto& [key, value] : extra) {
        base[key] = value;
    }
    if (plan.job_environment && plan.job_environment->kind != env::Kind::docker) {
        const auto found = base.find("PATH");
        for (auto& [key, value] : env::prefix_variables(
                 *plan.job_environment, location,
                 found == base.end() ? std::string_view() : std::string_view(found->second))) {
            base[key] = value;
        }
    }
    return base;
}

namespace {

// What the compute cannot do, refused in the job's words.
Result<void> plan_compute(const spec::CommandJob& job, const PlanRequest& request) {
    const std::string& file = request.file;
    const ComputeAbilities& compute = request.compute;
    if (job.resources.instance_count > 1 && !compute.multi_node) {
        return usage_error(
            "{}: resources.instance_count is {}, but {} is one machine; a multi-node job needs "
            "a Slurm compute",
            file, job.resources.instance_count, compute.label);
    }
    const bool container = request.runtime == Runtime::from_job && request.environment &&
                           request.environment->kind == env::Kind::docker;
    if (container && !compute.containers) {
        return usage_error(
            "{}: the environment runs in a container, which {} does not start (use a venv or "
            "conda environment, or --runtime host)",
            file, compute.label);
    }
    return {};
}

Result<void> plan_environment(Plan& plan, const spec::CommandJob& job, const PlanRequest& request) {
    if (request.runtime == Runtime::from_job && request.environment &&
        request.environment->kind != env::Kind::host) {
        plan.job_environment = request.environment;
        plan.shm_size = job.resources.shm_size_text;
        auto words = split_words(job.resources.docker_args);
        if (!words) {
            return usage_error("{}: resources.docker_args: {}", request.file,
                               words.error().message);
        }
        plan.docker_args = std::move(*words);
    } else if (!job.resources.docker_args.empty()) {
        plan.notes.push_back(
            "resources.docker_args is not used: the job does not run in a container");
    }
    if (!request.compute.containers && job.resources.shm_size_given) {
        plan.notes.push_back(fmt::format(
            "resources.shm_size is not used on {}: the nodes' /dev/shm is what the job gets",
            request.compute.label));
    }
    return {};
}

// The distribution's processes; the GPUs must exist (a distributed job's ranks get their
// slices when they start; a scheduler gives each node its GPUs).
Result<void> plan_processes(Plan& plan, const spec::CommandJob& job, const PlanRequest& request) {
    if (job.distribution) {
        DistributionPlan distribution;
        distribution.type = job.distribution->type;
        distribution.processes = job.distribution->process_count_per_instance;
        distribution.workers = job.distribution->worker_count;
        distribution.parameter_servers = job.distribution->parameter_server_count;
        distribution.gpus = request.gpus.value_or(std::vector<std::string>{});
        distribution.gpus_per_instance = job.resources.gpus_per_instance;
        if (distribution.ranks() < 1) {
            return usage_error("{}: distribution '{}' asks for no process", request.file,
                               spec::name_of(distribution.type));
        }
        plan.distribution = std::move(distribution);
    }
    if (request.gpus) {
        auto slices = gpu_slices(*request.gpus, job.resources.gpus_per_instance,
                                 plan.distribution ? plan.distribution->ranks() : 1);
        if (!slices) {
            return usage_error("{}: {}", request.file, slices.error().message);
        }
        if (!plan.distribution && job.resources.gpus_per_instance && !slices->front().empty()) {
            plan.environment["CUDA_VISIBLE_DEVICES"] = slices->front();
        }
    }
    return {};
}

// A registered dataset or model: its files appear at the target while Preparing.
InputPlan asset_input(const spec::InputSpec& input, const ResolvedInput& asset,
                      const fs::path& inputs_dir) {
    InputPlan planned;
    planned.name = input.name;
    planned.type = input.type;
    planned.mode = input.mode == spec::InputMode::direct ? spec::InputMode::ro_mount : input.mode;
    planned.target = inputs_dir / input.name;
    if (input.type == "uri_file") {
        planned.target /= asset.file_name;
    }
    planned.asset_kind = asset.kind;
    planned.asset_name = asset.name;
    planned.asset_version = asset.version;
    planned.content = asset.content;
    return planned;
}

// A local path: checked now, copied or mounted while Preparing (direct: used where it is).
Result<InputPlan> path_input(const spec::InputSpec& input, const std::string& file,
                             const fs::path& inputs_dir) {
    if (input.path->kind != spec::ReferenceKind::local_path) {
        return usage_error(
            "{}: input '{}': '{}' is not a local path; register it as a dataset ('ferry "
            "dataset create --name NAME --path ...') and give azureml:NAME@latest",
            file, input.name, input.path->text);
    }
    const bool model = input.type.ends_with("_model");
    if (input.type != "uri_file" && input.type != "uri_folder" && !model) {
        return usage_error(
            "{}: input '{}': type {} is not supported (use uri_file, "
            "uri_folder or a model type)",
            file, input.name, input.type);
    }
    const fs::path source = input.path->path;
    std::error_code ec;
    const auto status = fs::status(source, ec);
    if (status.type() == fs::file_type::not_found) {
        return usage_error("{}: input '{}': {} does not exist", file, input.name, source.string());
    }
    const bool folder = input.type == "uri_folder" || (model && fs::is_directory(status));
    if (!model && folder != fs::is_directory(status)) {
        return usage_error("{}: input '{}': {} is {}, but the input's type is {}", file, input.name,
                           source.string(),
                           fs::is_directory(status) ? "a directory" : "not a directory",
                           input.type);
    }
    InputPlan planned;
    planned.name = input.name;
    planned.type = input.type;
    planned.mode = input.mode;
    planned.source = source;
    if (input.mode == spec::InputMode::direct) {
        planned.target = source;
    } else {
        planned.target =
            folder ? inputs_dir / input.name : inputs_dir / input.name / source.filename();
    }
    return planned;
}

Result<void> plan_inputs(Plan& plan, spec::InterpolationValues& values, const spec::CommandJob& job,
                         const PlanRequest& request) {
    const fs::path inputs_dir = request.run_directory / "inputs";
    for (const auto& input : job.inputs) {
        if (input.is_literal) {
            values.inputs[input.name] =
                input.value.is_null() ? std::nullopt : std::optional(literal_text(input.value));
            continue;
        }
        if (!input.path) {
            values.inputs[input.name] = std::nullopt;
            continue;
        }
        InputPlan planned;
        if (const auto asset = request.assets.find(input.name); asset != request.assets.end()) {
            planned = asset_input(input, asset->second, inputs_dir);
        } else {
            TRY_ASSIGN(planned, path_input(input, request.file, inputs_dir));
        }
        if (const auto origin = request.input_origins.find(input.name);
            origin != request.input_origins.end()) {
            planned.origin = origin->second;
        }
        values.inputs[input.name] = planned.target.string();
        plan.inputs.push_back(std::move(planned));
    }
    return {};
}

Result<void> plan_outputs(Plan& plan, spec::InterpolationValues& values,
                          const spec::CommandJob& job, const PlanRequest& request) {
    for (const auto& output : job.outputs) {
        if (output.path) {
            return usage_error(
                "{}: output '{}': a destination path is not supported; ferry stores named "
                "outputs with the run ('ferry run download RUN --output-name {}')",
                request.file, output.name, output.name);
        }
        const fs::path directory = request.run_directory / "named-outputs" / output.name;
        const fs::path target = output.type == "uri_file" ? directory / output.name : directory;
        values.outputs[output.name] = target.string();
        const auto destination = request.output_destinations.find(output.name);
        plan.outputs.push_back({.name = output.name,
                                .type = output.type,
                                .directory = directory,
                                .target = target,
                                .asset_name = output.asset_name,
                                .asset_version = output.asset_version,
                                .destination = destination != request.output_destinations.end()
                                                   ? destination->second
                                                   : Json(nullptr)});
    }
    return {};
}

}  // namespace

Result<Plan> make_plan(const spec::CommandJob& job, const PlanRequest& request) {
    Plan plan;
    plan.timeout = job.timeout;
    plan.instances = job.resources.instance_count;
    plan.gpus_per_instance = job.resources.gpus_per_instance;
    TRY(plan_compute(job, request));
    TRY(plan_environment(plan, job, request));
    TRY(plan_processes(plan, job, request));
    spec::InterpolationValues values;
    TRY(plan_inputs(plan, values, job, request));
    TRY(plan_outputs(plan, values, job, request));
    auto command = spec::expand(job.command, values);
    if (!command) {
        return usage_error("{}: command, at byte {}: {}", request.file, command.error().offset,
                           command.error().message);
    }
    plan.command = std::move(*command);
    for (const auto& [key, value] : job.environment_variables) {
        plan.environment[key] = value;
    }
    plan.environment.insert_or_assign("PYTHONUNBUFFERED", std::string(1, '1'));
    plan.environment["FERRY_RUN_ID"] = request.run_name;
    plan.environment["FERRY_EXPERIMENT"] = request.experiment;
    plan.environment["FERRY_WORKSPACE"] = request.workspace;
    plan.environment["FERRY_OUTPUTS_DIR"] =
        (working_directory(request.run_directory) / "outputs").string();
    // What Azure ML tells a job's processes, with ferry's values, for scripts that read them;
    // the job's own environment_variables win (a script that talks to Azure names its own).
    const std::pair<const char*, std::string> azure[] = {
        {"AZUREML_RUN_ID", request.run_name},
        {"AZUREML_ROOT_RUN_ID", request.root_run.empty() ? request.run_name : request.root_run},
        {"AZUREML_EXPERIMENT_NAME", request.experiment},
        {"AZUREML_ARM_PROJECT_NAME", request.experiment},
        {"AZUREML_ARM_WORKSPACE_NAME", request.workspace},
        {"AZUREML_ARM_SUBSCRIPTION", std::string(k_azure_subscription)},
        {"AZUREML_ARM_RESOURCEGROUP", std::string(k_azure_resource_group)}};
    for (const auto& [key, value] : azure) {
        plan.environment.emplace(key, value);
    }
    return plan;
}

std::string generate_run_name(std::mt19937_64& random) {
    std::uniform_int_distribution<std::size_t> adjective(0, k_adjectives.size() - 1);
    std::uniform_int_distribution<std::size_t> noun(0, k_nouns.size() - 1);
    std::uniform_int_distribution<std::size_t> letter(0, k_name_alphabet.size() - 1);
    std::string name =
        fmt::format("{}_{}_", k_adjectives[adjective(random)], k_nouns[noun(random)]);
    for (int i = 0; i < 10; ++i) {
        name += k_name_alphabet[letter(random)];
    }
    return name;
}

std::string default_experiment(const std::optional<fs::path>& code, const fs::path& cwd) {
    fs::path directory = code ? *code : cwd;
    std::string base = directory.lexically_normal().filename().string();
    if (base.empty()) {
        base = directory.lexically_normal().parent_path().filename().string();
    }
    std::erase(base, ' ');
    return base.empty() ? std::string("Default") : base;
}

std::string shell_join(std::span<const std::string> words) {
    std::string joined;
    for (const auto& word : words) {
        if (!joined.empty()) {
            joined += ' ';
        }
        if (!needs_quotes(word)) {
            joined += word;
            continue;
        }
        joined += '\'';
        for (const char c : word) {
            if (c == '\'') {
                joined += "'\\''";
            } else {
                joined += c;
            }
        }
        joined += '\'';
    }
    return joined;
}

Result<void> check_run_name(std::string_view name) {
    const bool valid = !name.empty() && name.size() <= 255 && name != "." && name != ".." &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                  (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
                       });
    if (!valid || name.front() == '-' || name.front() == '.') {
        return usage_error(
            "invalid run name '{}': use letters, digits, '-', '_' and '.', starting with a "
            "letter, digit or '_'",
            name);
    }
    return {};
}

fs::path run_directory(const fs::path& workspace_root, std::string_view name) {
    return workspace_root / "runs" / name;
}
fs::path working_directory(const fs::path& run_directory) {
    return run_directory / "wd";
}
fs::path std_log(const fs::path& run_directory) {
    return run_directory / "user_logs" / "std_log.txt";
}
fs::path supervisor_log(const fs::path& run_directory) {
    return run_directory / "system_logs" / "supervisor.log";
}

}  // namespace ferry::run
