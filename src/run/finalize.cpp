#include "finalize.hpp"

#include "ferry/assets/data.hpp"
#include "ferry/run/artifacts.hpp"
#include "ferry/run/lost.hpp"

namespace ferry::run {

void sync_logs(store::Workspace& workspace, const RunRecord& run, const Clock& clock) {
    const std::vector<ArtifactSource> logs = {{"logs", working_directory(run.directory) / "logs"},
                                              {"user_logs", run.directory / "user_logs"}};
    if (auto collected = collect_artifacts(workspace, logs, clock.stamp().text)) {
        std::ignore = set_artifacts(workspace.db(), run.name, collected->id);
    }
}

void collect_files(store::Workspace& workspace, const RunRecord& run, Ending& ending,
                   const Seams& seams) {
    auto& log = seams.log;
    log.note("collecting outputs and logs");
    auto collected = collect_artifacts(workspace, artifact_sources(run), seams.clock.stamp().text);
    if (!collected) {
        log.note("cannot store the artifacts: {}", collected.error().message);
        if (ending.status == Status::completed) {
            ending = Ending::infrastructure(
                "cannot store the outputs: " + collected.error().message, ending.exit_code);
        }
        return;
    }
    ending.artifacts = collected->id;
    for (const auto& skipped : collected->skipped) {
        log.note("not stored: {}", skipped);
    }
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
