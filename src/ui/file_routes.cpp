// The ui's files of a run: its snapshot's and its artifacts.
#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "api.hpp"
#include "ferry/util/fd.hpp"
#include "routes.hpp"

namespace ferry::ui {

namespace {

// A snapshot file shown on its page; a longer one is downloaded instead.
constexpr std::uint64_t k_shown_file = 2 << 20;
constexpr std::size_t k_chunk = 256 * 1024;

// RFC 6266's filename*: the name percent-encoded, so that no quote or control character
// reaches the header.
std::string disposition(std::string_view name) {
    return "attachment; filename*=UTF-8''" + percent_encoded(name);
}

// Sends the blob's bytes a chunk at a time, outside the workspace's lock: a blob never changes.
void send_blob(httplib::Response& response, const fs::path& blob, std::uint64_t size,
               const std::string& type) {
    auto fd = std::make_shared<util::Fd>(::open(blob.c_str(), O_RDONLY | O_CLOEXEC));
    if (!*fd) {
        answer_problem(response, 500, fmt::format("cannot read {}", blob.string()));
        return;
    }
    response.set_content_provider(
        static_cast<std::size_t>(size), type,
        [fd](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
            std::string chunk(std::min(length, k_chunk), '\0');
            const ssize_t got =
                ::pread(fd->get(), chunk.data(), chunk.size(), static_cast<off_t>(offset));
            return got > 0 && sink.write(chunk.data(), static_cast<std::size_t>(got));
        });
}

}  // namespace

void add_file_routes(httplib::Server& http, const WithWorkspace& with) {
    const auto run_of = [](store::Workspace& workspace, const httplib::Request& request) {
        return run::get_run(workspace.db(), request.matches[1].str(), workspace.name());
    };
    http.Get("/api/runs/([^/]+)/snapshot",
             [with, run_of](const httplib::Request& request, httplib::Response& response) {
                 with(response, [&](store::Workspace& workspace) -> Result<void> {
                     TRY_ASSIGN(const auto run, run_of(workspace, request));
                     TRY_ASSIGN(const auto files, api::snapshot_files(workspace, run));
                     answer_json(response, 200, files);
                     return {};
                 });
             });
    const auto serve = [with, run_of](bool artifact) {
        return [with, run_of, artifact](const httplib::Request& request,
                                        httplib::Response& response) {
            const std::string path = request.matches[2].str();
            if (!is_inside_path(path)) {
                answer_problem(response, 403,
                               fmt::format("'{}' is not a path inside the run", path));
                return;
            }
            std::optional<api::StoredFile> found;
            with(response, [&](store::Workspace& workspace) -> Result<void> {
                TRY_ASSIGN(const auto run, run_of(workspace, request));
                TRY_ASSIGN(found, artifact ? api::artifact_file(workspace, run, path)
                                           : api::snapshot_file(workspace, run, path));
                return {};
            });
            if (!found) {
                return;  // answered
            }
            const bool download = artifact || request.has_param("download");
            if (!download && found->size > k_shown_file) {
                answer_problem(response, 413,
                               fmt::format("'{}' is {} bytes, more than a page shows: download it "
                                           "(?download=1)",
                                           path, found->size));
                return;
            }
            if (download) {
                response.set_header("Content-Disposition", disposition(found->name));
            }
            send_blob(response, found->blob, found->size,
                      download ? "application/octet-stream" : "text/plain; charset=utf-8");
        };
    };
    http.Get("/api/runs/([^/]+)/snapshot/(.+)", serve(false));
    http.Get("/api/runs/([^/]+)/artifacts/(.+)", serve(true));
}

}  // namespace ferry::ui
