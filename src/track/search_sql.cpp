// MLflow's search grammar, parsed (search.cpp), as SQL over the runs table.

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "ferry/track/search.hpp"

namespace ferry::track {

namespace {

// ferry's statuses (run/status.hpp, a floor above), and what MLflow's words stand for, as
// the endpoint reports them (protocol.cpp's mlflow_status).
constexpr std::array<std::string_view, 11> k_statuses = {
    "NotStarted",      "Queued",    "Preparing", "Starting", "Running",      "Finalizing",
    "CancelRequested", "Completed", "Failed",    "Canceled", "NotResponding"};

struct StatusAlias {
    std::string_view word;
    std::vector<std::string> statuses;
};

const std::vector<StatusAlias>& status_aliases() {
    static const std::vector<StatusAlias> aliases = {
        {"FINISHED", {"Completed"}},
        {"FAILED", {"Failed"}},
        {"KILLED", {"Canceled"}},
        {"RUNNING", {"Running", "Finalizing", "CancelRequested"}},
        {"SCHEDULED", {"NotStarted", "Queued", "Preparing", "Starting", "NotResponding"}}};
    return aliases;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(
        a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// What MLflow's LIKE (case-sensitive, % and _ wildcards, no escape) is as SQLite's GLOB,
// since SQLite's own LIKE ignores case.
std::string glob_of(std::string_view like) {
    std::string glob;
    for (const char c : like) {
        switch (c) {
            case '%':
                glob += '*';
                break;
            case '_':
                glob += '?';
                break;
            case '*':
            case '?':
            case '[':
                glob += fmt::format("[{}]", c);
                break;
            default:
                glob += c;
        }
    }
    return glob;
}

class SqlWriter {
public:
    explicit SqlWriter(SqlQuery& query) : m_query(query) {}

    // A placeholder for `value`.
    std::string parameter(SqlValue value) {
        m_query.values.push_back(std::move(value));
        return fmt::format("?{}", m_query.first_parameter + m_query.values.size() - 1);
    }

    // The identifier's value for the row of `runs`; NULL where the run lacks the key.
    std::string expression(const Identifier& identifier) {
        switch (identifier.entity) {
            case Entity::metric:
                // MLflow's latest metric: the last point by step, then time (kept in its
                // summary as the points are stored).
                return fmt::format(
                    "(SELECT last_value FROM run_metric_summaries WHERE run = runs.seq AND "
                    "key = {})",
                    parameter(identifier.key));
            case Entity::param:
                return fmt::format(
                    "(SELECT value FROM run_params WHERE run = runs.seq AND key = {})",
                    parameter(identifier.key));
            case Entity::tag:
                return fmt::format("(SELECT value FROM run_tags WHERE run = runs.seq AND key = {})",
                                   parameter(identifier.key));
            case Entity::attribute:
                break;
        }
        constexpr std::array<std::string_view, 7> columns = {
            "runs.name",       "runs.status",   "runs.submitted_by", "runs.experiment",
            "runs.started_ms", "runs.ended_ms", "runs.created_ms"};
        return std::string(columns.at(static_cast<std::size_t>(identifier.attribute)));
    }

    std::string list(const std::vector<std::string>& items) {
        std::string text;
        for (const auto& item : items) {
            text += (text.empty() ? "" : ", ") + parameter(item);
        }
        return fmt::format("({})", text);
    }

    std::string condition(const Clause& clause) {
        const std::string left = expression(clause.identifier);
        if (const auto* items = std::get_if<std::vector<std::string>>(&clause.operand)) {
            const bool negated = clause.comparator == Comparator::not_equal ||
                                 clause.comparator == Comparator::not_in;
            return fmt::format("{} {}IN {}", left, negated ? "NOT " : "", list(*items));
        }
        const SqlValue right = std::holds_alternative<double>(clause.operand)
                                   ? SqlValue(std::get<double>(clause.operand))
                                   : SqlValue(std::get<std::string>(clause.operand));
        switch (clause.comparator) {
            case Comparator::like:
                return fmt::format("{} GLOB {}", left,
                                   parameter(glob_of(std::get<std::string>(right))));
            case Comparator::ilike:
                return fmt::format("{} LIKE {}", left, parameter(right));
            default:
                break;
        }
        constexpr std::array<std::string_view, 6> operators = {"=", "!=", "<", "<=", ">", ">="};
        return fmt::format("{} {} {}", left,
                           operators.at(static_cast<std::size_t>(clause.comparator)),
                           parameter(right));
    }

private:
    SqlQuery& m_query;
};

}  // namespace

std::optional<std::vector<std::string>> statuses_named(std::string_view value) {
    for (const auto& alias : status_aliases()) {
        if (value == alias.word) {
            return alias.statuses;
        }
    }
    for (const auto status : k_statuses) {
        if (same_ignoring_case(status, value)) {
            return std::vector<std::string>{std::string(status)};
        }
    }
    return std::nullopt;
}

std::string describe(const SearchError& error) {
    return fmt::format("at column {}: {}", error.column, error.message);
}

std::string Identifier::text() const {
    constexpr std::array<std::string_view, 4> prefixes = {"metrics", "params", "tags",
                                                          "attributes"};
    return fmt::format("{}.{}", prefixes.at(static_cast<std::size_t>(entity)), key);
}

bool Identifier::is_numeric() const {
    return entity == Entity::metric ||
           (entity == Entity::attribute &&
            (attribute == Attribute::start_time || attribute == Attribute::end_time ||
             attribute == Attribute::created));
}

SqlQuery to_sql(const Filter& filter, const Order& order, int first_parameter) {
    SqlQuery query;
    query.first_parameter = first_parameter;
    SqlWriter writer(query);
    for (const auto& clause : filter.clauses) {
        query.where += (query.where.empty() ? "" : " AND ") + writer.condition(clause);
    }
    for (const auto& term : order.terms) {
        // The key's placeholder serves both uses.
        const std::string value = writer.expression(term.identifier);
        query.order_by += fmt::format("{}{} IS NULL, {} {}", query.order_by.empty() ? "" : ", ",
                                      value, value, term.descending ? "DESC" : "ASC");
    }
    return query;
}

void bind(store::Statement& statement, const SqlQuery& query) {
    int index = query.first_parameter;
    for (const auto& value : query.values) {
        std::visit([&](const auto& one) { statement.bind(index, one); }, value);
        ++index;
    }
}

}  // namespace ferry::track
