#include "ferry/util/wildmatch.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ferry::util {

namespace {

enum class Outcome { match, no_match, abort_all, abort_to_starstar };

// Positions are indices; past the end reads as '\0', as in the C original the semantics
// come from (git's wildmatch.c).
class Matcher {
public:
    Matcher(std::string_view pattern, std::string_view text, bool pathname)
        : m_pattern(pattern), m_text(text), m_pathname(pathname) {}

    // Memoized once a match gets expensive: each (p, t) is then worked out once, which
    // bounds patterns like "**/a/**/a/**/a/b" that the abort rules alone do not.
    Outcome run(std::size_t p, std::size_t t) const;

private:
    [[nodiscard]] unsigned char pat(std::size_t i) const {
        return i < m_pattern.size() ? static_cast<unsigned char>(m_pattern[i]) : 0;
    }
    [[nodiscard]] unsigned char txt(std::size_t i) const {
        return i < m_text.size() ? static_cast<unsigned char>(m_text[i]) : 0;
    }
    [[nodiscard]] bool text_has_slash_from(std::size_t t) const {
        return t < m_text.size() && m_text.find('/', t) != std::string_view::npos;
    }
    std::optional<Outcome> star(std::size_t& p, std::size_t& t) const;
    Outcome bracket(std::size_t& p, unsigned char t_ch) const;

    Outcome match_from(std::size_t p, std::size_t t) const;

    std::string_view m_pattern;
    std::string_view m_text;
    bool m_pathname;
    mutable std::size_t m_calls = 0;
    mutable std::vector<std::uint8_t> m_memo;  // Outcome + 1; 0 = not known yet
};

constexpr std::size_t k_memo_after = 1000;
constexpr std::size_t k_memo_limit = std::size_t{1} << 26;

bool is_glob_special(unsigned char c) {
    return c == '*' || c == '?' || c == '[' || c == '\\';
}

bool in_named_class(std::string_view name, unsigned char c, bool& known) {
    known = true;
    const bool ascii = c < 0x80;
    const bool upper = c >= 'A' && c <= 'Z';
    const bool lower = c >= 'a' && c <= 'z';
    const bool digit = c >= '0' && c <= '9';
    const bool alpha = upper || lower;
    const bool graph = ascii && c > 0x20 && c < 0x7f;
    if (name == "alnum")
        return alpha || digit;
    if (name == "alpha")
        return alpha;
    if (name == "blank")
        return c == ' ' || c == '\t';
    if (name == "cntrl")
        return ascii && (c < 0x20 || c == 0x7f);
    if (name == "digit")
        return digit;
    if (name == "graph")
        return graph;
    if (name == "lower")
        return lower;
    if (name == "print")
        return graph || c == ' ';
    if (name == "punct")
        return graph && !alpha && !digit;
    if (name == "space")
        return c == ' ' || (c >= '\t' && c <= '\r');
    if (name == "upper")
        return upper;
    if (name == "xdigit")
        return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    known = false;
    return false;
}

}  // namespace

// A `[...]` class at p (just past '['); leaves p on the closing ']'.
Outcome Matcher::bracket(std::size_t& p, unsigned char t_ch) const {
    unsigned char p_ch = pat(++p);
    if (p_ch == '^') {
        p_ch = '!';
    }
    const bool negated = p_ch == '!';
    if (negated) {
        p_ch = pat(++p);
    }
    unsigned char prev_ch = 0;
    bool matched = false;
    do {
        if (p_ch == 0) {
            return Outcome::abort_all;
        }
        if (p_ch == '\\') {
            p_ch = pat(++p);
            if (p_ch == 0) {
                return Outcome::abort_all;
            }
            if (t_ch == p_ch) {
                matched = true;
            }
        } else if (p_ch == '-' && prev_ch != 0 && pat(p + 1) != 0 && pat(p + 1) != ']') {
            p_ch = pat(++p);
            if (p_ch == '\\') {
                p_ch = pat(++p);
                if (p_ch == 0) {
                    return Outcome::abort_all;
                }
            }
            if (t_ch <= p_ch && t_ch >= prev_ch) {
                matched = true;
            }
            p_ch = 0;  // a range cannot start another range
        } else if (p_ch == '[' && pat(p + 1) == ':') {
            const std::size_t start = p + 2;
            std::size_t end = start;
            while (pat(end) != 0 && pat(end) != ']') {
                ++end;
            }
            if (pat(end) == 0) {
                return Outcome::abort_all;
            }
            if (end == start || pat(end - 1) != ':') {
                // No ":]": an ordinary '[' in the set.
                p_ch = '[';
                if (t_ch == p_ch) {
                    matched = true;
                }
            } else {
                bool known = false;
                if (in_named_class(m_pattern.substr(start, end - 1 - start), t_ch, known)) {
                    matched = true;
                }
                if (!known) {
                    return Outcome::abort_all;
                }
                p = end;
                p_ch = 0;
            }
        } else if (t_ch == p_ch) {
            matched = true;
        }
        prev_ch = p_ch;
        p_ch = pat(++p);
    } while (p_ch != ']');
    if (matched == negated || (m_pathname && t_ch == '/')) {
        return Outcome::no_match;
    }
    return Outcome::match;
}

// A run of '*' at p: the outcome of the whole match, or nothing when the main loop goes on
// from p and t (a single star that consumed the rest of a path component).
std::optional<Outcome> Matcher::star(std::size_t& p, std::size_t& t) const {
    bool match_slash = false;
    if (pat(++p) == '*') {
        const std::size_t first = p - 1;
        while (pat(++p) == '*') {
        }
        const bool after_slash = first == 0 || pat(first - 1) == '/';
        const bool before_slash =
            pat(p) == 0 || pat(p) == '/' || (pat(p) == '\\' && pat(p + 1) == '/');
        if (m_pathname && after_slash && before_slash) {
            // "**/**/" means what "**/" means; folding them keeps the search from
            // multiplying for each one.
            while (pat(p) == '/' && pat(p + 1) == '*' && pat(p + 2) == '*' &&
                   (pat(p + 3) == '/' || pat(p + 3) == 0)) {
                p += 3;
            }
        }
        if (!m_pathname || (after_slash && before_slash)) {
            // "**/" may match nothing at all: foo/**/bar matches foo/bar.
            if (m_pathname && pat(p) == '/' && run(p + 1, t) == Outcome::match) {
                return Outcome::match;
            }
            match_slash = true;
        }
    } else {
        match_slash = !m_pathname;
    }
    if (pat(p) == 0) {
        // A trailing "**" matches everything, a trailing "*" only what has no more slashes.
        if (!match_slash && text_has_slash_from(t)) {
            return Outcome::abort_to_starstar;  // only a "**" further out can help
        }
        return Outcome::match;
    }
    if (!match_slash && pat(p) == '/') {
        // One star before a slash matches the rest of this path component.
        const std::size_t slash = t < m_text.size() ? m_text.find('/', t) : std::string_view::npos;
        if (slash == std::string_view::npos) {
            return Outcome::abort_all;  // no later start has a slash either
        }
        t = slash;
        return std::nullopt;  // both sit on a slash, which the main loop consumes
    }
    unsigned char t_ch = txt(t);
    for (;;) {
        if (t_ch == 0) {
            break;
        }
        if (!is_glob_special(pat(p))) {
            // Skip ahead to the next occurrence of the literal after the star.
            const unsigned char literal = pat(p);
            while ((t_ch = txt(t)) != 0 && (match_slash || t_ch != '/')) {
                if (t_ch == literal) {
                    break;
                }
                ++t;
            }
            if (t_ch != literal) {
                // No later start finds it either (git 2.41's fix of the exponential case).
                return match_slash ? Outcome::abort_all : Outcome::abort_to_starstar;
            }
        }
        const Outcome matched = run(p, t);
        if (matched != Outcome::no_match) {
            if (!match_slash || matched != Outcome::abort_to_starstar) {
                return matched;
            }
        } else if (!match_slash && t_ch == '/') {
            return Outcome::abort_to_starstar;
        }
        t_ch = txt(++t);
    }
    return Outcome::abort_all;
}

Outcome Matcher::run(std::size_t p, std::size_t t) const {
    const std::size_t width = m_text.size() + 1;
    const std::size_t cells = (m_pattern.size() + 1) * width;
    if (++m_calls < k_memo_after || cells > k_memo_limit) {
        return match_from(p, t);
    }
    if (m_memo.empty()) {
        m_memo.assign(cells, 0);
    }
    std::uint8_t& known = m_memo[p * width + t];
    if (known == 0) {
        known = static_cast<std::uint8_t>(static_cast<int>(match_from(p, t)) + 1);
    }
    return static_cast<Outcome>(known - 1);
}

Outcome Matcher::match_from(std::size_t p, std::size_t t) const {
    for (; pat(p) != 0; ++t, ++p) {
        unsigned char p_ch = pat(p);
        const unsigned char t_ch = txt(t);
        if (t_ch == 0 && p_ch != '*') {
            return Outcome::abort_all;
        }
        switch (p_ch) {
            case '\\':
                p_ch = pat(++p);
                [[fallthrough]];
            default:
                if (t_ch != p_ch) {
                    return Outcome::no_match;
                }
                continue;
            case '?':
                if (m_pathname && t_ch == '/') {
                    return Outcome::no_match;
                }
                continue;
            case '[': {
                const Outcome matched = bracket(p, t_ch);
                if (matched != Outcome::match) {
                    return matched;
                }
                continue;
            }
            case '*':
                if (auto result = star(p, t)) {
                    return *result;
                }
                continue;
        }
    }
    return t < m_text.size() ? Outcome::no_match : Outcome::match;
}

bool wildmatch(std::string_view pattern, std::string_view text, WildPathname pathname) {
    return Matcher(pattern, text, pathname == WildPathname::yes).run(0, 0) == Outcome::match;
}

}  // namespace ferry::util
