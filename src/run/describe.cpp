#include "ferry/run/describe.hpp"

#include <chrono>

#include "ferry/run/lost.hpp"
#include "ferry/util/time.hpp"

namespace ferry::run {

Status shown_status(const RunSummary& run, std::int64_t now_ms) {
    if (!is_terminal(run.status) && run.heartbeat_ms &&
        now_ms - *run.heartbeat_ms > k_heartbeat_stale_ms) {
        return Status::not_responding;
    }
    return run.status;
}

std::optional<std::int64_t> duration_ms(const RunSummary& run, std::int64_t now_ms) {
    if (!run.started) {
        return std::nullopt;  // never started: no duration, even once ended
    }
    const std::int64_t end = run.ended ? run.ended->ms : now_ms;
    return std::max<std::int64_t>(0, end - run.started->ms);
}

std::string human_duration(std::int64_t ms) {
    if (ms < 1000) {
        return fmt::format("{} ms", ms);
    }
    if (ms < 59'950) {  // what would round to "60.0 s" is a minute
        return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
    }
    const std::int64_t seconds = (ms + 500) / 1000;  // rounded, as the form above rounds
    if (seconds < 3600) {
        return fmt::format("{} min {:02} s", seconds / 60, seconds % 60);
    }
    return fmt::format("{} h {:02} min", seconds / 3600, (seconds % 3600) / 60);
}

Json run_summary(const RunSummary& run, std::int64_t now_ms) {
    Json record = Json::object();
    record.get_ref<Json::object_t&>().reserve(11);  // its fields below, made once per run listed
    record["name"] = run.name;
    record["status"] = status_name(shown_status(run, now_ms));
    record["experiment"] = run.experiment;
    record["compute"] = run.compute;
    record["created_at"] = run.created.text;
    const auto duration = duration_ms(run, now_ms);
    record["duration"] = duration ? Json(static_cast<double>(*duration) / 1000.0) : Json(nullptr);
    record["duration_text"] = duration ? human_duration(*duration) : std::string();
    record["exit_code"] = run.exit_code ? Json(*run.exit_code) : Json(nullptr);
    record["tags"] = run.tags.is_object() ? run.tags : Json::object();
    record["archived"] = run.archived;
    return record;
}

namespace {

Json optional_figure(const std::optional<std::int64_t>& figure) {
    return figure ? Json(*figure) : Json(nullptr);
}

// {id, files, bytes, new_files, new_bytes}, as `run snapshot --store` prints them; null
// without code.
Json snapshot_record(const RunRecord& run) {
    if (run.snapshot.empty()) {
        return nullptr;
    }
    const auto& figures = run.snapshot_figures;
    return Json{{"id", run.snapshot},
                {"files", optional_figure(figures.files)},
                {"bytes", optional_figure(figures.bytes)},
                {"new_files", optional_figure(figures.new_files)},
                {"new_bytes", optional_figure(figures.new_bytes)}};
}

// Where the run's inputs came from (a registered asset, a datastore, an earlier run) and the
// datastores its outputs are written to, by name: {inputs, outputs}.
Json lineage_of(const RunRecord& run) {
    Json inputs = Json::object();
    Json outputs = Json::object();
    if (run.plan.is_object()) {
        for (const auto& input : run.plan.value("inputs", Json::array())) {
            const std::string name = input.value("name", "");
            if (input.contains("origin")) {
                inputs[name] = input["origin"];
            } else if (input.contains("asset")) {
                const auto& asset = input["asset"];
                inputs[name] = {{asset.value("kind", "data") == "model" ? "model" : "dataset",
                                 asset.value("name", "") + ":" + asset.value("version", "")}};
            }
        }
        for (const auto& output : run.plan.value("outputs", Json::array())) {
            if (output.contains("destination")) {
                outputs[output.value("name", "")] = output["destination"];
            }
        }
    }
    return {{"inputs", std::move(inputs)}, {"outputs", std::move(outputs)}};
}

}  // namespace

Json tracked_details(const track::RunData& data) {
    Json metrics = Json::object();
    for (const auto& [key, summary] : data.metrics) {
        metrics[key] = {{"last", summary.last.value},
                        {"step", summary.last.step},
                        {"min", summary.min},
                        {"max", summary.max},
                        {"count", summary.count}};
    }
    Json params = Json::object();
    for (const auto& [key, value] : data.params) {
        params[key] = value;
    }
    Json tags = Json::object();
    for (const auto& [key, value] : data.tags) {
        tags[key] = value;
    }
    return {
        {"params", std::move(params)}, {"tags", std::move(tags)}, {"metrics", std::move(metrics)}};
}

Json run_details(const RunRecord& run, const std::vector<Event>& events,
                 const std::vector<snapshot::ManifestEntry>& artifacts, std::int64_t now_ms) {
    Json record;
    record["name"] = run.name;
    record["display_name"] = run.display_name;
    record["experiment"] = run.experiment;
    // A child run's parent: its sweep, or the run whose job's MLflow client made it.
    record["parent"] = run.parent.empty() ? Json(nullptr) : Json(run.parent);
    // A sweep's trial: its number and values.
    record["trial"] = run.trial.is_object() ? run.trial : Json(nullptr);
    record["status"] = status_name(shown_status(run, now_ms));
    record["archived"] = run.archived;
    record["compute"] = run.compute;
    record["runtime"] = run.runtime;
    record["environment"] = run.environment.is_object() ? run.environment : Json(nullptr);
    Json notes = Json::array();
    if (run.plan.is_object() && run.plan.contains("notes") && run.plan["notes"].is_array()) {
        notes = run.plan["notes"];  // what submit said
    }
    if (run.notes.is_array()) {
        notes.insert(notes.end(), run.notes.begin(), run.notes.end());
    }
    record["notes"] = std::move(notes);
    record["created_at"] = run.created.text;
    record["started_at"] = run.started ? Json(run.started->text) : Json(nullptr);
    record["ended_at"] = run.ended ? Json(run.ended->text) : Json(nullptr);
    const auto duration = duration_ms(run, now_ms);
    record["duration"] = duration ? Json(static_cast<double>(*duration) / 1000.0) : Json(nullptr);
    record["exit_code"] = run.exit_code ? Json(*run.exit_code) : Json(nullptr);
    record["error"] = run.error.empty() ? Json(nullptr) : Json(run.error);
    record["snapshot"] = snapshot_record(run);
    record["command"] = run.command;
    record["directory"] = run.directory.string();
    record["submitted_by"] = run.submitted_by;
    // A run on a cluster: its Slurm job id, state, pending reason and nodes.
    record["scheduler"] = run.scheduler.is_object() ? run.scheduler : Json(nullptr);
    record["supervisor"] = {
        {"pid", run.supervisor_pid ? Json(*run.supervisor_pid) : Json(nullptr)},
        {"boot_id", run.boot_id.empty() ? Json(nullptr) : Json(run.boot_id)},
        {"heartbeat_at", run.heartbeat_ms
                             ? Json(util::format_utc(std::chrono::system_clock::time_point(
                                   std::chrono::milliseconds(*run.heartbeat_ms))))
                             : Json(nullptr)}};
    Json history = Json::array();
    for (const auto& event : events) {
        Json item;
        item["status"] = status_name(event.status);
        item["at"] = event.at;
        item["detail"] = event.detail;
        history.push_back(std::move(item));
    }
    record["history"] = std::move(history);
    Json files = Json::array();
    for (const auto& entry : artifacts) {
        files.push_back({{"path", entry.path}, {"size", entry.size}});
    }
    record["artifacts"] = std::move(files);
    record["lineage"] = lineage_of(run);
    record["spec"] = run.spec;
    return record;
}

}  // namespace ferry::run
