#include "ferry/util/wildmatch.hpp"

#include <gtest/gtest.h>

namespace ferry::util {
namespace {

struct Case {
    const char* pattern;
    const char* text;
    bool with_pathname;  // expected with WildPathname::yes
    bool without;        // expected with WildPathname::no
};

// Behaviour of git's wildmatch (t/t3070-wildmatch.sh documents the same semantics).
constexpr Case k_cases[] = {
    {"foo", "foo", true, true},
    {"foo", "bar", false, false},
    {"", "", true, true},
    {"???", "foo", true, true},
    {"??", "foo", false, false},
    {"*", "foo", true, true},
    {"f*", "foo", true, true},
    {"*f", "foo", false, false},
    {"*foo*", "foo", true, true},
    {"*ob*a*r*", "foobar", true, true},
    {"*ab", "aaaaaaabababab", true, true},
    {"foo\\*", "foo*", true, true},
    {"foo\\*bar", "foobar", false, false},
    {"f\\\\oo", "f\\oo", true, true},
    {"*[al]?", "ball", true, true},
    {"[ten]", "ten", false, false},
    {"**[!te]", "ten", true, true},
    {"**[!ten]", "ten", false, false},
    {"t[a-g]n", "ten", true, true},
    {"t[!a-g]n", "ten", false, false},
    {"t[!a-g]n", "ton", true, true},
    {"t[^a-g]n", "ton", true, true},
    {"a[]]b", "a]b", true, true},
    {"a[]-]b", "a-b", true, true},
    {"a[]-]b", "a]b", true, true},
    {"a[]-]b", "aab", false, false},
    {"a[]a-]b", "aab", true, true},
    {"]", "]", true, true},
    // Slashes: '*', '?' and classes stop at them only with pathname semantics.
    {"foo*bar", "foo/baz/bar", false, true},
    {"foo**bar", "foo/baz/bar", false, true},
    {"foo?bar", "foo/bar", false, true},
    {"foo[/]bar", "foo/bar", false, true},
    {"foo[^a-z]bar", "foo/bar", false, true},
    {"f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true, true},
    {"**/foo", "foo", true, false},
    {"**/foo", "XXX/foo", true, true},
    {"**/foo", "bar/baz/foo", true, true},
    {"*/foo", "bar/baz/foo", false, true},
    {"**/bar*", "foo/bar/baz", false, true},
    {"**/bar/*", "deep/foo/bar/baz", true, true},
    {"**/bar/*", "deep/foo/bar/baz/", false, true},
    {"**/bar/**", "deep/foo/bar/baz/", true, true},
    {"**/bar/*", "deep/foo/bar", false, false},
    {"**/bar/**", "deep/foo/bar/", true, true},
    {"**/bar**", "foo/bar/baz/x", false, true},
    {"*/bar/**", "deep/foo/bar/baz/x", false, true},
    {"**/bar/*/*", "deep/foo/bar/baz/x", true, true},
    {"a/**/b", "a/b", true, false},
    {"a/**/b", "a/x/y/b", true, true},
    {"a/**", "a/x/y", true, true},
    {"a/**", "a", false, false},
    {"a**b", "a/x/b", false, true},  // "**" not between slashes is a plain "*"
    {"XXX/*/*/*/YYY", "XXX/1/2/3/YYY", true, true},
    {"-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1",
     true, true},
    {"[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true, true},
    {"[[:digit:][:upper:][:space:]]", "a", false, false},
    {"[[:digit:][:upper:][:space:]]", " ", true, true},
    {"[[:digit:][:punct:][:space:]]", ".", true, true},
    {"[[:xdigit:]]", "f", true, true},
    {"[[:nope:]]", "n", false, false},  // an unknown class matches nothing
    {"[a-", "a", false, false},         // an unterminated class matches nothing
    {"[\\-_]", "-", true, true},
    {"[\\]]", "]", true, true},
    {"[!]-]", "a", true, true},
    {"\\", "\\", false, false},  // a trailing backslash matches nothing
};

TEST(Wildmatch, MatchesGitsSemantics) {
    for (const auto& c : k_cases) {
        EXPECT_EQ(wildmatch(c.pattern, c.text, WildPathname::yes), c.with_pathname)
            << "pattern '" << c.pattern << "' text '" << c.text << "' (pathname)";
        EXPECT_EQ(wildmatch(c.pattern, c.text, WildPathname::no), c.without)
            << "pattern '" << c.pattern << "' text '" << c.text << "'";
    }
}

TEST(Wildmatch, ReturnsOnPathologicalPatterns) {
    // The abort rules keep this from taking exponential time.
    const std::string text(200, 'a');
    EXPECT_FALSE(wildmatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", text, WildPathname::yes));
    EXPECT_FALSE(wildmatch("**/**/**/**/**/**/**/**/**/b", "a/a/a/a/a/a/a/a/a/a/a/a/a/a/c",
                           WildPathname::yes));
}

}  // namespace
}  // namespace ferry::util
