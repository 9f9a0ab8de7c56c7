#pragma once

#include <optional>
#include <string>

#include "asset_support.hpp"
#include "ferry/assets/data.hpp"
#include "ferry/assets/model.hpp"
#include "ferry/core/runner.hpp"
#include "ferry/env/registry.hpp"
#include "ferry/output/render.hpp"
#include "ferry/store/workspace.hpp"

// The records of `env`, `dataset` and `model` list and show, as -o json prints them: one code
// path for the CLI and for `ferry ui`'s API.
namespace ferry::cli {

using output::Json;

[[nodiscard]] Json environment_record(const env::EnvironmentRecord& record,
                                      const std::optional<Json>& materialized);
[[nodiscard]] Json dataset_record(store::Database& db, assets::DatasetRecord record);
[[nodiscard]] Json model_record(const assets::ModelRecord& record);

// NAME, NAME:VERSION or NAME@latest; "no environment ... (see 'ferry env list')" otherwise.
[[nodiscard]] Result<env::EnvironmentRecord> find_environment(store::Workspace& workspace,
                                                              const std::string& text);
[[nodiscard]] Result<assets::DatasetRecord> find_dataset(store::Workspace& workspace,
                                                         const std::string& text);
[[nodiscard]] Result<assets::ModelRecord> find_model(store::Workspace& workspace,
                                                     const std::string& text);

[[nodiscard]] Result<Json> environment_list(store::Workspace& workspace, const ListFlags& flags);
// With whether it is built here ({"state", "location"}).
[[nodiscard]] Result<Json> environment_show(store::Workspace& workspace, const std::string& name,
                                            Runner& runner);
[[nodiscard]] Result<Json> dataset_list(store::Workspace& workspace, const ListFlags& flags);
[[nodiscard]] Result<Json> dataset_show(store::Workspace& workspace, const std::string& name);
[[nodiscard]] Result<Json> model_list(store::Workspace& workspace, const ListFlags& flags);
[[nodiscard]] Result<Json> model_show(store::Workspace& workspace, const std::string& name);

}  // namespace ferry::cli
