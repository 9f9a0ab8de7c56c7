#include "ferry/util/text.hpp"
#include "ferry/util/time.hpp"

#include <stdlib.h>
#include <time.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace ferry::util {
namespace {

TEST(EditDistance, IdenticalAndEmpty) {
    EXPECT_EQ(edit_distance("", ""), 0u);
    EXPECT_EQ(edit_distance("workspace", "workspace"), 0u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(EditDistance, InsertDeleteSubstitute) {
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("list", "lst"), 1u);
    EXPECT_EQ(edit_distance("lst", "list"), 1u);
    EXPECT_EQ(edit_distance("show", "shaw"), 1u);
}

TEST(EditDistance, AdjacentTranspositionCostsOne) {
    EXPECT_EQ(edit_distance("ab", "ba"), 1u);
    EXPECT_EQ(edit_distance("worksapce", "workspace"), 1u);
    EXPECT_EQ(edit_distance("craete", "create"), 1u);
}

TEST(EditDistance, OptimalStringAlignmentDoesNotEditASwappedPairAgain) {
    // OSA, not full Damerau-Levenshtein: "ca" -> "abc" is 3, not 2.
    EXPECT_EQ(edit_distance("ca", "abc"), 3u);
}

TEST(EditDistance, IsSymmetric) {
    EXPECT_EQ(edit_distance("delete", "dleete"), edit_distance("dleete", "delete"));
    EXPECT_EQ(edit_distance("compute", "commute"), edit_distance("commute", "compute"));
}

const std::vector<std::string> k_verbs = {"create", "list", "show", "use", "delete"};

TEST(ClosestMatch, ShortWordsTolerateOneEdit) {
    EXPECT_EQ(closest_match("lst", k_verbs), "list");
    EXPECT_EQ(closest_match("us", k_verbs), "use");
    // Two edits from "use", with a limit of one for a two-letter word.
    EXPECT_EQ(closest_match("xx", k_verbs), std::nullopt);
}

TEST(DidYouMean, NamesTheClosestOrNothing) {
    EXPECT_EQ(did_you_mean("lst", k_verbs), " (did you mean 'list'?)");
    EXPECT_EQ(did_you_mean("xx", k_verbs), "");
    // A word that is there (a name asked for in a version it lacks) suggests nothing.
    EXPECT_EQ(did_you_mean("show", k_verbs), "");
}

TEST(ClosestMatch, LongerWordsTolerateAThirdOfTheirLength) {
    // Six letters: up to two edits.
    EXPECT_EQ(closest_match("dleeet", k_verbs), "delete");
    EXPECT_EQ(closest_match("crxxte", k_verbs), "create");
    // Three edits is too many for six letters.
    EXPECT_EQ(closest_match("cxxxte", k_verbs), std::nullopt);
    // Nine letters: up to three edits.
    const std::array<std::string, 1> workspace = {"workspace"};
    EXPECT_EQ(closest_match("wrkspcae", workspace), "workspace");
    EXPECT_EQ(closest_match("worksapce", workspace), "workspace");
}

TEST(ClosestMatch, NoCandidatesNoMatch) {
    EXPECT_EQ(closest_match("list", std::span<const std::string>{}), std::nullopt);
    EXPECT_EQ(closest_match("zzzzzz", k_verbs), std::nullopt);
}

TEST(ClosestMatch, ExactMatchWins) {
    EXPECT_EQ(closest_match("show", k_verbs), "show");
}

TEST(ClosestMatch, FirstOfEquallyCloseCandidatesWins) {
    const std::vector<std::string> candidates = {"run", "ran", "rut"};
    EXPECT_EQ(closest_match("rnn", candidates), "run");
}

TEST(WithThousands, GroupsDigits) {
    EXPECT_EQ(with_thousands(0), "0");
    EXPECT_EQ(with_thousands(7), "7");
    EXPECT_EQ(with_thousands(999), "999");
    EXPECT_EQ(with_thousands(1000), "1,000");
    EXPECT_EQ(with_thousands(12345), "12,345");
    EXPECT_EQ(with_thousands(123456), "123,456");
    EXPECT_EQ(with_thousands(1234567), "1,234,567");
    EXPECT_EQ(with_thousands(std::numeric_limits<std::uint64_t>::max()),
              "18,446,744,073,709,551,615");
}

TEST(HumanBytes, BytesBelowOneKibibyteAreExact) {
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(1), "1 B");
    EXPECT_EQ(human_bytes(1023), "1023 B");
}

TEST(HumanBytes, LargerSizesHaveOneDecimal) {
    EXPECT_EQ(human_bytes(1024), "1.0 KiB");
    EXPECT_EQ(human_bytes(1536), "1.5 KiB");
    EXPECT_EQ(human_bytes(1024 * 1024), "1.0 MiB");
    EXPECT_EQ(human_bytes(5ull * 1024 * 1024 * 1024), "5.0 GiB");
    EXPECT_EQ(human_bytes(1ull << 40), "1.0 TiB");
    EXPECT_EQ(human_bytes(1ull << 50), "1.0 PiB");
    EXPECT_EQ(human_bytes(1024 * 1024 - 1024), "1023.0 KiB");
    EXPECT_EQ(human_bytes(1048524), "1023.9 KiB");
    // Never "1024.0 KiB": what would round to it is shown in the next unit.
    EXPECT_EQ(human_bytes(1048525), "1.0 MiB");
    EXPECT_EQ(human_bytes(1024 * 1024 - 1), "1.0 MiB");
    EXPECT_EQ(human_bytes((1ull << 30) - 1), "1.0 GiB");
    // PiB is the largest unit.
    EXPECT_EQ(human_bytes(1ull << 60), "1024.0 PiB");
}

TEST(Trim, RemovesSpacesTabsAndLineEnds) {
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(trim(" \t\r\n"), "");
    EXPECT_EQ(trim("abc"), "abc");
    EXPECT_EQ(trim("  abc  "), "abc");
    EXPECT_EQ(trim("\tabc\r\n"), "abc");
    EXPECT_EQ(trim(" a b "), "a b");
}

TEST(Split, CutsAtEverySeparator) {
    EXPECT_EQ(split("a,b,c", ','), (std::vector<std::string_view>{"a", "b", "c"}));
    EXPECT_EQ(split("abc", ','), (std::vector<std::string_view>{"abc"}));
    EXPECT_EQ(split("a:b", ','), (std::vector<std::string_view>{"a:b"}));
}

TEST(Split, KeepsEmptyParts) {
    EXPECT_EQ(split("", ','), (std::vector<std::string_view>{""}));
    EXPECT_EQ(split(",", ','), (std::vector<std::string_view>{"", ""}));
    EXPECT_EQ(split("a,,b", ','), (std::vector<std::string_view>{"a", "", "b"}));
    EXPECT_EQ(split(",a", ','), (std::vector<std::string_view>{"", "a"}));
    EXPECT_EQ(split("a,", ','), (std::vector<std::string_view>{"a", ""}));
}

TEST(Split, PartsViewTheText) {
    const std::string text = "key.sub.leaf";
    const auto parts = split(text, '.');
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_EQ(parts[2].data(), text.data() + 8);
}

TEST(Lines, DropTheirNewlines) {
    EXPECT_EQ(lines("one\ntwo\n"), (std::vector<std::string_view>{"one", "two"}));
    EXPECT_EQ(lines("one\ntwo"), (std::vector<std::string_view>{"one", "two"}));
    EXPECT_EQ(lines("one"), (std::vector<std::string_view>{"one"}));
}

TEST(Lines, DropACarriageReturnBeforeTheNewline) {
    EXPECT_EQ(lines("one\r\ntwo\r\n"), (std::vector<std::string_view>{"one", "two"}));
    EXPECT_EQ(lines("one\r"), (std::vector<std::string_view>{"one"}));
    EXPECT_EQ(lines("a\rb\n"), (std::vector<std::string_view>{"a\rb"}));
    EXPECT_EQ(lines("one\r\r\n"), (std::vector<std::string_view>{"one\r"}));
}

TEST(Lines, KeepEmptyLinesButNotAnEmptyLast) {
    EXPECT_EQ(lines(""), (std::vector<std::string_view>{}));
    EXPECT_EQ(lines("\n"), (std::vector<std::string_view>{}));
    EXPECT_EQ(lines("\n\n"), (std::vector<std::string_view>{"", ""}));
    EXPECT_EQ(lines("a\n\nb"), (std::vector<std::string_view>{"a", "", "b"}));
    EXPECT_EQ(lines("a\n\n"), (std::vector<std::string_view>{"a", ""}));
}

TEST(ParseInteger, DecimalHexAndOctal) {
    EXPECT_EQ(parse_integer("42"), 42);
    EXPECT_EQ(parse_integer("-3"), -3);
    EXPECT_EQ(parse_integer("+7"), 7);
    EXPECT_EQ(parse_integer("0x1f"), 31);
    EXPECT_EQ(parse_integer("0o17"), 15);
    EXPECT_EQ(parse_integer("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
}

TEST(ParseInteger, RefusesWhatIsNotOne) {
    EXPECT_FALSE(parse_integer("1.5"));
    EXPECT_FALSE(parse_integer("abc"));
    EXPECT_FALSE(parse_integer(""));
    EXPECT_FALSE(parse_integer("-"));
    EXPECT_FALSE(parse_integer("0x"));
    EXPECT_FALSE(parse_integer(" 1"));
    EXPECT_FALSE(parse_integer("9223372036854775808"));
    EXPECT_FALSE(parse_integer("99999999999999999999"));
}

TEST(ParseNumber, IntegersAndDecimals) {
    EXPECT_EQ(parse_number("0.5"), 0.5);
    EXPECT_EQ(parse_number(".5"), 0.5);
    EXPECT_EQ(parse_number("5."), 5.0);
    EXPECT_EQ(parse_number("2"), 2.0);
    EXPECT_EQ(parse_number("0x10"), 16.0);
    EXPECT_EQ(parse_number("1e3"), 1000.0);
    EXPECT_EQ(parse_number("+1.5E-1"), 0.15);
    EXPECT_EQ(parse_number("-2.5"), -2.5);
}

TEST(ParseNumber, RefusesWhatIsNotOne) {
    EXPECT_FALSE(parse_number("1e"));
    EXPECT_FALSE(parse_number("."));
    EXPECT_FALSE(parse_number("1.2.3"));
    EXPECT_FALSE(parse_number("nan"));
    EXPECT_FALSE(parse_number(".inf"));
    EXPECT_FALSE(parse_number("1e999"));
    EXPECT_FALSE(parse_number(""));
}

TEST(ParseSize, SuffixesInAnyCase) {
    EXPECT_EQ(parse_size("2g"), 2ULL << 30U);
    EXPECT_EQ(parse_size("2G"), 2ULL << 30U);
    EXPECT_EQ(parse_size("2gb"), 2ULL << 30U);
    EXPECT_EQ(parse_size("2GB"), 2ULL << 30U);
    EXPECT_EQ(parse_size("512m"), 512ULL << 20U);
    EXPECT_EQ(parse_size("1024k"), 1024ULL << 10U);
    EXPECT_EQ(parse_size("1t"), 1ULL << 40U);
    EXPECT_EQ(parse_size("1.5g"), 3ULL << 29U);
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ParseSize, RefusesWhatIsNotOne) {
    EXPECT_FALSE(parse_size("lots"));
    EXPECT_FALSE(parse_size("2q"));
    EXPECT_FALSE(parse_size("-1g"));
    EXPECT_FALSE(parse_size("+1g"));
    EXPECT_FALSE(parse_size("g"));
    EXPECT_FALSE(parse_size("gb"));
    EXPECT_FALSE(parse_size(""));
    EXPECT_FALSE(parse_size("10000000t"));  // past 9e18 bytes
}

}  // namespace
}  // namespace ferry::util

TEST(InvalidUtf8Offset, AcceptsValidText) {
    EXPECT_EQ(ferry::util::invalid_utf8_offset("plain ascii"), std::nullopt);
    EXPECT_EQ(ferry::util::invalid_utf8_offset("caf\xc3\xa9 \xe2\x80\xa6 \xf0\x9f\x98\x80"),
              std::nullopt);
    EXPECT_EQ(ferry::util::invalid_utf8_offset(""), std::nullopt);
}

TEST(InvalidUtf8Offset, FindsTheFirstBadByte) {
    EXPECT_EQ(ferry::util::invalid_utf8_offset("caf\xe9 au lait"), 3u);
    EXPECT_EQ(ferry::util::invalid_utf8_offset("ab\x80"), 2u);            // stray continuation
    EXPECT_EQ(ferry::util::invalid_utf8_offset("ab\xc3"), 2u);            // cut short
    EXPECT_EQ(ferry::util::invalid_utf8_offset("\xc0\xaf"), 0u);          // overlong '/'
    EXPECT_EQ(ferry::util::invalid_utf8_offset("x\xed\xa0\x80"), 1u);     // a surrogate
    EXPECT_EQ(ferry::util::invalid_utf8_offset("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
}

namespace ferry::util {
namespace {

TEST(CompactTime, ThisYearHasTheTimeOtherYearsTheYear) {
    setenv("TZ", "UTC", 1);
    tzset();
    const auto now = std::chrono::sys_days(std::chrono::year(2026) / 12 / 3);
    EXPECT_EQ(compact_time("2026-12-03T14:11:42.057Z", now), "Dec 03 14:11");
    EXPECT_EQ(compact_time("2025-01-09T00:00:00.000Z", now), "Jan 09  2025");
    // In local time, as `ls -l` shows it.
    setenv("TZ", "JST-9", 1);  // a POSIX rule: no time zone files needed
    tzset();
    EXPECT_EQ(compact_time("2026-12-03T14:11:42.057Z", now), "Dec 03 23:11");
    setenv("TZ", "UTC", 1);
    tzset();
    EXPECT_EQ(compact_time("yesterday", now), "yesterday");
    EXPECT_EQ(compact_time("", now), "");
}

}  // namespace
}  // namespace ferry::util
