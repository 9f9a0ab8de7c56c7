#include "finalize.hpp"

#include "ferry/assets/data.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/lost.hpp"

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

}  // namespace

void register_outputs(store::Workspace& workspace, const RunRecord& run, const Plan& plan,
                      const std::string& artifacts, const Seams& seams) {
    for (const auto& output : plan.outputs) {
        if (output.asset_name.empty()) {
            continue;
        }
        auto registered = register_output(workspace, run, output, artifacts, seams.clock);
        if (registered) {
            seams.log.note("output '{}' registered as dataset {}", output.name, *registered);
            continue;
        }
        const std::string said =
            fmt::format("output '{}' is not registered as dataset {}: {}", output.name,
                        output.asset_name, registered.error().message);
        seams.log.note("{}", said);
        std::ignore = add_note(workspace.db(), run.name, said);
    }
}

}  // namespace ferry::run
