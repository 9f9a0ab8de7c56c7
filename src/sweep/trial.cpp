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
    job.timeout = sweep.trial_timeout;
    return job;
}

}  // namespace ferry::sweep
