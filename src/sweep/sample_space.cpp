// The parameters of a search space as dimensions: their values, counted, numbered and placed
// in the unit interval.
#include "sample_space.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

namespace ferry::sweep::detail {

namespace {

// Beyond this a double no longer holds every integer, so counts and multiples stop here.
constexpr double k_exact_limit = 9007199254740992.0;  // 2^53
// The open ends of the unit interval the normal quantile is taken on.
constexpr double k_lowest_unit = 0x1p-60;
constexpr double k_highest_unit = 1.0 - 0x1p-53;

Kind kind_of(std::string_view type) {
    static constexpr std::pair<std::string_view, Kind> k_kinds[] = {
        {"choice", Kind::choice},         {"randint", Kind::randint},
        {"uniform", Kind::uniform},       {"quniform", Kind::quniform},
        {"loguniform", Kind::loguniform}, {"qloguniform", Kind::qloguniform},
        {"normal", Kind::normal},         {"qnormal", Kind::qnormal},
        {"lognormal", Kind::lognormal},   {"qlognormal", Kind::qlognormal},
    };
    for (const auto& [name, kind] : k_kinds) {
        if (name == type) {
            return kind;
        }
    }
    return Kind::unknown;
}

bool is_quantized(Kind kind) {
    return kind == Kind::quniform || kind == Kind::qloguniform || kind == Kind::qnormal ||
           kind == Kind::qlognormal;
}

// How k*q is written: as integers for a whole q, else through q's decimals, so that 3 * 0.1
// is 0.3 and not 0.30000000000000004.
void set_q(Dimension& dimension) {
    const double q = dimension.parameter.q;
    dimension.q_units = q;
    dimension.q_scale = 1;
    if (!(q > 0) || !std::isfinite(q)) {
        return;
    }
    if (q == std::floor(q) && q < k_exact_limit) {
        dimension.whole_q = true;
        return;
    }
    double scale = 1;
    for (int decimals = 1; decimals <= 15; ++decimals) {
        scale *= 10;
        const double units = q * scale;
        if (std::abs(units - std::nearbyint(units)) <= 1e-9 * units) {
            dimension.q_units = std::nearbyint(units);
            dimension.q_scale = scale;
            return;
        }
    }
}

// quniform and qloguniform: the multiples of q from round(low/q) to round(high/q).
void set_range(Dimension& dimension, double low, double high) {
    const double q = dimension.parameter.q;
    const double first = std::nearbyint(low / q);
    const double last = std::nearbyint(high / q);
    if (!std::isfinite(first) || !std::isfinite(last) || std::abs(first) >= k_exact_limit ||
        std::abs(last) >= k_exact_limit || last < first) {
        return;
    }
    dimension.first = static_cast<std::int64_t>(first);
    dimension.count = static_cast<std::uint64_t>(last - first) + 1;
}

Json multiple_of_q(const Dimension& dimension, double k) {
    if (dimension.whole_q && std::abs(k * dimension.q_units) < k_exact_limit) {
        return static_cast<std::int64_t>(k) * static_cast<std::int64_t>(dimension.q_units);
    }
    return k * dimension.q_units / dimension.q_scale;
}

// round(x/q)*q, kept among the dimension's values where they are finite.
Json rounded(const Dimension& dimension, double x) {
    const double q = dimension.parameter.q;
    if (!(q > 0)) {
        return x;
    }
    double k = std::clamp(std::nearbyint(x / q), -k_exact_limit, k_exact_limit);
    if (dimension.count) {
        const auto first = static_cast<double>(dimension.first);
        k = std::clamp(k, first, first + static_cast<double>(*dimension.count - 1));
    }
    return multiple_of_q(dimension, k);
}

double between(const spec::SearchParameter& parameter, double u) {
    return parameter.min_value + u * (parameter.max_value - parameter.min_value);
}

double normal_at(const spec::SearchParameter& parameter, double u) {
    return parameter.mu +
           parameter.sigma * normal_quantile(std::clamp(u, k_lowest_unit, k_highest_unit));
}

// Where x lies between min_value and max_value, clamped to [0, 1].
double fraction(const spec::SearchParameter& parameter, double x) {
    const double width = parameter.max_value - parameter.min_value;
    if (!(width > 0)) {
        return 0.5;
    }
    return std::clamp((x - parameter.min_value) / width, 0.0, 1.0);
}

double normal_fraction(const spec::SearchParameter& parameter, double x) {
    if (!(parameter.sigma > 0)) {
        return 0.5;
    }
    return normal_cdf((x - parameter.mu) / parameter.sigma);
}

double log_of(double x) {
    return std::log(std::max(x, std::numeric_limits<double>::min()));
}

}  // namespace

Dimension dimension_of(const spec::SearchParameter& parameter) {
    Dimension dimension{.parameter = parameter, .kind = kind_of(parameter.type)};
    if (is_quantized(dimension.kind)) {
        set_q(dimension);
    }
    const bool quantized = parameter.q > 0;
    switch (dimension.kind) {
        case Kind::choice:
            dimension.count = parameter.values.size();
            break;
        case Kind::randint:
            dimension.count =
                static_cast<std::uint64_t>(std::max<std::int64_t>(parameter.upper, 0));
            break;
        case Kind::quniform:
            if (quantized) {
                set_range(dimension, parameter.min_value, parameter.max_value);
            }
            break;
        case Kind::qloguniform:
            if (quantized) {
                set_range(dimension, std::exp(parameter.min_value), std::exp(parameter.max_value));
            }
            break;
        default:
            break;
    }
    return dimension;
}

std::vector<Dimension> dimensions_of(const std::vector<spec::SearchParameter>& space) {
    std::vector<Dimension> dimensions;
    dimensions.reserve(space.size());
    for (const spec::SearchParameter& parameter : space) {
        dimensions.push_back(dimension_of(parameter));
    }
    return dimensions;
}

std::optional<std::uint64_t> count_of(const std::vector<Dimension>& dimensions) {
    if (std::ranges::any_of(dimensions, [](const Dimension& d) { return d.count == 0U; })) {
        return 0;
    }
    std::uint64_t product = 1;
    for (const Dimension& dimension : dimensions) {
        if (!dimension.count) {
            return std::nullopt;
        }
        product = product > std::numeric_limits<std::uint64_t>::max() / *dimension.count
                      ? std::numeric_limits<std::uint64_t>::max()
                      : product * *dimension.count;
    }
    return product;
}

Json value_at(const Dimension& dimension, double u) {
    const spec::SearchParameter& parameter = dimension.parameter;
    u = std::clamp(u, 0.0, 1.0);
    switch (dimension.kind) {
        case Kind::choice:
        case Kind::randint: {
            if (dimension.count.value_or(0) == 0) {
                return nullptr;
            }
            const auto n = static_cast<double>(*dimension.count);
            const auto k = std::min(*dimension.count - 1, static_cast<std::uint64_t>(u * n));
            return value_of_index(dimension, k);
        }
        case Kind::uniform:
            return between(parameter, u);
        case Kind::quniform:
            return rounded(dimension, between(parameter, u));
        case Kind::loguniform:
            return std::exp(between(parameter, u));
        case Kind::qloguniform:
            return rounded(dimension, std::exp(between(parameter, u)));
        case Kind::normal:
            return normal_at(parameter, u);
        case Kind::qnormal:
            return rounded(dimension, normal_at(parameter, u));
        case Kind::lognormal:
            return std::exp(normal_at(parameter, u));
        case Kind::qlognormal:
            return rounded(dimension, std::exp(normal_at(parameter, u)));
        case Kind::unknown:
            break;
    }
    return nullptr;
}

Json value_of_index(const Dimension& dimension, std::uint64_t k) {
    switch (dimension.kind) {
        case Kind::choice:
            return dimension.parameter.values.at(k);
        case Kind::randint:
            return static_cast<std::int64_t>(k);
        case Kind::quniform:
        case Kind::qloguniform:
            return multiple_of_q(dimension,
                                 static_cast<double>(dimension.first) + static_cast<double>(k));
        default:
            return nullptr;
    }
}

std::optional<std::uint64_t> index_of(const Dimension& dimension, const Json& value) {
    if (dimension.kind == Kind::choice) {
        const auto& values = dimension.parameter.values;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (values[i] == value) {
                return i;
            }
        }
        return std::nullopt;
    }
    if (!dimension.count || !value.is_number()) {
        return std::nullopt;
    }
    const auto v = value.get<double>();
    double k = v;
    if (dimension.kind != Kind::randint) {
        const double q = dimension.parameter.q;
        k = std::nearbyint(v / q);
        if (std::abs(k * q - v) > 1e-9 * std::max(std::abs(v), q)) {
            return std::nullopt;
        }
        k -= static_cast<double>(dimension.first);
    }
    if (k != std::floor(k) || k < 0 || k >= static_cast<double>(*dimension.count)) {
        return std::nullopt;
    }
    return static_cast<std::uint64_t>(k);
}

double unit_of(const Dimension& dimension, const Json& value) {
    const spec::SearchParameter& parameter = dimension.parameter;
    if (dimension.kind == Kind::choice || dimension.kind == Kind::randint) {
        const auto k = index_of(dimension, value);
        return k ? (static_cast<double>(*k) + 0.5) / static_cast<double>(*dimension.count) : 0.5;
    }
    if (!value.is_number()) {
        return 0.5;
    }
    const auto x = value.get<double>();
    switch (dimension.kind) {
        case Kind::uniform:
        case Kind::quniform:
            return fraction(parameter, x);
        case Kind::loguniform:
        case Kind::qloguniform:
            return fraction(parameter, log_of(x));
        case Kind::normal:
        case Kind::qnormal:
            return normal_fraction(parameter, x);
        case Kind::lognormal:
        case Kind::qlognormal:
            return normal_fraction(parameter, log_of(x));
        default:
            return 0.5;
    }
}

Json trial_of(const std::vector<Dimension>& dimensions, std::vector<Json> values) {
    Json trial = Json::object();
    for (std::size_t i = 0; i < dimensions.size(); ++i) {
        trial[dimensions[i].parameter.name] = std::move(values[i]);
    }
    return trial;
}

Json combination(const std::vector<Dimension>& dimensions, std::uint64_t index) {
    std::vector<Json> values(dimensions.size());
    for (std::size_t i = dimensions.size(); i-- > 0;) {
        const std::uint64_t count = dimensions[i].count.value_or(1);
        values[i] = value_of_index(dimensions[i], index % count);
        index /= count;
    }
    return trial_of(dimensions, std::move(values));
}

std::string trial_key(const std::vector<Dimension>& dimensions, const Json& values) {
    std::string key;
    key.reserve(dimensions.size() * 10);
    const auto append = [&key](char tag, auto number) {
        key += tag;
        key.append(reinterpret_cast<const char*>(&number), sizeof number);
    };
    for (const Dimension& dimension : dimensions) {
        const auto it = values.find(dimension.parameter.name);
        if (it == values.end()) {
            key += '-';
        } else if (it->is_number_integer()) {
            append('i', it->get<std::int64_t>());
        } else if (it->is_number_float()) {
            const auto number = it->get<double>();
            if (std::abs(number) < k_exact_limit && number == std::floor(number)) {
                append('i', static_cast<std::int64_t>(number));
            } else {
                append('f', number);
            }
        } else {
            key += 'j';
            key += it->dump();
            key += '\x1f';
        }
    }
    return key;
}

bool in_space(const std::vector<Dimension>& dimensions, const Json& values) {
    return std::ranges::all_of(dimensions, [&](const Dimension& dimension) {
        const auto it = values.find(dimension.parameter.name);
        return it != values.end() && index_of(dimension, *it).has_value();
    });
}

}  // namespace ferry::sweep::detail
