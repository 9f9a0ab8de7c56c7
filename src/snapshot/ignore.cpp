#include "ferry/snapshot/ignore.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include "ferry/util/text.hpp"
#include "ferry/util/wildmatch.hpp"

namespace ferry::snapshot {

namespace {

// Drops trailing spaces that are not escaped with a backslash (git's trim_trailing_spaces).
std::string_view trim_trailing_spaces(std::string_view line) {
    std::size_t keep = line.size();
    std::optional<std::size_t> spaces_from;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '\\') {
            ++i;  // the escaped character is kept, whatever it is
            spaces_from.reset();
        } else if (line[i] == ' ') {
            if (!spaces_from) {
                spaces_from = i;
            }
        } else {
            spaces_from.reset();
        }
    }
    if (spaces_from) {
        keep = *spaces_from;
    }
    return line.substr(0, keep);
}

std::optional<IgnoreRule> parse_rule(std::string_view line) {
    IgnoreRule rule;
    rule.line = std::string(line);
    if (line.starts_with('!')) {
        rule.negative = true;
        line.remove_prefix(1);
    }
    if (line.ends_with('/')) {
        rule.directory_only = true;
        line.remove_suffix(1);
    }
    if (line.empty()) {
        return std::nullopt;  // "/" or "!" alone match nothing
    }
    rule.basename_only = line.find('/') == std::string_view::npos;
    if (line.starts_with('/')) {
        line.remove_prefix(1);
    }
    rule.pattern = std::string(line);
    rule.literal_prefix = std::min(rule.pattern.find_first_of("*?[\\"), rule.pattern.size());
    if (rule.literal_prefix == rule.pattern.size()) {
        rule.shape = IgnoreRule::Shape::literal;
    } else if (rule.pattern.starts_with('*') &&
               rule.pattern.find_first_of("*?[\\", 1) == std::string::npos) {
        rule.shape = IgnoreRule::Shape::suffix;
    }
    return rule;
}

}  // namespace

IgnoreList parse_ignore_file(std::string_view text, std::string source, std::string base) {
    IgnoreList list{std::move(base), {}};
    if (text.starts_with("\xEF\xBB\xBF")) {
        text.remove_prefix(3);
    }
    int number = 0;
    // Like git, a last line without a newline is read too.
    for (const std::string_view line : util::lines(text)) {
        ++number;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        auto rule = parse_rule(trim_trailing_spaces(line));
        if (!rule) {
            continue;
        }
        rule->source = source;
        rule->line_number = number;
        list.rules.push_back(std::move(*rule));
    }
    return list;
}

bool rule_matches(const IgnoreRule& rule, std::string_view base, std::string_view path,
                  bool is_directory) {
    // The credential rules without a '/' name files: a directory called .env is a venv.
    const bool files_only = rule.credential && !rule.directory_only;
    if ((rule.directory_only && !is_directory) || (files_only && is_directory)) {
        return false;
    }
    if (!base.empty() &&
        (path.size() <= base.size() || !path.starts_with(base) || path[base.size()] != '/')) {
        return false;  // a list applies only below its directory
    }
    if (rule.basename_only) {
        const std::size_t slash = path.rfind('/');
        const std::string_view name =
            slash == std::string_view::npos ? path : path.substr(slash + 1);
        switch (rule.shape) {
            case IgnoreRule::Shape::literal:
                return name == rule.pattern;
            case IgnoreRule::Shape::suffix:
                return name.ends_with(std::string_view(rule.pattern).substr(1));
            case IgnoreRule::Shape::glob:
                break;
        }
        return util::wildmatch(rule.pattern, name, util::WildPathname::no);
    }
    std::string_view name = path;
    if (!base.empty()) {
        name.remove_prefix(base.size() + 1);
    }
    const std::string_view pattern = rule.pattern;
    const std::size_t prefix = rule.literal_prefix;
    if (!name.starts_with(pattern.substr(0, prefix))) {
        return false;
    }
    return util::wildmatch(pattern.substr(prefix), name.substr(prefix), util::WildPathname::yes);
}

namespace {

// What the end of a path must start and end with to match a credential rule: the literal
// text before the first and after the last wildcard of the pattern, compared with as many
// of the path's last names as the pattern has. Checking this spares most paths the matching.
struct PathFilter {
    std::string head;
    std::string tail;
    std::size_t names = 1;
    [[nodiscard]] bool admits(std::string_view path) const {
        std::size_t from = path.size();
        for (std::size_t left = names; left > 0 && from != std::string_view::npos; --left) {
            from = from == 0 ? std::string_view::npos : path.rfind('/', from - 1);
        }
        const std::string_view end = from == std::string_view::npos ? path : path.substr(from + 1);
        return end.size() >= head.size() + tail.size() && end.starts_with(head) &&
               end.ends_with(tail);
    }
};

// The rules whose pattern's last name may start (end) with a character, a bit a rule.
using RuleSet = std::uint64_t;
using ByCharacter = std::array<RuleSet, 256>;

struct CredentialTable {
    IgnoreList list;
    std::vector<PathFilter> filters;  // one a rule, in the same order
    ByCharacter by_first{};
    ByCharacter by_last{};
};

// Marks rule `bit` under `c`, or under every character when `c` is a wildcard.
void mark(ByCharacter& table, char c, RuleSet bit) {
    if (c == '*' || c == '?') {
        for (auto& rules : table) {
            rules |= bit;
        }
    } else {
        table[static_cast<unsigned char>(c)] |= bit;
    }
}

PathFilter filter_of(std::string_view pattern) {
    PathFilter filter;
    filter.names = static_cast<std::size_t>(std::ranges::count(pattern, '/')) + 1;
    const std::size_t first_wild = pattern.find_first_of("*?");
    if (first_wild == std::string_view::npos) {
        filter.head = std::string(pattern);
        return filter;
    }
    filter.head = std::string(pattern.substr(0, first_wild));
    filter.tail = std::string(pattern.substr(pattern.find_last_of("*?") + 1));
    return filter;
}

const CredentialTable& credential_table() {
    static const CredentialTable k_table = [] {
        CredentialTable table;
        int number = 0;
        for (const std::string_view line : k_credential_patterns) {
            // A path pattern matches at any depth, as a name pattern does: "**/" in front.
            const std::string_view stem =
                line.ends_with('/') ? line.substr(0, line.size() - 1) : line;
            const bool path = stem.find('/') != std::string_view::npos;
            auto rule = parse_rule(path ? "**/" + std::string(line) : std::string(line));
            rule->line = std::string(line);
            rule->source = "built-in credential rules";
            rule->line_number = ++number;
            rule->credential = true;
            table.list.rules.push_back(std::move(*rule));
            table.filters.push_back(filter_of(stem));
            const std::string_view last = stem.substr(stem.rfind('/') + 1);
            const RuleSet bit = RuleSet{1} << (number - 1);
            mark(table.by_first, last.front(), bit);
            mark(table.by_last, last.back(), bit);
        }
        return table;
    }();
    return k_table;
}

}  // namespace

const IgnoreList& credential_rules() {
    return credential_table().list;
}

const IgnoreRule* IgnoreStack::decide(std::string_view path, bool is_directory) const {
    for (const Node* node = m_top.get(); node != nullptr; node = node->parent.get()) {
        const IgnoreList& list = node->list;
        for (auto rule = list.rules.rbegin(); rule != list.rules.rend(); ++rule) {
            if (rule_matches(*rule, list.base, path, is_directory)) {
                return &*rule;
            }
        }
    }
    // Most names start and end with characters no credential rule's name has.
    const std::string_view name = path.substr(path.rfind('/') + 1);
    if (name.empty()) {
        return nullptr;
    }
    const CredentialTable& table = credential_table();
    RuleSet candidates = table.by_first[static_cast<unsigned char>(name.front())] &
                         table.by_last[static_cast<unsigned char>(name.back())];
    while (candidates != 0) {
        const auto i = static_cast<std::size_t>(std::countr_zero(candidates));
        candidates &= candidates - 1;  // lowest first: the table's order
        const IgnoreRule& rule = table.list.rules[i];
        if (table.filters[i].admits(path) && rule_matches(rule, "", path, is_directory)) {
            return &rule;
        }
    }
    return nullptr;
}

}  // namespace ferry::snapshot
