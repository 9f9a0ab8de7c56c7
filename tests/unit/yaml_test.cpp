#include "ferry/util/yaml.hpp"

#include <string>

#include <gtest/gtest.h>

namespace ferry::util {
namespace {

// "LINE:COL: message" (1-based) of a refused text, or "loaded".
std::string refusal(std::string_view text, const YamlLimits& limits = {}) {
    const auto node = load_yaml(text, limits);
    if (node) {
        return "loaded";
    }
    const YAML::Mark& mark = node.error().mark;
    if (mark.is_null()) {
        return node.error().message;
    }
    return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) + ": " +
           node.error().message;
}

// Ten levels of ten aliases each: 10^10 values once expanded, from 600 bytes.
std::string laughs() {
    std::string text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int level = 1; level < 10; ++level) {
        const std::string alias = "*l" + std::to_string(level - 1);
        text += "l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
        for (int i = 0; i < 10; ++i) {
            text += (i == 0 ? "" : ",") + alias;
        }
        text += "]\n";
    }
    return text;
}

TEST(LoadYaml, AliasesThatExpandPastTheLimitAreRefusedAtTheAlias) {
    // l4 is 111,111 values; the ninth alias of l5 passes 1,000,000 with what came before.
    EXPECT_EQ(refusal(laughs()),
              "6:38: alias '*l4' expands the document to more than 1,000,000 values (the limit "
              "of a YAML file, aliases expanded)");
}

TEST(LoadYaml, AliasesCountTheTextTheyRepeat) {
    const std::string big(1000, 'x');
    const std::string text = "a: &a " + big + "\nb: [*a, *a, *a]\n";
    YamlLimits limits;
    limits.max_value_bytes = 3999;
    EXPECT_EQ(refusal(text, limits),
              "2:13: alias '*a' expands the document to more than 3.9 KiB of text (the limit of "
              "a YAML file, aliases expanded)");
    limits.max_value_bytes = 4002;
    EXPECT_EQ(refusal(text, limits), "loaded");
}

TEST(LoadYaml, ValuesAreCountedExactly) {
    // The map, its key, the list and its two items.
    YamlLimits limits;
    limits.max_values = 5;
    EXPECT_EQ(refusal("a: [1, 2]\n", limits), "loaded");
    limits.max_values = 4;
    EXPECT_EQ(refusal("a: [1, 2]\n", limits),
              "1:8: the document has more than 4 values (the limit of a YAML file, aliases "
              "expanded)");
}

TEST(LoadYaml, AliasesWithinTheLimitsLoad) {
    const auto node = load_yaml("a: &x {k: [1, 2]}\nb: *x\n");
    ASSERT_TRUE(node) << node.error().message;
    EXPECT_EQ((*node)["b"]["k"][1].as<int>(), 2);
}

TEST(LoadYaml, AnAliasInsideTheNodeItNamesIsRefused) {
    EXPECT_EQ(refusal("a: &a [1, *a]\n"), "1:11: alias '*a' is inside the node it names");
    EXPECT_EQ(refusal("a: &a {b: {c: *a}}\n"), "1:15: alias '*a' is inside the node it names");
}

TEST(LoadYaml, ASecondDocumentIsRefusedAtItsStart) {
    EXPECT_EQ(refusal("a: 1\n---\nb: 2\n"),
              "2:1: a second YAML document: the file must hold one document");
    EXPECT_EQ(refusal("---\na: 1\n...\n"), "loaded");
}

TEST(LoadYaml, TextOverTheSizeLimitIsRefusedBeforeParsing) {
    YamlLimits limits;
    limits.max_bytes = 2048;
    // Not even YAML: nothing past the size is looked at.
    EXPECT_EQ(refusal(std::string(3000, '['), limits),
              "the file is 2.9 KiB; a YAML file may be at most 2.0 KiB");
    EXPECT_EQ(refusal(std::string(2040, ' ') + "a: 1", limits), "loaded");
}

TEST(LoadYaml, UnprintableBytesAndSyntaxErrorsHaveTheirPosition) {
    EXPECT_EQ(refusal("a: 1\nb: x\x01y\n"), "2:5: non-printable character 0x01");
    EXPECT_EQ(refusal("a: caf\xe9\n"), "1:7: invalid UTF-8 byte 0xe9");
    EXPECT_EQ(refusal("a: [1, 2\n"), "2:1: end of sequence flow not found");
}

TEST(ParseYaml, ErrorsNameTheFileAndPosition) {
    const auto node = parse_yaml("a: 1\n---\n", "conda.yml");
    ASSERT_FALSE(node);
    EXPECT_EQ(node.error().code, ExitCode::usage);
    EXPECT_EQ(node.error().message,
              "conda.yml:2:1: a second YAML document: the file must hold one document");
}

}  // namespace
}  // namespace ferry::util
