#include "ferry/track/search.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

#include "ferry/util/text.hpp"

namespace ferry::track {

namespace {

struct EntityWord {
    std::string_view word;
    Entity entity;
};

// MLflow's entity types and their alternates (mlflow/utils/search_utils.py).
// clang-format off
constexpr std::array<EntityWord, 12> k_entities = {{
    {"metrics", Entity::metric}, {"metric", Entity::metric}, {"params", Entity::param},
    {"param", Entity::param}, {"parameters", Entity::param}, {"parameter", Entity::param},
    {"tags", Entity::tag}, {"tag", Entity::tag}, {"attributes", Entity::attribute},
    {"attribute", Entity::attribute}, {"attr", Entity::attribute}, {"run", Entity::attribute}}};
// clang-format on

struct AttributeWord {
    std::string_view word;
    Attribute attribute;
    std::string_view key;  // what Identifier::key holds
};

// MLflow's searchable run attributes and their aliases, and ferry's experiment.
constexpr std::array<AttributeWord, 12> k_attributes = {{
    {"run_id", Attribute::run_name, "run_id"},
    {"run_name", Attribute::run_name, "run_name"},
    {"run name", Attribute::run_name, "run_name"},
    {"Run name", Attribute::run_name, "run_name"},
    {"Run Name", Attribute::run_name, "run_name"},
    {"status", Attribute::status, "status"},
    {"user_id", Attribute::user_id, "user_id"},
    {"experiment", Attribute::experiment, "experiment"},
    {"start_time", Attribute::start_time, "start_time"},
    {"end_time", Attribute::end_time, "end_time"},
    {"created", Attribute::created, "created"},
    {"Created", Attribute::created, "created"},
}};

constexpr std::string_view k_attribute_list =
    "run_id, run_name, status, user_id, experiment, start_time, end_time or created";

std::string upper(std::string_view word) {
    std::string result(word);
    std::ranges::transform(result, result.begin(),
                           [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return result;
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string_view comparators_of(const Identifier& identifier) {
    if (identifier.is_numeric()) {
        return "=, !=, <, <=, >, >=";
    }
    if (identifier.entity == Entity::attribute) {
        return "=, !=, LIKE, ILIKE, IN, NOT IN";
    }
    return "=, !=, LIKE, ILIKE";
}

bool applies(Comparator comparator, const Identifier& identifier) {
    switch (comparator) {
        case Comparator::equal:
        case Comparator::not_equal:
            return true;
        case Comparator::like:
        case Comparator::ilike:
            return !identifier.is_numeric();
        case Comparator::in:
        case Comparator::not_in:
            return identifier.entity == Entity::attribute && !identifier.is_numeric();
        default:
            return identifier.is_numeric();
    }
}

// Reads the text left to right; each error names the column where it was found.
class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    Parsed<Filter> filter();
    Parsed<Order> order();
    Parsed<std::vector<Identifier>> identifiers();

private:
    std::unexpected<SearchError> error_at(std::size_t at, std::string message) const {
        return std::unexpected(SearchError{at + 1, std::move(message)});
    }
    void skip_spaces() {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos]))) {
            ++m_pos;
        }
    }
    bool at_end() const { return m_pos >= m_text.size(); }
    std::string_view word_here() const {
        std::size_t end = m_pos;
        while (end < m_text.size() && is_word_char(m_text[end])) {
            ++end;
        }
        return m_text.substr(m_pos, end - m_pos);
    }
    // What stands at the cursor, for messages: 'TOKEN' or "the end".
    std::string found() const;
    Parsed<std::string> quoted();
    Parsed<std::string> key();
    Parsed<Identifier> identifier();
    Parsed<Comparator> comparator(const Identifier& identifier, std::string_view raw);
    Parsed<Operand> operand(const Clause& clause, std::string_view raw);
    Parsed<Operand> string_list();
    Parsed<Clause> clause();

    std::string_view m_text;
    std::size_t m_pos = 0;
};

std::string Parser::found() const {
    std::size_t from = m_pos;
    while (from < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[from]))) {
        ++from;
    }
    std::size_t end = from;
    while (end < m_text.size() && end - from < 20 &&
           !std::isspace(static_cast<unsigned char>(m_text[end]))) {
        ++end;
    }
    return end == from ? "the end" : fmt::format("'{}'", m_text.substr(from, end - from));
}

// A name or a string in ', " or ` quotes; a doubled quote stands for itself.
Parsed<std::string> Parser::quoted() {
    const std::size_t start = m_pos;
    const char quote = m_text[m_pos++];
    std::string value;
    for (;;) {
        if (at_end()) {
            return error_at(start, fmt::format("unterminated quote: add the closing {}", quote));
        }
        const char c = m_text[m_pos++];
        if (c != quote) {
            value += c;
        } else if (m_pos < m_text.size() && m_text[m_pos] == quote) {
            value += quote;
            ++m_pos;
        } else {
            return value;
        }
    }
}

Parsed<std::string> Parser::key() {
    if (!at_end() && (m_text[m_pos] == '`' || m_text[m_pos] == '"' || m_text[m_pos] == '\'')) {
        return quoted();
    }
    std::size_t end = m_pos;
    while (end < m_text.size() && (is_word_char(m_text[end]) || m_text[end] == '.')) {
        ++end;
    }
    std::string value(m_text.substr(m_pos, end - m_pos));
    m_pos = end;
    return value;
}

Parsed<Identifier> Parser::identifier() {
    skip_spaces();
    const std::size_t start = m_pos;
    std::string type;
    if (!at_end() && m_text[m_pos] == '`') {
        TRY_ASSIGN(type, quoted());
    } else {
        type = std::string(word_here());
        m_pos += type.size();
    }
    if (type.empty()) {
        return error_at(start, fmt::format("expected an identifier such as metrics.KEY, "
                                           "params.KEY, tags.KEY or attributes.NAME, found {}",
                                           found()));
    }
    Identifier result;
    std::string name = type;
    if (!at_end() && m_text[m_pos] == '.') {
        const auto* entity = std::ranges::find(k_entities, type, &EntityWord::word);
        if (entity == k_entities.end()) {
            std::vector<std::string> words = {"metrics", "params", "tags", "attributes"};
            return error_at(start, fmt::format("unknown entity '{}': use metrics, params, tags "
                                               "or attributes{}",
                                               type, util::did_you_mean(type, words)));
        }
        ++m_pos;
        result.entity = entity->entity;
        TRY_ASSIGN(name, key());
        if (name.empty()) {
            return error_at(m_pos, fmt::format("expected a key after '{}', found {}",
                                               m_text.substr(start, m_pos - start), found()));
        }
        if (result.entity != Entity::attribute) {
            result.key = std::move(name);
            return result;
        }
    }
    const auto* attribute = std::ranges::find(k_attributes, name, &AttributeWord::word);
    if (attribute == k_attributes.end()) {
        std::vector<std::string> words;
        for (const auto& known : k_attributes) {
            words.emplace_back(known.word);
        }
        return error_at(start, fmt::format("unknown attribute '{}': use {}, or metrics.{}, "
                                           "params.{} or tags.{}{}",
                                           name, k_attribute_list, name, name, name,
                                           util::did_you_mean(name, words)));
    }
    result.entity = Entity::attribute;
    result.attribute = attribute->attribute;
    result.key = std::string(attribute->key);
    return result;
}

Parsed<Comparator> Parser::comparator(const Identifier& identifier, std::string_view raw) {
    skip_spaces();
    const std::size_t start = m_pos;
    static constexpr std::array<std::pair<std::string_view, Comparator>, 6> symbols = {
        {{"<=", Comparator::less_equal},
         {">=", Comparator::greater_equal},
         {"!=", Comparator::not_equal},
         {"=", Comparator::equal},
         {"<", Comparator::less},
         {">", Comparator::greater}}};
    std::optional<Comparator> result;
    for (const auto& [symbol, comparator] : symbols) {
        if (m_text.substr(m_pos).starts_with(symbol)) {
            result = comparator;
            m_pos += symbol.size();
            break;
        }
    }
    const std::string word = upper(word_here());
    if (!result && (word == "LIKE" || word == "ILIKE" || word == "IN")) {
        result = word == "LIKE" ? Comparator::like
                 : word == "IN" ? Comparator::in
                                : Comparator::ilike;
        m_pos += word.size();
    } else if (!result && word == "NOT") {
        m_pos += word.size();
        skip_spaces();
        if (upper(word_here()) != "IN") {
            return error_at(m_pos, fmt::format("expected IN after NOT, found {}", found()));
        }
        m_pos += 2;
        result = Comparator::not_in;
    }
    if (!result) {
        return error_at(start, fmt::format("expected a comparator ({}) after '{}', found {}",
                                           comparators_of(identifier), raw, found()));
    }
    if (!applies(*result, identifier)) {
        return error_at(start, fmt::format("{} does not apply to '{}': use {}",
                                           upper(m_text.substr(start, m_pos - start)), raw,
                                           comparators_of(identifier)));
    }
    return *result;
}

// ('a', "b", ...) after IN and NOT IN.
Parsed<Operand> Parser::string_list() {
    if (at_end() || m_text[m_pos] != '(') {
        return error_at(m_pos, fmt::format("expected a list of quoted strings such as ('a', 'b') "
                                           "after IN, found {}",
                                           found()));
    }
    ++m_pos;
    std::vector<std::string> items;
    for (;;) {
        skip_spaces();
        if (at_end() || (m_text[m_pos] != '\'' && m_text[m_pos] != '"')) {
            return error_at(m_pos,
                            fmt::format("expected a quoted string in the list, found {}", found()));
        }
        TRY_ASSIGN(auto item, quoted());
        items.push_back(std::move(item));
        skip_spaces();
        if (!at_end() && m_text[m_pos] == ')') {
            ++m_pos;
            return items;
        }
        if (at_end() || m_text[m_pos] != ',') {
            return error_at(m_pos, fmt::format("expected , or ) in the list, found {}", found()));
        }
        ++m_pos;
    }
}

Parsed<Operand> Parser::operand(const Clause& clause, std::string_view raw) {
    skip_spaces();
    const std::size_t start = m_pos;
    const bool quote = !at_end() && (m_text[m_pos] == '\'' || m_text[m_pos] == '"');
    if (clause.identifier.is_numeric()) {
        std::size_t end = m_pos;
        while (end < m_text.size() && (is_word_char(m_text[end]) || m_text[end] == '.' ||
                                       m_text[end] == '-' || m_text[end] == '+')) {
            ++end;
        }
        const auto number =
            quote ? std::nullopt : util::parse_number(m_text.substr(m_pos, end - m_pos));
        if (!number) {
            return error_at(
                start, fmt::format("expected a number after '{}', found {}", raw,
                                   quote ? "a quoted string (numbers take no quotes)" : found()));
        }
        m_pos = end;
        return *number;
    }
    if (clause.comparator == Comparator::in || clause.comparator == Comparator::not_in) {
        return string_list();
    }
    if (!quote) {
        return error_at(start, fmt::format("expected a quoted string such as 'value' after '{}', "
                                           "found {}",
                                           raw, found()));
    }
    TRY_ASSIGN(auto value, quoted());
    return value;
}

// The ferry statuses a status clause's strings name; LIKE and ILIKE match the names as
// they are.
Parsed<Operand> resolve_statuses(const Clause& clause, std::size_t column) {
    if (clause.comparator == Comparator::like || clause.comparator == Comparator::ilike) {
        return clause.operand;
    }
    const auto* one = std::get_if<std::string>(&clause.operand);
    const auto given =
        one ? std::vector<std::string>{*one} : std::get<std::vector<std::string>>(clause.operand);
    std::vector<std::string> statuses;
    for (const auto& value : given) {
        auto named = statuses_named(value);
        if (!named) {
            return std::unexpected(SearchError{
                column, fmt::format("unknown status '{}': use one of NotStarted, Queued, "
                                    "Preparing, Starting, Running, Finalizing, CancelRequested, "
                                    "Completed, Failed, Canceled, NotResponding, or MLflow's "
                                    "SCHEDULED, RUNNING, FINISHED, FAILED, KILLED",
                                    value)});
        }
        statuses.insert(statuses.end(), named->begin(), named->end());
    }
    return statuses;
}

Parsed<Clause> Parser::clause() {
    skip_spaces();
    const std::size_t start = m_pos;
    Clause result;
    TRY_ASSIGN(result.identifier, identifier());
    const std::string raw(m_text.substr(start, m_pos - start));
    TRY_ASSIGN(result.comparator, comparator(result.identifier, raw));
    const std::string with_comparator(m_text.substr(start, m_pos - start));
    skip_spaces();
    const std::size_t value_start = m_pos;
    TRY_ASSIGN(result.operand, operand(result, with_comparator));
    if (result.identifier.entity == Entity::attribute &&
        result.identifier.attribute == Attribute::status) {
        TRY_ASSIGN(result.operand, resolve_statuses(result, value_start + 1));
    }
    return result;
}

Parsed<Filter> Parser::filter() {
    Filter result;
    skip_spaces();
    while (!at_end()) {
        const std::size_t start = m_pos;
        TRY_ASSIGN(auto next, clause());
        result.clauses.push_back(std::move(next));
        const std::size_t end = m_pos;
        skip_spaces();
        if (at_end()) {
            break;
        }
        const std::string word = upper(word_here());
        if (word == "OR") {
            return error_at(m_pos,
                            "OR is not supported: MLflow's filter joins clauses with AND "
                            "only");
        }
        if (word != "AND") {
            return error_at(m_pos, fmt::format("expected AND or the end after '{}', found {}",
                                               m_text.substr(start, end - start), found()));
        }
        m_pos += word.size();
        skip_spaces();
        if (at_end()) {
            return error_at(m_pos, "expected a clause after AND, found the end");
        }
    }
    return result;
}

Parsed<std::vector<Identifier>> Parser::identifiers() {
    std::vector<Identifier> result;
    skip_spaces();
    while (!at_end()) {
        TRY_ASSIGN(auto next, identifier());
        result.push_back(std::move(next));
        skip_spaces();
        if (!at_end() && m_text[m_pos] != ',') {
            return error_at(m_pos, fmt::format("expected a comma or the end, found {}", found()));
        }
        if (!at_end()) {
            ++m_pos;
            skip_spaces();
            if (at_end()) {
                return error_at(m_pos, "expected an identifier after the comma, found the end");
            }
        }
    }
    return result;
}

Parsed<Order> Parser::order() {
    Order result;
    skip_spaces();
    while (!at_end()) {
        const std::size_t start = m_pos;
        OrderTerm term;
        TRY_ASSIGN(term.identifier, identifier());
        const std::string raw(m_text.substr(start, m_pos - start));
        skip_spaces();
        const std::string word = upper(word_here());
        if (word == "ASC" || word == "DESC") {
            term.descending = word == "DESC";
            m_pos += word.size();
            skip_spaces();
        }
        result.terms.push_back(std::move(term));
        if (at_end()) {
            break;
        }
        if (m_text[m_pos] != ',') {
            return error_at(m_pos, fmt::format("expected ASC, DESC, a comma or the end after "
                                               "'{}', found {}",
                                               raw, found()));
        }
        ++m_pos;
        skip_spaces();
        if (at_end()) {
            return error_at(m_pos, "expected an identifier after the comma, found the end");
        }
    }
    return result;
}

}  // namespace

Parsed<Filter> parse_filter(std::string_view text) {
    return Parser(text).filter();
}

Parsed<Order> parse_order_by(std::string_view text) {
    return Parser(text).order();
}

Parsed<std::vector<Identifier>> parse_identifiers(std::string_view text) {
    return Parser(text).identifiers();
}

}  // namespace ferry::track
