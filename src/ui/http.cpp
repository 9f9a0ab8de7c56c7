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

std::string percent_encoded(std::string_view text, std::string_view keep) {
    std::string encoded;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || std::string_view("-._~").find(c) != std::string_view::npos ||
            keep.find(c) != std::string_view::npos) {
            encoded += c;
        } else {
            encoded += fmt::format("%{:02X}", byte);
        }
    }
    return encoded;
}

bool query_flag(const httplib::Request& request, const char* key) {
    const std::string value = request.get_param_value(key);
    return value == "1" || value == "true";
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
