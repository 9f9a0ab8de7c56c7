#include "protocol.hpp"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace ferry::track::protocol {

Problem problem_of(const Refused& refused) {
    switch (refused.refusal) {
        case Refusal::not_found:
            return {404, "RESOURCE_DOES_NOT_EXIST", refused.message};
        case Refusal::invalid_state:
            return {400, "INVALID_STATE", refused.message};
        case Refusal::invalid_parameter:
            break;
    }
    return {400, "INVALID_PARAMETER_VALUE", refused.message};
}

void answer(httplib::Response& response, int status, const Json& body) {
    response.status = status;
    response.set_content(body.dump(), "application/json");
}

void answer(httplib::Response& response, const Problem& problem) {
    answer(response, problem.status,
           Json{{"error_code", problem.code}, {"message", problem.message}});
}

// A number as JSON has it, or as a string ("12", "0.5", "NaN").
std::optional<double> number_of(const Json& value) {
    if (value.is_number()) {
        return value.get<double>();
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        try {
            std::size_t used = 0;
            const double parsed = std::stod(text, &used);
            return used == text.size() ? std::optional<double>(parsed) : std::nullopt;
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> integer_of(const Json& value) {
    if (value.is_number_integer()) {
        return value.get<std::int64_t>();
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        std::int64_t parsed = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (error == std::errc() && end == text.data() + text.size()) {
            return parsed;
        }
    }
    return std::nullopt;
}

// A required string field, or the problem MLflow reports for it.
std::variant<std::string, Problem> text_field(const Json& body, const char* name) {
    if (!body.contains(name) || !body[name].is_string()) {
        return Problem{.message = fmt::format("Missing value for required parameter '{}'", name)};
    }
    return body[name].get<std::string>();
}

// A metric as log-metric and log-batch carry it.
std::variant<Point, Problem> point_of(const Json& item) {
    auto key = text_field(item, "key");
    if (auto* missing = std::get_if<Problem>(&key)) {
        return *missing;
    }
    const auto value = item.contains("value") ? number_of(item["value"]) : std::nullopt;
    const auto timestamp =
        item.contains("timestamp") ? integer_of(item["timestamp"]) : std::nullopt;
    const auto step = item.contains("step") ? integer_of(item["step"]) : std::int64_t{0};
    if (!value || !timestamp || !step) {
        return Problem{.message = fmt::format("Invalid metric '{}': it needs a numeric value, an "
                                              "integer timestamp and an integer step",
                                              std::get<std::string>(key))};
    }
    if (std::isnan(*value)) {
        // SQLite keeps no NaN (it would be NULL): said, not stored as something else.
        return Problem{.message = fmt::format("Invalid metric '{}': ferry keeps no NaN values",
                                              std::get<std::string>(key))};
    }
    return Point{std::get<std::string>(key), *value, *timestamp, *step};
}

std::string mlflow_status(std::string_view status) {
    if (status == "Completed") {
        return "FINISHED";
    }
    if (status == "Failed") {
        return "FAILED";
    }
    if (status == "Canceled") {
        return "KILLED";
    }
    if (status == "Running" || status == "Finalizing" || status == "CancelRequested") {
        return "RUNNING";
    }
    return "SCHEDULED";
}

// A key and a value, as log-parameter and set-tag carry them.
std::variant<std::pair<std::string, std::string>, Problem> pair_of(const Json& body) {
    auto key = text_field(body, "key");
    if (auto* problem = std::get_if<Problem>(&key)) {
        return *problem;
    }
    if (!body.contains("value") || body["value"].is_null()) {
        return Problem{.message = "Missing value for required parameter 'value'"};
    }
    const Json& value = body["value"];
    return std::pair{std::get<std::string>(key),
                     value.is_string() ? value.get<std::string>() : value.dump()};
}

}  // namespace ferry::track::protocol
