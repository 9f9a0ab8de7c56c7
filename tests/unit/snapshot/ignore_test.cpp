#include "ferry/snapshot/ignore.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "../spec/spec_files.hpp"

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

// The credential rule that decides `path` on its own, with no ignore file.
const IgnoreRule* credential_for(std::string_view path, bool is_directory) {
    const IgnoreRule* rule = IgnoreStack{}.decide(path, is_directory);
    return rule != nullptr && rule->credential ? rule : nullptr;
}

TEST(CredentialRules, LeaveOutKeysTokensAndCloudConfigsAtAnyDepth) {
    for (const char* path :
         {"id_ecdsa", "id_ecdsa.pub", "a/id_dsa", "id_dsa.pub", ".git-credentials", "cert.p12",
          "b/c.pfx", "store.jks", "release.keystore", ".npmrc", "web/.npmrc", ".pypirc",
          "service-account.json", "gcp-service-account-key.json", ".docker/config.json",
          "home/u/.docker/config.json", ".kube/config", "x/.kube/config"}) {
        const IgnoreRule* rule = credential_for(path, false);
        ASSERT_NE(rule, nullptr) << path;
        EXPECT_EQ(rule->source, "built-in credential rules") << path;
        EXPECT_EQ(credential_for(path, true), nullptr) << path << " as a directory";
    }
    for (const char* path : {".azure", "h/.azure", ".gnupg", "a/b/.gnupg", ".config/gcloud",
                             "h/.config/gcloud", ".ssh", "x/.aws"}) {
        EXPECT_NE(credential_for(path, true), nullptr) << path;
        EXPECT_EQ(credential_for(path, false), nullptr) << path << " as a file";
    }
    for (const char* path :
         {"config.json", "docker/config.json", ".docker/daemon.json", "x.docker/config.json",
          "kube/config", ".kube/config.bak", ".kube/cache/config.json", ".config/other",
          "service-account.yaml", "p12.txt", "account.json", "a.p12.txt", "id.pub", ".npmrc.sample",
          "my.jks.txt", "gcloud"}) {
        EXPECT_EQ(credential_for(path, false), nullptr) << path;
    }
    for (const char* path : {".config", "gcloud", "x/gcloud", "config/gcloud", ".docker"}) {
        EXPECT_EQ(credential_for(path, true), nullptr) << path;
    }
}

TEST(CredentialRules, APathRuleSaysHowItIsWrittenAndYieldsToNegation) {
    const IgnoreRule* rule = credential_for("a/.docker/config.json", false);
    ASSERT_NE(rule, nullptr);
    EXPECT_EQ(rule->line, ".docker/config.json");
    EXPECT_EQ(rule->line_number, 15);
    IgnoreStack stack;
    stack.push(parse_ignore_file("!.docker/config.json\n", "a/.ferryignore", "a"));
    rule = stack.decide("a/.docker/config.json", false);
    ASSERT_NE(rule, nullptr);
    EXPECT_TRUE(rule->negative);
}

// The shortcut that spares most names the matching decides as matching every rule would.
TEST(CredentialRules, TheShortcutAgreesWithEveryRule) {
    std::vector<std::string> names = {"a", "x.json", "config", "gcloud", ".env", "id_", ""};
    for (const std::string_view pattern : k_credential_patterns) {
        std::string stem(pattern.substr(pattern.rfind('/', pattern.size() - 2) + 1));
        if (stem.ends_with('/')) {
            stem.pop_back();
        }
        for (const char* fill : {"", "x", "a.b", "-"}) {
            names.push_back(std::regex_replace(stem, std::regex("[*?]"), fill));
            names.push_back(std::regex_replace(stem, std::regex("[*?]"), fill) + "x");
            names.push_back("x" + std::regex_replace(stem, std::regex("[*?]"), fill));
        }
    }
    for (const auto& name : names) {
        for (const std::string& directory :
             {std::string(), std::string("d/"), std::string(".docker/"), std::string(".config/"),
              std::string("a/.kube/")}) {
            const std::string path = directory + name;
            if (name.empty() && directory.empty()) {
                continue;
            }
            for (const bool is_directory : {false, true}) {
                const IgnoreRule* expected = nullptr;
                for (const auto& rule : credential_rules().rules) {
                    if (rule_matches(rule, "", path, is_directory)) {
                        expected = &rule;
                        break;
                    }
                }
                EXPECT_EQ(IgnoreStack{}.decide(path, is_directory), expected) << path;
            }
        }
    }
}

// The one table: its patterns use only what the shortcut understands, and man ferry-run
// lists exactly them, in order.
TEST(CredentialRules, TheManPageListsTheTable) {
    std::vector<std::string> table;
    for (const std::string_view pattern : k_credential_patterns) {
        EXPECT_EQ(pattern.find_first_of("[\\!"), std::string_view::npos) << pattern;
        table.emplace_back(pattern);
    }
    const std::string page = spec::test::slurp(spec::test::source_dir() / "man/ferry-run.1");
    const auto from = page.find("Files that look like credentials");
    const auto to = page.find("\\fB!\\fR line in an ignore file", from);
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    const std::string paragraph = page.substr(from, to - from);
    std::vector<std::string> listed;
    const std::regex bold(R"(\\fB(.*?)\\fR)");
    for (auto it = std::sregex_iterator(paragraph.begin(), paragraph.end(), bold);
         it != std::sregex_iterator(); ++it) {
        listed.push_back(std::regex_replace((*it)[1].str(), std::regex(R"(\\-)"), "-"));
    }
    EXPECT_EQ(listed, table);
}

}  // namespace
}  // namespace ferry::snapshot
