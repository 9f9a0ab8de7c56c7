#pragma once

#include <httplib.h>

#include <functional>

#include "ferry/core/runner.hpp"
#include "ferry/store/workspace.hpp"
#include "http.hpp"

namespace ferry::ui {

// Runs `work` with the workspace while no other request uses its one connection, and answers
// its error.
using WithWorkspace =
    std::function<void(httplib::Response&, const std::function<Result<void>(store::Workspace&)>&)>;

// /api/environments, /api/datasets, /api/models and a NAME below each: the records of `env`,
// `dataset` and `model` list and show (cli/asset_records). `runner` tells whether an
// environment is built here, as `env show` says.
void add_asset_routes(httplib::Server& http, const WithWorkspace& with, Runner& runner);

}  // namespace ferry::ui
