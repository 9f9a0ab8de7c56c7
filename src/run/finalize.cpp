#include "finalize.hpp"

#include <fcntl.h>
#include <stdio.h>

#include "ferry/assets/data.hpp"
#include "ferry/assets/model.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/lost.hpp"
#include "ferry/run/storage.hpp"

namespace ferry::run {

namespace {

// The limits of the environment; the defaults, said in `notes`, when a value is not a number.
ArtifactLimits limits_of(const Host& host, std::vector<std::string>* notes) {
    auto limits = artifact_limits(Environment(host.environment));
    if (!limits) {
        if (notes != nullptr) {
            notes->push_back(limits.error().message + "; the default limits apply");
        }
        return ArtifactLimits{};
    }
    return *limits;
}

}  // namespace

void sync_logs(store::Workspace& workspace, const RunRecord& run, const Seams& seams) {
    auto lease = workspace.blobs().lease(store::LeaseKind::shared);
    if (!lease) {
        return;  // the next sync, or the end, stores them
    }
    const std::vector<ArtifactSource> logs = {{"user_logs", run.directory / "user_logs"},
                                              {"logs", working_directory(run.directory) / "logs"}};
    if (auto collected =
            collect_artifacts(workspace, run.directory, logs, limits_of(seams.host, nullptr),
                              seams.clock.stamp().text)) {
        std::ignore = set_artifacts(workspace.db(), run.name, collected->id);
    }
}

Result<ArtifactSet> store_run_files(store::Workspace& workspace, const RunRecord& run,
                                    const Seams& seams, SystemLog* log) {
    std::vector<std::string> notes;
    const ArtifactLimits limits = limits_of(seams.host, &notes);
    TRY_ASSIGN(auto collected, collect_artifacts(workspace, run.directory, artifact_sources(run),
                                                 limits, seams.clock.stamp().text));
    for (const auto& line : left_out_lines(collected)) {
        notes.push_back("not stored: " + line);
    }
    for (const auto& note : notes) {
        if (log != nullptr) {
            log->note("{}", note);
        }
        std::ignore = add_note(workspace.db(), run.name, note);
    }
    return collected;
}

void collect_files(store::Workspace& workspace, const RunRecord& run, Ending& ending,
                   const Seams& seams) {
    auto& log = seams.log;
    log.note("collecting outputs and logs");
    auto collected = store_run_files(workspace, run, seams, &log);
    if (!collected) {
        log.note("cannot store the artifacts: {}", collected.error().message);
        if (ending.status == Status::completed) {
            ending = Ending::infrastructure(
                "cannot store the outputs: " + collected.error().message, ending.exit_code);
        } else {
            ending.error += (ending.error.empty() ? "" : "; ") +
                            ("outputs and logs not stored: " + collected.error().message);
        }
        return;
    }
    ending.artifacts = collected->id;
    log.note("stored {} files ({} bytes) as artifacts {}", collected->files, collected->bytes,
             collected->id.substr(0, 12));
}

namespace {

// Registers one named output; the reason when it cannot be.
Result<std::string> register_output(store::Workspace& workspace, const RunRecord& run,
                                    const OutputPlan& output, const std::string& artifacts,
                                    const Clock& clock) {
    if (artifacts.empty()) {
        return fail("the run's files could not be stored");
    }
    auto content = assets::select_entries(workspace, artifacts, "named-outputs/" + output.name,
                                          clock.stamp().text, assets::BaseName::drop);
    if (!content) {
        return fail("{}", content.error().message.starts_with("no file at")
                              ? std::string("it is empty")
                              : content.error().message);
    }
    assets::DatasetRecord record;
    record.name = output.asset_name;
    record.version = output.asset_version;
    record.type = output.type;
    record.paths = {output.directory.string()};
    record.content = content->id;
    record.files = content->files;
    record.bytes = content->bytes;
    record.lineage = {{"run", run.name}, {"experiment", run.experiment}};
    TRY_ASSIGN(auto registered,
               assets::register_content(workspace, std::move(record), clock.stamp().text));
    return registered.label();
}

// A model output with a name: a model version (an mlflow_model folder must hold its MLmodel
// file), with the run as its lineage.
Result<std::string> register_model_output(store::Workspace& workspace, const RunRecord& run,
                                          const OutputPlan& output, const std::string& artifacts,
                                          const Clock& clock) {
    if (artifacts.empty()) {
        return fail("the run's files could not be stored");
    }
    std::error_code ec;
    if (output.type == "mlflow_model" && !fs::is_regular_file(output.directory / "MLmodel", ec)) {
        return fail("an mlflow_model output is a folder with an MLmodel file, and it has none");
    }
    assets::ModelRecord record;
    record.name = output.asset_name;
    record.version = output.asset_version;
    record.type = output.type;
    record.path = "named-outputs/" + output.name;
    record.lineage = model_lineage(run);
    TRY_ASSIGN(auto registered, assets::register_run_model(workspace, std::move(record), artifacts,
                                                           clock.stamp().text));
    return registered.label();
}

// Writes a named output where its datastore path says, whole or not at all: into a hidden
// sibling first, then renamed into place; a folder that was there is swapped out at once
// (renameat2's RENAME_EXCHANGE; two renames where the filesystem cannot) and removed.
Result<void> publish_output(const OutputPlan& output, const std::string& run_name) {
    const fs::path local = output.destination.value("local", "");
    const fs::path source = output.type == "uri_file" ? output.target : output.directory;
    const fs::path parent = local.parent_path();
    const fs::path staged = parent / (".ferry-" + run_name + "-" + local.filename().string());
    std::error_code ec;
    fs::create_directories(parent, ec);
    fs::remove_all(staged, ec);
    // As inputs are copied while Preparing.
    fs::copy(source, staged, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove_all(staged, ec);
        return fail("cannot copy {} to {}: {}", source.string(), parent.string(), why);
    }
    const bool folder = fs::is_directory(staged, ec);
    if (folder && fs::is_directory(local, ec)) {
        if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, local.c_str(), RENAME_EXCHANGE) == 0) {
            fs::remove_all(staged, ec);  // what was there
            return {};
        }
        // Where exchanging is not supported: the old one aside, the new one in, the old gone.
        const fs::path aside = staged.string() + ".old";
        fs::rename(local, aside, ec);
        if (ec) {
            const std::string why = ec.message();
            fs::remove_all(staged, ec);
            return fail("cannot replace {}: {}", local.string(), why);
        }
        fs::rename(staged, local, ec);
        if (ec) {
            const std::string why = ec.message();
            fs::rename(aside, local, ec);
            fs::remove_all(staged, ec);
            return fail("cannot write {}: {}", local.string(), why);
        }
        fs::remove_all(aside, ec);
        return {};
    }
    fs::rename(staged, local, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove_all(staged, ec);
        return fail("cannot write {}: {}", local.string(), why);
    }
    return {};
}

}  // namespace

void register_outputs(store::Workspace& workspace, const RunRecord& run, const Plan& plan,
                      const std::string& artifacts, const Seams& seams) {
    const auto say = [&](const std::string& said) {
        seams.log.note("{}", said);
        std::ignore = add_note(workspace.db(), run.name, said);
    };
    for (const auto& output : plan.outputs) {
        if (!output.destination.is_null()) {
            if (auto written = publish_output(output, run.name); written) {
                seams.log.note("output '{}' written to {}", output.name,
                               output.destination.value("reference", ""));
            } else {
                say(fmt::format("output '{}' is not written to {}: {}", output.name,
                                output.destination.value("reference", ""),
                                written.error().message));
            }
        }
        if (output.asset_name.empty()) {
            continue;
        }
        const bool model = output.type.ends_with("_model");
        auto registered =
            model ? register_model_output(workspace, run, output, artifacts, seams.clock)
                  : register_output(workspace, run, output, artifacts, seams.clock);
        const std::string_view noun = model ? "model" : "dataset";
        if (registered) {
            seams.log.note("output '{}' registered as {} {}", output.name, noun, *registered);
            continue;
        }
        say(fmt::format("output '{}' is not registered as {} {}: {}", output.name, noun,
                        output.asset_name, registered.error().message));
    }
}

}  // namespace ferry::run
