#include "ferry/snapshot/ignore.hpp"

#include <algorithm>

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

const IgnoreList& credential_rules() {
    static const IgnoreList k_rules = [] {
        IgnoreList list;
        int number = 0;
        for (const std::string_view line :
             {".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", ".netrc", ".pgpass",
              "credentials*.json", ".ssh/", ".aws/"}) {
            auto rule = parse_rule(line);
            rule->source = "built-in credential rules";
            rule->line_number = ++number;
            rule->credential = true;
            list.rules.push_back(std::move(*rule));
        }
        return list;
    }();
    return k_rules;
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
    // Every credential rule needs one of these shapes; most names are spared the matching.
    const std::string_view name = path.substr(path.rfind('/') + 1);
    if (!name.starts_with('.') && !name.starts_with("id_") && !name.starts_with("credentials") &&
        !name.ends_with(".pem") && !name.ends_with(".key")) {
        return nullptr;
    }
    for (const auto& rule : credential_rules().rules) {
        if (rule_matches(rule, "", path, is_directory)) {
            return &rule;
        }
    }
    return nullptr;
}

}  // namespace ferry::snapshot
