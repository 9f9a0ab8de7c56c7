// A pipeline step's fingerprint, and the earlier run that may stand for it.
#include "pipeline_reuse.hpp"

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "ferry/run/artifacts.hpp"
#include "ferry/run/status.hpp"
#include "ferry/run/storage.hpp"
#include "ferry/run/sweep.hpp"
#include "ferry/spec/reference.hpp"
#include "ferry/util/sha256.hpp"

namespace ferry::run {

namespace {

namespace fs = std::filesystem;

// What stands for a file that cannot be read: never the same twice, so that nothing is
// reused on its account.
std::string unreadable() {
    static std::mt19937_64 random(std::random_device{}());
    return fmt::format("unreadable:{:016x}", random());
}

// The files below a local path, each path with its content's hash, in path order; a link by
// its target and, where that is a file, the target's content. What a data input's content is.
std::string tree_content(const fs::path& root) {
    util::Sha256 hash;
    std::error_code ec;
    if (fs::is_regular_file(root, ec)) {
        hash.update(util::sha256_of_file(root).value_or(unreadable()));
        return hash.hex_digest();
    }
    if (!fs::is_directory(root, ec)) {
        return unreadable();
    }
    std::vector<fs::path> files;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_symlink(ec) || it->is_regular_file(ec)) {
            files.push_back(it->path());
        }
    }
    if (ec) {
        return unreadable();
    }
    std::ranges::sort(files);
    for (const fs::path& file : files) {
        hash.update(fs::relative(file, root, ec).string());
        hash.update(std::string_view("\0", 1));
        if (fs::is_symlink(file, ec)) {
            hash.update("link:" + fs::read_symlink(file, ec).string() + ":");
            hash.update(fs::is_regular_file(file, ec) ? util::sha256_of_file(file).value_or("")
                                                      : std::string());
        } else {
            hash.update(util::sha256_of_file(file).value_or(unreadable()));
        }
        hash.update(std::string_view("\n", 1));
    }
    return hash.hex_digest();
}

// An inline environment's files (conda file, pip requirements, build context) count by
// their content, not their path.
void environment_content(Json& key) {
    if (!key.contains("environment") || !key["environment"].is_object()) {
        return;
    }
    Json& environment = key["environment"];
    for (const char* file : {"conda_file", "pip_requirements"}) {
        if (environment.contains(file) && environment[file].is_string()) {
            environment[file] = "content:" + tree_content(environment[file].get<std::string>());
        }
    }
    if (environment.contains("build") && environment["build"].is_object() &&
        environment["build"].contains("path")) {
        environment["build"]["path"] =
            "content:" + tree_content(environment["build"].value("path", ""));
    }
}

}  // namespace

Result<std::string> step_fingerprint(const Json& job, std::string_view snapshot,
                                     const std::map<std::string, std::string>& bound,
                                     store::Workspace* workspace) {
    Json key = job;
    for (const char* place : {"name", "display_name", "experiment_name", "description", "tags",
                              "properties", "compute"}) {
        key.erase(place);
    }
    const Json inputs = key.value("inputs", Json::object());
    for (const auto& [name, input] : inputs.items()) {
        if (!input.is_object()) {
            continue;
        }
        Json& entry = key["inputs"][name];
        if (const auto it = bound.find(name); it != bound.end()) {
            entry["path"] = "content:" + it->second;
            continue;
        }
        const auto path = input.value("path", std::string());
        auto reference = spec::parse_reference(path, spec::ReferenceRole::path);
        if (reference && reference->kind == spec::ReferenceKind::local_path) {
            entry["path"] = "content:" + tree_content(path);
        } else if (reference && workspace != nullptr) {
            // One that is not there counts by its text; its submit says what is wrong.
            const auto local =
                storage_path(*workspace, *reference, input.value("type", "uri_folder"));
            if (local && *local) {
                entry["path"] = "content:" + tree_content((*local)->string());
            }
        }
    }
    environment_content(key);
    key["snapshot"] = snapshot;
    return util::Sha256::of(key.dump());
}

Result<std::string> output_content(store::Workspace& workspace, const RunRecord& run,
                                   std::string_view output) {
    if (run.artifacts.empty()) {
        return fail("run {} has no stored files", run.name);
    }
    TRY_ASSIGN(const auto entries, read_artifacts(workspace.blobs(), run.artifacts));
    const std::string prefix = fmt::format("named-outputs/{}/", output);
    util::Sha256 hash;
    for (const auto& entry : entries) {
        if (!entry.path.starts_with(prefix)) {
            continue;
        }
        hash.update(fmt::format("{}\t{}\t{}\t{}\n", entry.path.substr(prefix.size()), entry.mode,
                                entry.sha256, entry.target));
    }
    return hash.hex_digest();
}

Result<std::optional<RunRecord>> reusable_run(store::Workspace& workspace,
                                              std::string_view fingerprint) {
    TRY_ASSIGN(
        const auto names,
        workspace.db().query_all("SELECT name FROM runs WHERE status = 'Completed' AND trial ->> "
                                 "'$.fingerprint' = ?1 AND artifacts IS NOT NULL ORDER BY seq DESC",
                                 store::first_text, fingerprint));
    for (const std::string& name : names) {
        TRY_ASSIGN(const auto run, find_run(workspace.db(), name));
        std::error_code ec;
        if (run && !run->artifacts.empty() && fs::is_directory(run->directory, ec)) {
            return run;
        }
    }
    return std::optional<RunRecord>();
}

Result<RunRecord> origin_of(store::Database& db, const RunRecord& step) {
    if (step.is_sweep()) {
        // A sweep's outputs are its best trial's.
        TRY_ASSIGN(const auto trials, sweep_trials(db, step));
        const auto best = best_trial(
            trials, step.spec.value("objective", Json::object()).value("goal", "") == "maximize");
        if (!best) {
            return fail(
                "sweep {} has no best trial: none of its {} trials completed with its "
                "primary metric",
                step.name, trials.size());
        }
        TRY_ASSIGN(auto trial, find_run(db, *best));
        if (!trial) {
            return fail("the best trial {} of sweep {} is deleted", *best, step.name);
        }
        return std::move(*trial);
    }
    const std::string from = step.trial.is_object() ? step.trial.value("reused_from", "") : "";
    std::error_code ec;
    // A reused step has the run's named outputs linked into its own directory.
    if (from.empty() || fs::is_directory(step.directory / "named-outputs", ec)) {
        return step;
    }
    TRY_ASSIGN(auto origin, find_run(db, from));
    if (!origin) {
        return fail("step run {} reused run {}, which is deleted", step.name, from);
    }
    return std::move(*origin);
}

std::string bound_path(const RunRecord& origin, std::string_view output, std::string_view type) {
    const fs::path directory = origin.directory / "named-outputs" / std::string(output);
    return (type == "uri_file" ? directory / std::string(output) : directory).string();
}

namespace {

// Whether a step of the plan would be reused, and from which run; else why it would run.
Result<std::string> dry_run_decision(store::Workspace& workspace, const Json& step,
                                     bool force_rerun,
                                     std::map<std::string, RunRecord, std::less<>>& reused) {
    if (force_rerun) {
        return std::string("runs: settings.force_rerun");
    }
    if (step.value("kind", "") == "sweep") {
        return std::string("runs: a sweep step is never reused (its trials decide its result)");
    }
    if (!step.value("deterministic", true)) {
        return std::string("runs: not deterministic (is_deterministic: false, or force_rerun)");
    }
    std::map<std::string, std::string> bound;
    for (const Json& binding : step["bindings"]) {
        const std::string from = binding.value("step", "");
        const auto upstream = reused.find(from);
        if (upstream == reused.end()) {
            return fmt::format("decided when step '{}' has run: its outputs are this step's inputs",
                               from);
        }
        TRY_ASSIGN(bound[binding.value("input", "")],
                   output_content(workspace, upstream->second, binding.value("output", "")));
    }
    TRY_ASSIGN(const auto fingerprint,
               step_fingerprint(step["job"], step.value("snapshot", ""), bound, &workspace));
    TRY_ASSIGN(const auto earlier, reusable_run(workspace, fingerprint));
    if (!earlier) {
        return std::string("runs: no earlier run of it with the same code, inputs and environment");
    }
    reused.emplace(step.value("step", ""), *earlier);
    return fmt::format("reused from {}", earlier->name);
}

}  // namespace

Result<Json> pipeline_dry_run(store::Workspace& workspace, const spec::PipelineJob& job,
                              const Json& plan) {
    const Json& pipeline = plan["pipeline"];
    std::map<std::string, RunRecord, std::less<>> reused;
    Json steps = Json::array();
    for (const Json& step : pipeline["steps"]) {
        TRY_ASSIGN(auto decision,
                   dry_run_decision(workspace, step, pipeline.value("force_rerun", false), reused));
        steps.push_back({{"step", step["step"]},
                         {"component", step["component"]},
                         {"compute", step.value("compute", "")},
                         {"after", step["after"]},
                         {"decision", std::move(decision)}});
    }
    return Json{{"type", "pipeline"},
                {"experiment", job.experiment_name},
                {"continue_on_step_failure", job.continue_on_step_failure},
                {"steps", std::move(steps)}};
}

}  // namespace ferry::run
