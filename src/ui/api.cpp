// The ui's JSON API: the CLI's records, asked for over HTTP.
#include "api.hpp"

#include "ferry/run/download.hpp"
#include "ferry/util/fs.hpp"
#include "ferry/util/text.hpp"

namespace ferry::ui::api {

namespace {

Result<StoredFile> find_entry(const std::vector<snapshot::ManifestEntry>& entries,
                              const store::Workspace& workspace, const run::RunRecord& run,
                              const std::string& path, std::string_view what) {
    for (const auto& entry : entries) {
        if (entry.path == path && !entry.is_link()) {
            return StoredFile{workspace.blobs().path_of(entry.sha256), entry.size,
                              fs::path(entry.path).filename().string()};
        }
    }
    return fail("no file '{}' in the {} of run {}", path, what, run.name);
}

Result<std::vector<snapshot::ManifestEntry>> snapshot_entries(store::Workspace& workspace,
                                                              const run::RunRecord& run) {
    if (run.snapshot.empty()) {
        return std::vector<snapshot::ManifestEntry>{};
    }
    TRY_ASSIGN(const auto text, util::read_file(workspace.blobs().path_of(run.snapshot)));
    return snapshot::parse_manifest(text);
}

}  // namespace

Result<run::ListQuery> list_query(const httplib::Request& request) {
    run::ListQuery query;
    query.experiment = request.get_param_value("experiment");
    query.status = request.get_param_value("status");
    if (request.has_param("max_results")) {
        const std::string text = request.get_param_value("max_results");
        const auto number = util::parse_integer(text);
        if (!number) {
            return usage_error("max_results '{}': give a number", text);
        }
        query.max_results = *number;
    }
    query.all = query_flag(request, "all");
    for (std::size_t i = 0; i < request.get_param_value_count("tag"); ++i) {
        query.tags.push_back(request.get_param_value("tag", i));
    }
    query.filter = request.get_param_value("filter");
    query.order_by = request.get_param_value("order_by");
    query.columns = request.get_param_value("columns");
    query.children = query_flag(request, "children");
    query.parent = request.get_param_value("parent");
    query.archived = query_flag(request, "include_archived");
    return query;
}

Result<Json> workspace_record(store::Workspace& workspace) {
    TRY_ASSIGN(const auto experiments, run::experiments(workspace.db()));
    Json listed = Json::array();
    for (const auto& [name, count] : experiments) {
        listed.push_back({{"name", name}, {"runs", count}});
    }
    return Json{{"name", workspace.name()},
                {"root", workspace.root().string()},
                {"experiments", std::move(listed)}};
}

Result<Json> snapshot_files(store::Workspace& workspace, const run::RunRecord& run) {
    TRY_ASSIGN(const auto entries, snapshot_entries(workspace, run));
    Json files = Json::array();
    for (const auto& entry : entries) {
        files.push_back({{"path", entry.path}, {"size", entry.size}, {"mode", entry.mode}});
    }
    return files;
}

Result<StoredFile> snapshot_file(store::Workspace& workspace, const run::RunRecord& run,
                                 const std::string& path) {
    TRY_ASSIGN(const auto entries, snapshot_entries(workspace, run));
    return find_entry(entries, workspace, run, path, "snapshot");
}

Result<StoredFile> artifact_file(store::Workspace& workspace, const run::RunRecord& run,
                                 const std::string& path) {
    TRY_ASSIGN(const auto entries, run::run_artifacts(workspace, run));
    return find_entry(entries, workspace, run, path, "artifacts");
}

}  // namespace ferry::ui::api
