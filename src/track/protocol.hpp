#pragma once

// MLflow's REST protocol as the tracking endpoint reads and answers it: its error shape,
// its fields (int64 as numbers or as proto3's JSON strings) and its run statuses.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "ferry/track/store.hpp"

namespace ferry::track::protocol {

using Json = nlohmann::json;

// An answer MLflow's clients read: {"error_code", "message"} with its HTTP status.
struct Problem {
    int status = 400;
    std::string code = "INVALID_PARAMETER_VALUE";
    std::string message;
};

[[nodiscard]] Problem problem_of(const Refused& refused);
void answer(httplib::Response& response, int status, const Json& body);
void answer(httplib::Response& response, const Problem& problem);

// A number as JSON has it, or as a string ("12", "0.5", "NaN").
[[nodiscard]] std::optional<double> number_of(const Json& value);
[[nodiscard]] std::optional<std::int64_t> integer_of(const Json& value);
// A required string field, or the problem MLflow reports for it.
[[nodiscard]] std::variant<std::string, Problem> text_field(const Json& body, const char* name);
// A metric as log-metric and log-batch carry it.
[[nodiscard]] std::variant<Point, Problem> point_of(const Json& item);
// A key and a value, as log-parameter, set-tag and log-batch's params and tags carry them.
[[nodiscard]] std::variant<std::pair<std::string, std::string>, Problem> pair_of(const Json& body);
// MLflow's word for a ferry status: SCHEDULED, RUNNING, FINISHED, FAILED, KILLED.
[[nodiscard]] std::string mlflow_status(std::string_view status);

}  // namespace ferry::track::protocol
