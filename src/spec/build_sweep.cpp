// The search space of a sweep and the checks across its keys.
#include <fmt/format.h>

#include "build.hpp"
#include "validate.hpp"

namespace ferry::spec::detail {

namespace {

double number_of(const Json& object, std::string_view key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_number() ? it->get<double>() : 0.0;
}

}  // namespace

std::vector<SearchParameter> build_search_space(const Json& value, const YAML::Node& node,
                                                const BuildContext& context) {
    std::vector<SearchParameter> parameters;
    if (!value.contains("search_space") || !value["search_space"].is_object()) {
        return parameters;
    }
    const YAML::Node space = child(node, "search_space");
    for (const auto& [name, spec] : value["search_space"].items()) {
        if (!spec.is_object()) {
            continue;
        }
        const YAML::Node parameter_node = child(space, name);
        SearchParameter parameter;
        parameter.name = name;
        parameter.type = text_of(spec, "type");
        if (spec.contains("values")) {
            for (const Json& item : spec["values"]) {
                parameter.values.push_back(item);
            }
            if (parameter.values.empty()) {
                context.diagnostics.add(child(parameter_node, "values").Mark(),
                                        "'values' must not be empty");
            }
        }
        parameter.upper = integer_of(spec, "upper", 0);
        parameter.min_value = number_of(spec, "min_value");
        parameter.max_value = number_of(spec, "max_value");
        parameter.mu = number_of(spec, "mu");
        parameter.sigma = number_of(spec, "sigma");
        parameter.q = number_of(spec, "q");
        if (spec.contains("min_value") && spec.contains("max_value") &&
            parameter.min_value >= parameter.max_value) {
            context.diagnostics.add(child(parameter_node, "max_value").Mark(),
                                    fmt::format("'max_value' must be greater than 'min_value' "
                                                "({} >= {})",
                                                child(parameter_node, "min_value").Scalar(),
                                                child(parameter_node, "max_value").Scalar()));
        }
        if (spec.contains("sigma") && parameter.sigma <= 0) {
            context.diagnostics.add(child(parameter_node, "sigma").Mark(),
                                    "'sigma' must be greater than 0");
        }
        if (spec.contains("q") && parameter.q <= 0) {
            context.diagnostics.add(child(parameter_node, "q").Mark(),
                                    "'q' must be greater than 0");
        }
        parameters.push_back(std::move(parameter));
    }
    return parameters;
}

void check_sweep(const SweepJob& job, const YAML::Node& node, const BuildContext& context) {
    const YAML::Node space = child(node, "search_space");
    if (job.sampling_algorithm == "grid") {
        for (const SearchParameter& parameter : job.search_space) {
            if (parameter.type != "choice") {
                context.diagnostics.add(
                    child(child(space, parameter.name), "type").Mark(),
                    fmt::format("grid sampling takes only choice parameters (as Azure's), and "
                                "'{}' is {}",
                                parameter.name, parameter.type));
            }
        }
    }
    if (!job.early_termination) {
        return;
    }
    const YAML::Node policy = child(node, "early_termination");
    const SweepJob::EarlyTermination& early = *job.early_termination;
    if (job.sampling_algorithm == "bayesian") {
        context.diagnostics.add(key_mark(node, "early_termination"),
                                "bayesian sampling does not support early_termination");
    }
    if (early.type == "bandit" &&
        early.slack_factor.has_value() == early.slack_amount.has_value()) {
        context.diagnostics.add(
            policy.Mark(), early.slack_factor ? "bandit takes 'slack_factor' or 'slack_amount', "
                                                "not both"
                                              : "bandit needs 'slack_factor' or 'slack_amount'");
    }
    if (early.type == "truncation_selection" && early.truncation_percentage > 99) {
        context.diagnostics.add(child(policy, "truncation_percentage").Mark(),
                                fmt::format("'truncation_percentage' must be between 1 and 99, "
                                            "got {}",
                                            early.truncation_percentage));
    }
}

}  // namespace ferry::spec::detail
