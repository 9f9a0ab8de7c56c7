#pragma once

#include <httplib.h>

#include <cstdint>
#include <string>

#include "ferry/run/query.hpp"
#include "ferry/snapshot/manifest.hpp"
#include "ferry/store/workspace.hpp"
#include "http.hpp"

// The ui's JSON API: each answer is the record the CLI prints with -o json (run/query), read
// from the request's words.
namespace ferry::ui::api {

namespace fs = std::filesystem;

// GET /api/runs: `run list`'s query, its options as parameters (experiment, status,
// max_results, all, tag (repeated), filter, order_by, columns, children, parent,
// include_archived).
[[nodiscard]] Result<run::ListQuery> list_query(const httplib::Request& request);

// GET /api/workspace: {"name", "root", "experiments": [{"name", "runs"}]}.
[[nodiscard]] Result<Json> workspace_record(store::Workspace& workspace);

// GET /api/runs/NAME/snapshot: the files of the run's snapshot, [{"path", "size", "mode"}].
[[nodiscard]] Result<Json> snapshot_files(store::Workspace& workspace, const run::RunRecord& run);

// A stored file of a run: where its bytes are.
struct StoredFile {
    fs::path blob;
    std::uint64_t size = 0;
    std::string name;  // the file's own name, for a download
};
// One file of the run's snapshot or of its stored artifacts, by its exact stored path; the
// caller has refused paths that leave the run (is_inside_path).
[[nodiscard]] Result<StoredFile> snapshot_file(store::Workspace& workspace,
                                               const run::RunRecord& run, const std::string& path);
[[nodiscard]] Result<StoredFile> artifact_file(store::Workspace& workspace,
                                               const run::RunRecord& run, const std::string& path);

}  // namespace ferry::ui::api
