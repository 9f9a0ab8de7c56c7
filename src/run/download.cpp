#include "ferry/run/download.hpp"

#include <algorithm>

#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"

namespace ferry::run {

namespace {

std::vector<std::string> output_names(const RunRecord& run) {
    std::vector<std::string> names;
    for (const auto& output : run.plan.value("outputs", Json::array())) {
        names.push_back(output.value("name", std::string()));
    }
    return names;
}

// Each entry and where it goes below the directory.
std::vector<std::pair<snapshot::ManifestEntry, std::string>> chosen(
    const std::vector<snapshot::ManifestEntry>& artifacts, const RunDownload& request) {
    const std::string wanted =
        request.output_name.empty() ? std::string() : "named-outputs/" + request.output_name + "/";
    std::vector<std::pair<snapshot::ManifestEntry, std::string>> selected;
    for (const auto& entry : artifacts) {
        const bool named = entry.path.starts_with("named-outputs/");
        if (!request.path.empty()) {
            if (entry.path == request.path || entry.path.starts_with(request.path + "/")) {
                selected.emplace_back(entry, named ? entry.path : "artifacts/" + entry.path);
            }
        } else if (!wanted.empty()) {
            if (entry.path.starts_with(wanted)) {
                selected.emplace_back(entry, entry.path);
            }
        } else if (request.all || !named) {
            selected.emplace_back(entry, named ? entry.path : "artifacts/" + entry.path);
        }
    }
    return selected;
}

// A pipeline's steps' named outputs, each under named-outputs/STEP/NAME: a reused step's are
// those of the run it reused, which its record names.
Result<DownloadResult> download_steps(store::Workspace& workspace, const RunRecord& pipeline,
                                      const RunDownload& request) {
    TRY_ASSIGN(const auto children, list_runs(workspace.db(), {.parent = pipeline.name}));
    DownloadResult total;
    for (const RunRecord& child : children.first) {
        if (!child.trial.is_object() || !child.trial.contains("step") || child.artifacts.empty()) {
            continue;
        }
        const std::string step = child.trial.value("step", "");
        TRY_ASSIGN(const auto artifacts, read_artifacts(workspace.blobs(), child.artifacts));
        std::vector<std::pair<snapshot::ManifestEntry, std::string>> selected;
        constexpr std::string_view k_named = "named-outputs/";
        for (const auto& entry : artifacts) {
            if (entry.path.starts_with(k_named)) {
                selected.emplace_back(entry, fmt::format("{}{}/{}", k_named, step,
                                                         entry.path.substr(k_named.size())));
            }
        }
        TRY_ASSIGN(const auto written,
                   download_entries(workspace.blobs(), selected, request.directory,
                                    request.overwrite, LinkScope::source));
        total.files += written.files;
        total.bytes += written.bytes;
        total.unchanged += written.unchanged;
    }
    return total;
}

}  // namespace

Result<std::vector<snapshot::ManifestEntry>> run_artifacts(store::Workspace& workspace,
                                                           const RunRecord& run) {
    if (run.artifacts.empty()) {
        return std::vector<snapshot::ManifestEntry>{};
    }
    return read_artifacts(workspace.blobs(), run.artifacts);
}

// The folders and files a path could have meant: every stored path and each folder above.
std::vector<std::string> path_candidates(const std::vector<snapshot::ManifestEntry>& artifacts) {
    std::vector<std::string> candidates;
    for (const auto& entry : artifacts) {
        for (auto slash = entry.path.find('/'); slash != std::string::npos;
             slash = entry.path.find('/', slash + 1)) {
            candidates.push_back(entry.path.substr(0, slash));
        }
        candidates.push_back(entry.path);
    }
    std::ranges::sort(candidates);
    candidates.erase(std::ranges::unique(candidates).begin(), candidates.end());
    return candidates;
}

Result<DownloadResult> download_run(store::Workspace& workspace, const RunRecord& run,
                                    const RunDownload& request) {
    if (!is_terminal(run.status) && run.artifacts.empty()) {
        return fail(
            "run {} is {} and has stored no files yet; its outputs can be downloaded once it "
            "has ended ('ferry run wait {}' waits)",
            run.name, status_name(run.status), run.name);
    }
    TRY_ASSIGN(const auto artifacts, run_artifacts(workspace, run));
    if (!request.path.empty()) {
        const auto selected = chosen(artifacts, request);
        if (selected.empty()) {
            return usage_error("run {} has no file or folder '{}'{}{}", run.name, request.path,
                               is_terminal(run.status) ? "" : " stored yet",
                               util::did_you_mean(request.path, path_candidates(artifacts)));
        }
        return download_entries(workspace.blobs(), selected, request.directory, request.overwrite,
                                LinkScope::source);
    }
    const auto names = output_names(run);
    if (!request.output_name.empty() &&
        std::ranges::find(names, request.output_name) == names.end()) {
        return usage_error("run {} has no output named '{}'{}", run.name, request.output_name,
                           names.empty() ? std::string(" (it has no named outputs)")
                                         : util::did_you_mean(request.output_name, names));
    }
    TRY_ASSIGN(auto written,
               download_entries(workspace.blobs(), chosen(artifacts, request), request.directory,
                                request.overwrite, LinkScope::source));
    if (run.is_pipeline() && request.all) {
        TRY_ASSIGN(const auto steps, download_steps(workspace, run, request));
        written.files += steps.files;
        written.bytes += steps.bytes;
        written.unchanged += steps.unchanged;
    }
    // Named outputs the job left empty still appear, as empty directories.
    for (const auto& output : names) {
        if (request.all || request.output_name == output) {
            std::ignore =
                util::create_directories(request.directory / "named-outputs" / output, 0755);
        }
    }
    return written;
}

}  // namespace ferry::run
