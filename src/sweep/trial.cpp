#include "ferry/sweep/trial.hpp"

#include <ranges>

#include "ferry/spec/interpolate.hpp"

namespace ferry::sweep {

namespace {

// `text` with each `${{search_space.NAME}}` replaced by its value; other placeholders (inputs,
// outputs) stay for the run's plan. Text whose placeholders do not parse stays as it is: the
// loader has refused such a command already.
std::string substitute(const std::string& text, const Json& values) {
    const auto placeholders = spec::find_placeholders(text);
    if (!placeholders) {
        return text;
    }
    std::string out = text;
    for (const auto& placeholder : std::views::reverse(*placeholders)) {
        if (placeholder.group != "search_space" || !values.contains(placeholder.name)) {
            continue;
        }
        out.replace(placeholder.offset, placeholder.length, value_text(values[placeholder.name]));
    }
    return out;
}

}  // namespace

std::string value_text(const Json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_null()) {
        return "None";
    }
    if (value.is_number_float()) {
        const double number = value.get<double>();
        if (number == static_cast<double>(static_cast<std::int64_t>(number)) &&
            std::abs(number) < 1e15) {
            return std::to_string(static_cast<std::int64_t>(number));
        }
    }
    return value.dump();
}

std::vector<std::pair<std::string, std::string>> params_of(const Json& values) {
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& [name, value] : values.items()) {
        params.emplace_back(name, value_text(value));
    }
    return params;
}

spec::CommandJob trial_job(const spec::SweepJob& sweep, const Json& values) {
    spec::CommandJob job;
    static_cast<spec::JobCommon&>(job) = sweep;
    static_cast<spec::TrialSpec&>(job) = sweep.trial;
    job.name.clear();
    job.display_name.clear();
    job.command = substitute(job.command, values);
    for (auto& [name, value] : job.environment_variables) {
        value = substitute(value, values);
    }
    // A literal input may be a parameter (a pipeline's sweep step binds its component's
    // inputs so): the whole of it keeps the value's type, a part of it is text.
    for (spec::InputSpec& input : job.inputs) {
        if (!input.is_literal || !input.value.is_string()) {
            continue;
        }
        const std::string text = input.value.get<std::string>();
        const auto placeholders = spec::find_placeholders(text);
        if (placeholders && placeholders->size() == 1 &&
            placeholders->front().group == "search_space" &&
            placeholders->front().length == text.size() &&
            values.contains(placeholders->front().name)) {
            input.value = values[placeholders->front().name];
        } else {
            input.value = substitute(text, values);
        }
    }
    job.timeout = sweep.trial_timeout;
    return job;
}

}  // namespace ferry::sweep
