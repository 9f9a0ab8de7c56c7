#include "ferry/snapshot/ignore.hpp"

#include <gtest/gtest.h>

namespace ferry::snapshot {
namespace {

std::vector<std::string> lines_of(const IgnoreList& list) {
    std::vector<std::string> lines;
    for (const auto& rule : list.rules) {
        lines.push_back(std::to_string(rule.line_number) + ":" + rule.pattern);
    }
    return lines;
}

TEST(ParseIgnoreFile, SkipsCommentsAndBlankLinesAndNumbersLines) {
    const auto list = parse_ignore_file("# comment\n\n*.log\n  \n\\#kept\nlast", ".gitignore", "");
    EXPECT_EQ(lines_of(list), (std::vector<std::string>{"3:*.log", "5:\\#kept", "6:last"}));
    EXPECT_EQ(list.rules[0].source, ".gitignore");
}

TEST(ParseIgnoreFile, TrimsUnescapedTrailingSpacesOnly) {
    const auto list = parse_ignore_file("a  \nb\\ \nc\\  \nd\t\n", ".gitignore", "");
    EXPECT_EQ(lines_of(list), (std::vector<std::string>{"1:a", "2:b\\ ", "3:c\\ ", "4:d\t"}));
}

TEST(ParseIgnoreFile, ReadsCrlfAndAByteOrderMark) {
    const auto list = parse_ignore_file("\xEF\xBB\xBFone\r\ntwo \r\n", ".gitignore", "");
    EXPECT_EQ(lines_of(list), (std::vector<std::string>{"1:one", "2:two"}));
}

TEST(ParseIgnoreFile, ReadsNegationDirectoryOnlyAndAnchoring) {
    const auto list = parse_ignore_file("!keep\nbuild/\n/top\na/b\n!/x/\n\\!bang\n", "f", "d");
    ASSERT_EQ(list.rules.size(), 6U);
    EXPECT_TRUE(list.rules[0].negative);
    EXPECT_TRUE(list.rules[0].basename_only);
    EXPECT_TRUE(list.rules[1].directory_only);
    EXPECT_EQ(list.rules[1].pattern, "build");
    EXPECT_FALSE(list.rules[2].basename_only);
    EXPECT_EQ(list.rules[2].pattern, "top");
    EXPECT_FALSE(list.rules[3].basename_only);
    EXPECT_TRUE(list.rules[4].negative && list.rules[4].directory_only);
    EXPECT_EQ(list.rules[4].pattern, "x");
    EXPECT_FALSE(list.rules[5].negative);
    EXPECT_EQ(list.base, "d");
}

TEST(RuleMatches, BasenameRulesMatchAtAnyDepthAnchoredOnesBelowTheirBase) {
    const auto list = parse_ignore_file("*.log\n/top\nsub/x\n", ".gitignore", "d");
    const auto& name = list.rules[0];
    const auto& top = list.rules[1];
    const auto& nested = list.rules[2];
    EXPECT_TRUE(rule_matches(name, "d", "d/a/b/c.log", false));
    EXPECT_TRUE(rule_matches(top, "d", "d/top", false));
    EXPECT_FALSE(rule_matches(top, "d", "d/a/top", false));
    EXPECT_FALSE(rule_matches(top, "d", "top", false));
    EXPECT_TRUE(rule_matches(nested, "d", "d/sub/x", false));
    EXPECT_FALSE(rule_matches(nested, "d", "d/a/sub/x", false));
    EXPECT_FALSE(rule_matches(nested, "d", "dd/sub/x", false));
}

TEST(RuleMatches, TheGlobOfAPathRuleStartsAtItsFirstWildcard) {
    // git compares "a" literally, then globs "**/b", whose "**/" may match nothing at all.
    const auto list = parse_ignore_file("a**/b\n/q/ab**/z\n", ".gitignore", "");
    for (const char* path : {"a/b", "ab", "a/x/b", "ax/y/b"}) {
        EXPECT_TRUE(rule_matches(list.rules[0], "", path, false)) << path;
    }
    EXPECT_FALSE(rule_matches(list.rules[0], "", "axb", false));
    EXPECT_FALSE(rule_matches(list.rules[0], "", "b/a/b", false));
    for (const char* path : {"q/abz", "q/ab/x/z", "q/abc/d/z"}) {
        EXPECT_TRUE(rule_matches(list.rules[1], "", path, false)) << path;
    }
}

TEST(RuleMatches, DirectoryOnlyRulesSkipFilesAndLinks) {
    const auto list = parse_ignore_file("build/\n", ".gitignore", "");
    EXPECT_TRUE(rule_matches(list.rules[0], "", "a/build", true));
    EXPECT_FALSE(rule_matches(list.rules[0], "", "a/build", false));
}

TEST(IgnoreStack, DeeperListsAndLaterLinesWin) {
    IgnoreStack stack;
    stack.push(parse_ignore_file("*.txt\n!keep.txt\n", ".gitignore", ""));
    stack.push(parse_ignore_file("keep.txt\n!other.txt\n", "sub/.gitignore", "sub"));
    const IgnoreRule* rule = stack.decide("keep.txt", false);
    ASSERT_NE(rule, nullptr);
    EXPECT_TRUE(rule->negative);
    rule = stack.decide("sub/keep.txt", false);
    ASSERT_NE(rule, nullptr);
    EXPECT_FALSE(rule->negative);
    EXPECT_EQ(rule->source, "sub/.gitignore");
    rule = stack.decide("sub/other.txt", false);
    ASSERT_NE(rule, nullptr);
    EXPECT_TRUE(rule->negative);
    EXPECT_EQ(stack.decide("sub/x.py", false), nullptr);
}

TEST(IgnoreStack, CredentialRulesComeLastAndYieldToNegation) {
    IgnoreStack stack;
    stack.push(parse_ignore_file("", ".gitignore", ""));
    for (const char* path : {".env", "a/.env.local", "k.pem", "server.key", "id_rsa.pub",
                             "id_ed25519", ".netrc", ".pgpass", "credentials-prod.json"}) {
        const IgnoreRule* rule = stack.decide(path, false);
        ASSERT_NE(rule, nullptr) << path;
        EXPECT_TRUE(rule->credential) << path;
    }
    ASSERT_NE(stack.decide(".ssh", true), nullptr);
    EXPECT_EQ(stack.decide(".env", true), nullptr);  // a directory named .env (a venv) is fine
    EXPECT_EQ(stack.decide("environment.py", false), nullptr);
    stack.push(parse_ignore_file("!.env\n", ".ferryignore", ""));
    const IgnoreRule* rule = stack.decide(".env", false);
    ASSERT_NE(rule, nullptr);
    EXPECT_TRUE(rule->negative);
}

}  // namespace
}  // namespace ferry::snapshot
