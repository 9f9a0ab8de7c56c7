#include "ferry/output/plot.hpp"

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/util/text.hpp"

namespace ferry::output {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Characters, not bytes: a braille or box character is one column.
std::size_t columns_of(std::string_view line) {
    std::size_t count = 0;
    for (const unsigned char c : line) {
        count += (c & 0xC0U) != 0x80U ? 1 : 0;
    }
    return count;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    for (const auto line : util::lines(text)) {
        lines.emplace_back(line);
    }
    return lines;
}

Series rising() {
    Series series{"r", {}};
    for (int step = 0; step <= 10; ++step) {
        series.points.emplace_back(step, step * 0.1);
    }
    return series;
}

TEST(Plot, ALineInBrailleFitsTheWidthWithItsRangesLabelled) {
    ChartStyle style;
    style.width = 40;
    style.height = 5;
    const auto chart = line_chart("acc (r)", {rising()}, style);
    const auto lines = lines_of(chart);
    ASSERT_EQ(lines.size(), 1U + 5U + 2U);  // title, rows, axis, x labels
    EXPECT_EQ(lines[0], "acc (r)");
    for (const auto& line : lines) {
        EXPECT_LE(columns_of(line), 40U) << line;
    }
    EXPECT_THAT(lines[1], ::testing::StartsWith("  1 ┤"));
    EXPECT_THAT(lines[5], ::testing::StartsWith("  0 ┤"));
    EXPECT_THAT(lines[7], ::testing::StartsWith("     0"));
    EXPECT_THAT(lines[7], ::testing::EndsWith("10"));
    EXPECT_THAT(lines[7], HasSubstr("step"));
    // Rising: the top row is lit at its right end, the bottom one at its left.
    EXPECT_NE(lines[1].substr(lines[1].size() - 3), "⠀");
    EXPECT_NE(lines[5].substr(std::string("  0 ┤").size(), 3), "⠀");
    EXPECT_THAT(chart, Not(HasSubstr("\x1b[")));
}

TEST(Plot, AsciiOutsideUtf8AndMarkersTellSeveralSeriesApartWithoutColour) {
    ChartStyle style;
    style.width = 50;
    style.height = 6;
    style.unicode = false;
    Series falling{"f", {}};
    for (int step = 0; step <= 10; ++step) {
        falling.points.emplace_back(step, 1 - step * 0.1);
    }
    const auto chart = line_chart("loss", {rising(), falling}, style);
    for (const unsigned char c : chart) {
        EXPECT_LT(c, 0x80U) << chart;
    }
    EXPECT_THAT(chart, HasSubstr("*"));
    EXPECT_THAT(chart, HasSubstr("+"));
    EXPECT_THAT(chart, HasSubstr("\n  * r\n  + f\n"));
    // Unicode without colour: markers too, since braille would merge the lines.
    style.unicode = true;
    EXPECT_THAT(line_chart("loss", {rising(), falling}, style), HasSubstr("\n  * r\n"));
    style.color = true;
    const auto colored = line_chart("loss", {rising(), falling}, style);
    EXPECT_THAT(colored, HasSubstr("\x1b[36m"));
    EXPECT_THAT(colored, HasSubstr("\x1b[33m"));
}

TEST(Plot, OneValueNoPointsAndNonFinitePoints) {
    ChartStyle style;
    style.width = 30;
    style.height = 3;
    const auto flat = line_chart("one", {Series{"r", {{0, 5}}}}, style);
    EXPECT_THAT(flat, HasSubstr("5.5 ┤"));
    EXPECT_THAT(flat, HasSubstr("4.5 ┤"));
    EXPECT_EQ(line_chart("none", {Series{"r", {}}}, style), "none\n  (no points)\n");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(line_chart("nan", {Series{"r", {{0, nan}}}}, style), "nan\n  (no points)\n");
}

TEST(Plot, TheLocaleDecidesUnicode) {
    EXPECT_TRUE(
        utf8_locale(Environment(std::map<std::string, std::string>{{"LANG", "en_US.UTF-8"}})));
    EXPECT_TRUE(utf8_locale(
        Environment(std::map<std::string, std::string>{{"LC_ALL", "C.utf8"}, {"LANG", "C"}})));
    EXPECT_FALSE(utf8_locale(
        Environment(std::map<std::string, std::string>{{"LC_ALL", "C"}, {"LANG", "en_US.UTF-8"}})));
    EXPECT_FALSE(
        utf8_locale(Environment(std::map<std::string, std::string>{{"LC_CTYPE", "POSIX"}})));
    EXPECT_FALSE(utf8_locale(Environment()));
}

}  // namespace
}  // namespace ferry::output
