#include "ferry/spec/diagnostics.hpp"

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace ferry::spec {
namespace {

TEST(Diagnostics, RendersFileLineColumnSourceLineAndCaret) {
    Diagnostics diagnostics("job.yml");
    diagnostics.add_at(2, 3, "unknown key 'enviroment' (did you mean 'environment'?)");
    EXPECT_EQ(render(diagnostics, "command: x\n  enviroment: y\n"),
              "job.yml:2:3: unknown key 'enviroment' (did you mean 'environment'?)\n"
              "    enviroment: y\n"
              "    ^\n");
}

TEST(Diagnostics, SortsByPosition) {
    Diagnostics diagnostics("a.yml");
    diagnostics.add_at(2, 1, "second");
    diagnostics.add_at(1, 4, "first b");
    diagnostics.add_at(1, 1, "first a");
    EXPECT_EQ(render(diagnostics, "abcd\nefgh\n"),
              "a.yml:1:1: first a\n  abcd\n  ^\n"
              "a.yml:1:4: first b\n  abcd\n     ^\n"
              "a.yml:2:1: second\n  efgh\n  ^\n");
}

TEST(Diagnostics, YamlMarksAreZeroBased) {
    Diagnostics diagnostics("f.yml");
    YAML::Mark mark;
    mark.line = 0;
    mark.column = 2;
    diagnostics.add(mark, "here");
    EXPECT_EQ(render(diagnostics, "abc"), "f.yml:1:3: here\n  abc\n    ^\n");
}

TEST(Diagnostics, PseudoPositionsComeAfterTheFile) {
    Diagnostics diagnostics("f.yml");
    diagnostics.add_origin("--set limits.timeout=abc", "'timeout' must be an integer");
    diagnostics.add_at(1, 1, "in file");
    diagnostics.add(YAML::Mark::null_mark(), "no position");
    EXPECT_EQ(render(diagnostics, "x: 1\n"),
              "f.yml:1:1: in file\n  x: 1\n  ^\n"
              "--set limits.timeout=abc: 'timeout' must be an integer\n"
              "f.yml: no position\n");
}

TEST(Diagnostics, KeepsTabsUnderTheCaretAndDropsCarriageReturns) {
    Diagnostics diagnostics("t.yml");
    diagnostics.add_at(1, 3, "tab");
    EXPECT_EQ(render(diagnostics, "\tab\r\n"), "t.yml:1:3: tab\n  \tab\n  \t ^\n");
}

TEST(Diagnostics, ControlCharactersAreEscapedAndTheCaretFollows) {
    Diagnostics diagnostics("t.yml");
    diagnostics.add_at(1, 5, "bad name 'x\x1b[31my'");
    diagnostics.add_origin("--set name=\x1b[2J", "no");
    EXPECT_EQ(render(diagnostics,
                     "ab\x01"
                     "cd\n"),
              "t.yml:1:5: bad name 'x\\x1b[31my'\n"
              "  ab\\x01cd\n"
              "         ^\n"
              "--set name=\\x1b[2J: no\n");
}

TEST(Diagnostics, ManyDiagnosticsOfALongFileRenderEachLine) {
    std::string text;
    Diagnostics diagnostics("big.yml");
    for (int line = 1; line <= 3000; ++line) {
        text += "k" + std::to_string(line) + ": v\n";
        diagnostics.add_at(line, 1, "x");
    }
    const std::string out = render(diagnostics, text);
    EXPECT_NE(out.find("big.yml:2999:1: x\n  k2999: v\n  ^\n"), std::string::npos);
    EXPECT_EQ(std::ranges::count(out, '\n'), 3 * 3000);
}

TEST(Diagnostics, LinePastTheEndRendersEmpty) {
    Diagnostics diagnostics("t.yml");
    diagnostics.add_at(3, 1, "end");
    EXPECT_EQ(render(diagnostics, "a\n"), "t.yml:3:1: end\n  \n  ^\n");
}

TEST(Diagnostics, ToErrorIsAUsageErrorWithoutTheFinalNewline) {
    Diagnostics diagnostics("f.yml");
    diagnostics.add_at(1, 1, "bad");
    const Error error = to_error(diagnostics, "x\n");
    EXPECT_EQ(error.code, ExitCode::usage);
    EXPECT_EQ(error.message, "f.yml:1:1: bad\n  x\n  ^");
}

}  // namespace
}  // namespace ferry::spec
