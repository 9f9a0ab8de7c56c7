// The ui's answers.
#include "http.hpp"

#include "ferry/util/text.hpp"

namespace ferry::ui {

void answer_json(httplib::Response& response, int status, const Json& body) {
    response.status = status;
    response.set_header("Cache-Control", "no-store");
    response.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace),
                         "application/json");
}

void answer_problem(httplib::Response& response, int status, std::string_view message) {
    answer_json(response, status, {{"error", message}});
}

void answer_error(httplib::Response& response, const Error& error) {
    int status = 500;
    if (error.message.starts_with("no ")) {
        // "no run named ...", "no file ... in run ...": what the lookups say.
        status = 404;
    } else if (error.code == ExitCode::usage) {
        status = 400;
    }
    answer_json(response, status, {{"error", error.message}, {"exit_code", to_int(error.code)}});
}

bool is_inside_path(std::string_view path) {
    if (path.empty() || path.front() == '/') {
        return false;
    }
    for (const auto segment : util::split(path, '/')) {
        if (segment.empty() || segment == "." || segment == "..") {
            return false;
        }
    }
    return true;
}

}  // namespace ferry::ui
