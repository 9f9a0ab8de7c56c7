// The ui's answers.
#include "http.hpp"

#include <algorithm>
#include <cctype>

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

std::string host_name(std::string_view host) {
    if (host.starts_with('[')) {
        return std::string(host.substr(1, host.find(']') - 1));
    }
    return std::string(host.substr(0, host.find(':')));
}

std::string accepted_encoding(std::string_view accepted, bool loopback) {
    if (loopback) {
        return "";
    }
    std::string lower(accepted);  // codings and their parameters are case-insensitive
    std::ranges::transform(lower, lower.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto token : util::split(lower, ',')) {
        const auto semicolon = token.find(';');
        if (util::trim(token.substr(0, semicolon)) != "gzip") {
            continue;
        }
        const auto weight = semicolon == std::string_view::npos ? std::string_view::npos
                                                                : token.find("q=", semicolon);
        if (weight == std::string_view::npos) {
            return "gzip";
        }
        // "gzip;q=0" (or q=0.000) refuses it.
        const auto value = util::trim(token.substr(weight + 2));
        return value.find_first_not_of("0.") == std::string_view::npos ? "" : "gzip";
    }
    return "";
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
