// The ui's API of environments, datasets and models: the records of their list and show.
#include "routes.hpp"

#include "../cli/asset_records.hpp"

namespace ferry::ui {

namespace {

cli::ListFlags list_flags(const httplib::Request& request) {
    return {.all_versions = query_flag(request, "all_versions"),
            .include_archived = query_flag(request, "include_archived")};
}

// GET /api/GROUP (the list, ?all_versions=1&include_archived=1) and /api/GROUP/NAME (NAME,
// NAME:VERSION or NAME@latest), each answering with what `ferry GROUP list|show -o json`
// prints.
void add_group(httplib::Server& http, const std::string& group, const WithWorkspace& with,
               std::function<Result<Json>(store::Workspace&, const cli::ListFlags&)> list,
               std::function<Result<Json>(store::Workspace&, const std::string&)> show) {
    http.Get("/api/" + group,
             [with, list](const httplib::Request& request, httplib::Response& response) {
                 with(response, [&](store::Workspace& workspace) -> Result<void> {
                     TRY_ASSIGN(const auto rows, list(workspace, list_flags(request)));
                     answer_json(response, 200, rows);
                     return {};
                 });
             });
    http.Get("/api/" + group + "/([^/]+)",
             [with, show](const httplib::Request& request, httplib::Response& response) {
                 with(response, [&](store::Workspace& workspace) -> Result<void> {
                     TRY_ASSIGN(const auto record, show(workspace, request.matches[1].str()));
                     answer_json(response, 200, record);
                     return {};
                 });
             });
}

}  // namespace

void add_asset_routes(httplib::Server& http, const WithWorkspace& with, Runner& runner) {
    add_group(http, "environments", with, cli::environment_list,
              [&runner](store::Workspace& workspace, const std::string& name) {
                  return cli::environment_show(workspace, name, runner);
              });
    add_group(http, "datasets", with, cli::dataset_list, cli::dataset_show);
    add_group(http, "models", with, cli::model_list, cli::model_show);
}

}  // namespace ferry::ui
