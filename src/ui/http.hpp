#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/core/error.hpp"

// What the ui's handlers share: answers as JSON, errors as HTTP statuses.
namespace ferry::ui {

using Json = nlohmann::ordered_json;

// A JSON body with its status.
void answer_json(httplib::Response& response, int status, const Json& body);
// {"error": MESSAGE, "exit_code": N} with the status that says the error: 400 for what the
// request got wrong (a usage error), 404 for what is not there, 500 otherwise.
void answer_error(httplib::Response& response, const Error& error);
// {"error": MESSAGE} with `status`.
void answer_problem(httplib::Response& response, int status, std::string_view message);

// Percent-encodes what is not unreserved (RFC 3986) nor in `keep`.
[[nodiscard]] std::string percent_encoded(std::string_view text, std::string_view keep = {});

// The host of a Host header, without its port or an IPv6 address's brackets ("[::1]:8650").
[[nodiscard]] std::string host_name(std::string_view host);

// What an answer may be compressed with, of what the request accepts: on loopback nothing (the
// bytes cost nothing to move; compressing them does), elsewhere gzip where accepted. Never
// brotli: httplib's is at its slowest quality, 3 s for a list of 10,000 runs.
[[nodiscard]] std::string accepted_encoding(std::string_view accepted, bool loopback);

// A yes/no parameter of a request: "1" or "true" is yes.
[[nodiscard]] bool query_flag(const httplib::Request& request, const char* key);

// A path below a run (its snapshot's, its artifacts') as the URL gives it: one that is absolute
// or has an empty, "." or ".." segment is refused, whatever the stored files are.
[[nodiscard]] bool is_inside_path(std::string_view path);

}  // namespace ferry::ui
