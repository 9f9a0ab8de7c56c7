#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ferry/store/database.hpp"

// MLflow's search grammar over the runs table: a filter ("metrics.acc > 0.9 and params.lr =
// '0.1'") and an order ("metrics.acc DESC, attributes.start_time"), parsed from text into
// clauses, then into SQL whose values are bound, never spliced. `run list --filter` and the
// MLflow endpoint's runs/search share it.
namespace ferry::track {

// Why a text was refused: where (1-based column) and what was expected there.
struct SearchError {
    std::size_t column = 0;
    std::string message;
};

template <typename T>
using Parsed = std::expected<T, SearchError>;

// "at column 17: expected a comparator (...) after 'metrics.accuracy'".
[[nodiscard]] std::string describe(const SearchError& error);

enum class Entity { metric, param, tag, attribute };

// What runs.* holds for MLflow's run attributes (run_id and run_name are both the run's name).
enum class Attribute { run_name, status, user_id, experiment, start_time, end_time, created };

// An entity and its key: metrics.`f1 score`, params.lr, attributes.status.
struct Identifier {
    Entity entity = Entity::attribute;
    std::string key;  // unquoted; for attributes the canonical name ("run_name")
    Attribute attribute = Attribute::run_name;  // for Entity::attribute

    // "metrics.f1 score": the form -o json records and table headings use.
    [[nodiscard]] std::string text() const;
    [[nodiscard]] bool is_numeric() const;
};

enum class Comparator {
    equal,
    not_equal,
    less,
    less_equal,
    greater,
    greater_equal,
    like,
    ilike,
    in,
    not_in
};

// A number (metrics, times), a string (LIKE patterns, names), or several (IN, and a status
// alias such as RUNNING that stands for more than one of ferry's statuses).
using Operand = std::variant<double, std::string, std::vector<std::string>>;

struct Clause {
    Identifier identifier;
    Comparator comparator = Comparator::equal;
    Operand operand;
};

// Clauses joined by AND; none: every run.
struct Filter {
    std::vector<Clause> clauses;
};

struct OrderTerm {
    Identifier identifier;
    bool descending = false;
};

// Terms in turn; runs lacking a term's key come after those that have it, in either
// direction. After the terms: newest first.
struct Order {
    std::vector<OrderTerm> terms;
};

// The ferry statuses a status value names: one of ferry's (any case), or MLflow's word for
// those the endpoint reports so (RUNNING: Running, Finalizing, CancelRequested); nullopt for
// no status.
[[nodiscard]] std::optional<std::vector<std::string>> statuses_named(std::string_view value);

// Parses MLflow's filter; an empty (or blank) text is the empty filter.
[[nodiscard]] Parsed<Filter> parse_filter(std::string_view text);
// Parses a comma-separated order: IDENTIFIER [ASC|DESC], ...; MLflow's order_by list is its
// items parsed one by one and their terms appended.
[[nodiscard]] Parsed<Order> parse_order_by(std::string_view text);
// Parses a comma-separated list of identifiers (`run list --columns`).
[[nodiscard]] Parsed<std::vector<Identifier>> parse_identifiers(std::string_view text);

using SqlValue = std::variant<std::int64_t, double, std::string>;

// SQL over `FROM runs` with ?first_parameter.. for `values`: `where` is one condition ("" for
// none), `order_by` the terms ("" for none) before the caller's own tie-break.
struct SqlQuery {
    std::string where;
    std::string order_by;
    int first_parameter = 1;
    std::vector<SqlValue> values;
};

[[nodiscard]] SqlQuery to_sql(const Filter& filter, const Order& order, int first_parameter);
// Binds the query's values to a statement made from SQL that holds its fragments.
void bind(store::Statement& statement, const SqlQuery& query);

}  // namespace ferry::track
