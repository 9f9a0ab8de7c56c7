#pragma once

#include <httplib.h>

#include <functional>

#include "ferry/core/runner.hpp"
#include "ferry/store/workspace.hpp"
#include "http.hpp"

// The routes of `ferry ui` that live outside its server class.
namespace ferry::ui {

// Runs `work` with the workspace while no other request uses its one connection, and answers
// its error.
using Work = std::function<Result<void>(store::Workspace&)>;
using WithWorkspace = std::function<void(httplib::Response&, const Work&)>;

// /api/runs/RUN/snapshot (its files), .../snapshot/PATH (one, as text to show, at most 2 MiB)
// and .../artifacts/PATH (a download): found by their exact stored path under the lock, a path
// that leaves the run refused before any lookup, the bytes sent after it, from the blob.
void add_file_routes(httplib::Server& http, const WithWorkspace& with);

// /api/environments, /api/datasets, /api/models and a NAME below each: the records of `env`,
// `dataset` and `model` list and show (cli/asset_records). `runner` tells whether an
// environment is built here, as `env show` says.
void add_asset_routes(httplib::Server& http, const WithWorkspace& with, Runner& runner);

}  // namespace ferry::ui
