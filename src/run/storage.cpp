#include "ferry/run/storage.hpp"

#include "ferry/assets/datastore.hpp"
#include "ferry/run/plan.hpp"
#include "ferry/run/record.hpp"
#include "ferry/util/escape.hpp"
#include "ferry/util/text.hpp"
#include "pipeline_reuse.hpp"

namespace ferry::run {

namespace {

namespace fs = std::filesystem;
using spec::ReferenceKind;

// The run's files behind a job-output reference: a named output's directory (a sweep's: its
// best trial's), or an artifact under the run's directory.
Result<fs::path> job_output_path(store::Workspace& workspace, const Json& parsed,
                                 std::string_view type, const std::string& text) {
    const std::string name = parsed.at("run");
    TRY_ASSIGN(const auto run, find_run(workspace.db(), name));
    if (!run) {
        return usage_error("'{}': no run '{}' in workspace '{}'", util::escape_control(text),
                           util::escape_control(name), workspace.name());
    }
    if (run->status != Status::completed) {
        return usage_error("'{}': run {} is {}; only a completed run's outputs are read",
                           util::escape_control(text), name, status_name(run->status));
    }
    TRY_ASSIGN(const auto origin, outputs_of(workspace.db(), *run));
    const std::string path = parsed.value("path", "");
    fs::path local;
    if (parsed.contains("artifact")) {
        // Azure's artifact paths: outputs/..., logs/..., user_logs/...
        local = path.starts_with("user_logs/") || path == "user_logs"
                    ? origin.directory / path
                    : working_directory(origin.directory) / path;
    } else {
        const std::string output = parsed.at("output");
        const fs::path directory = origin.directory / "named-outputs" / output;
        std::error_code ec;
        if (!fs::is_directory(directory, ec)) {
            std::vector<std::string> names;
            for (const auto& entry : run->plan.value("outputs", Json::array())) {
                names.push_back(entry.value("name", ""));
            }
            return usage_error(
                "'{}': run {} has no named output '{}' (it has: {})", util::escape_control(text),
                name, util::escape_control(output),
                names.empty() ? std::string("none") : fmt::format("{}", fmt::join(names, ", ")));
        }
        local = path.empty() ? fs::path(bound_path(origin, output, type)) : directory / path;
    }
    std::error_code ec;
    if (!fs::exists(local, ec)) {
        return usage_error("'{}': run {} has no file or folder {}", util::escape_control(text),
                           name, path.empty() ? local.filename().string() : path);
    }
    return local;
}

Json datastore_origin(const std::string& text, const assets::Located& located) {
    return Json{{"reference", text}, {"datastore", located.datastore}, {"path", located.path}};
}

spec::Reference local_reference(const std::string& text, fs::path path) {
    spec::Reference reference;
    reference.kind = ReferenceKind::local_path;
    reference.text = text;
    reference.path = std::move(path);
    return reference;
}

// Where a storage reference is here and where it came from ({reference, datastore, path} or
// {reference, run, output | artifact, path}); nullopt for any other reference.
struct Stored {
    fs::path local;
    Json origin;
};
Result<std::optional<Stored>> stored_of(store::Workspace& workspace,
                                        const spec::Reference& reference, std::string_view type) {
    if (reference.kind == ReferenceKind::azure_job_output) {
        TRY_ASSIGN(auto parsed, parse_job_output(reference.text));
        TRY_ASSIGN(auto local, job_output_path(workspace, parsed, type, reference.text));
        Json origin = {{"reference", reference.text}};
        origin.update(parsed);
        return std::optional(Stored{std::move(local), std::move(origin)});
    }
    TRY_ASSIGN(const auto located, assets::locate(workspace, reference));
    if (!located) {
        return std::optional<Stored>{};
    }
    return std::optional(Stored{located->local, datastore_origin(reference.text, *located)});
}

}  // namespace

Result<RunRecord> outputs_of(store::Database& db, const RunRecord& run) {
    return origin_of(db, run);
}

Result<Json> parse_job_output(std::string_view text) {
    constexpr std::string_view prefix = "azureml://jobs/";
    const auto bad = [&] {
        return usage_error(
            "'{}': expected azureml://jobs/RUN/outputs/NAME[/paths/PATH] or "
            "azureml://jobs/RUN/outputs/artifacts/paths/PATH",
            util::escape_control(text));
    };
    if (text.size() <= prefix.size() || text.substr(0, prefix.size()) != prefix) {
        return bad();
    }
    const auto parts = util::split(text.substr(prefix.size()), '/');
    if (parts.size() < 3 || parts[1] != "outputs" || !spec::is_valid_name(parts[0]) ||
        !spec::is_valid_name(parts[2])) {
        return bad();
    }
    Json parsed = {{"run", std::string(parts[0])}};
    std::size_t next = 3;
    if (parts[2] == "artifacts") {
        parsed["artifact"] = true;
    } else {
        parsed["output"] = std::string(parts[2]);
    }
    if (next < parts.size()) {
        if (parts[next] != "paths" || next + 1 >= parts.size()) {
            return bad();
        }
        std::string path;
        for (std::size_t i = next + 1; i < parts.size(); ++i) {
            if (parts[i] == "..") {
                return usage_error("'{}': a path may not leave the run's files",
                                   util::escape_control(text));
            }
            if (parts[i].empty() || parts[i] == ".") {
                continue;
            }
            path += path.empty() ? "" : "/";
            path += parts[i];
        }
        parsed["path"] = path;
    } else if (parsed.contains("artifact")) {
        return bad();
    }
    return parsed;
}

Json model_lineage(const RunRecord& run) {
    return Json{{"run", run.name},
                {"experiment", run.experiment},
                {"snapshot", run.snapshot.empty() ? Json(nullptr) : Json(run.snapshot)},
                {"runtime", run.runtime},
                {"environment", run.environment}};
}

std::string stored_path(const Json& parsed) {
    const std::string path = parsed.value("path", "");
    if (parsed.contains("artifact")) {
        return path;
    }
    const std::string output = "named-outputs/" + parsed.value("output", "");
    return path.empty() ? output : output + "/" + path;
}

Result<std::optional<fs::path>> storage_path(store::Workspace& workspace,
                                             const spec::Reference& reference,
                                             std::string_view type) {
    TRY_ASSIGN(const auto stored, stored_of(workspace, reference, type));
    return stored ? std::optional(stored->local) : std::nullopt;
}

Result<StorageOrigins> resolve_storage(
    store::Workspace& workspace, spec::CommandJob& job, std::string_view run_name,
    const std::function<std::string(std::string_view key)>& where) {
    StorageOrigins origins;
    for (auto& input : job.inputs) {
        if (input.is_literal || !input.path) {
            continue;
        }
        const std::string key = "inputs." + input.name + ".path";
        const std::string text = input.path->text;
        auto stored = stored_of(workspace, *input.path, input.type);
        if (!stored) {
            return std::unexpected(with_context(
                stored.error(), fmt::format("{}: input '{}'", where(key), input.name)));
        }
        if (!*stored) {
            continue;
        }
        std::error_code ec;
        if (!fs::exists((*stored)->local, ec)) {
            return usage_error("{}: input '{}': '{}' is {} here, which does not exist", where(key),
                               input.name, util::escape_control(text), (*stored)->local.string());
        }
        if (input.path->kind == ReferenceKind::azure_job_output &&
            input.mode == spec::InputMode::direct) {
            input.mode = spec::InputMode::ro_mount;  // the run's files stay as they are
        }
        origins.inputs[input.name] = std::move((*stored)->origin);
        input.path = local_reference(text, std::move((*stored)->local));
    }
    for (auto& output : job.outputs) {
        if (!output.path) {
            continue;
        }
        const std::string key = "outputs." + output.name + ".path";
        // Azure's placeholders of an output path: the run's name and the output's.
        std::string text = output.path->text;
        for (const auto& [placeholder, value] :
             {std::pair<std::string_view, std::string_view>{"${{name}}", run_name},
              {"${{output_name}}", output.name}}) {
            for (std::size_t at = text.find(placeholder); at != std::string::npos;
                 at = text.find(placeholder, at + value.size())) {
                text.replace(at, placeholder.size(), value);
            }
        }
        spec::Reference reference = *output.path;
        reference.text = text;
        auto located = assets::locate(workspace, reference);
        if (!located) {
            return std::unexpected(with_context(
                located.error(), fmt::format("{}: output '{}'", where(key), output.name)));
        }
        if (!*located) {
            return usage_error(
                "{}: output '{}': ferry writes an output to a datastore (azureml://datastores/"
                "NAME/paths/PATH, or a storage URL one claims), not to '{}'",
                where(key), output.name, util::escape_control(text));
        }
        if ((*located)->path.empty()) {
            return usage_error(
                "{}: output '{}': '{}' is the root of datastore '{}'; an output "
                "is written to a path inside it",
                where(key), output.name, util::escape_control(text), (*located)->datastore);
        }
        Json origin = datastore_origin(text, **located);
        origin["local"] = (*located)->local.string();
        origins.outputs[output.name] = std::move(origin);
        output.path.reset();
    }
    return origins;
}

}  // namespace ferry::run
