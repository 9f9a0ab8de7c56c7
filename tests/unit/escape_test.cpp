#include "ferry/util/escape.hpp"

#include <gtest/gtest.h>

namespace ferry::util {
namespace {

TEST(EscapeControl, PrintableTextIsUnchanged) {
    EXPECT_EQ(escape_control("train-resnet_50 v1.2 caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \\n"),
              "train-resnet_50 v1.2 caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \\n");
    EXPECT_FALSE(has_control("caf\xc3\xa9"));
}

TEST(EscapeControl, ControlCharactersAreWrittenAsEscapes) {
    EXPECT_EQ(escape_control("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
    EXPECT_EQ(escape_control("a\nb\tc\rd"), "a\\nb\\tc\\rd");
    EXPECT_EQ(escape_control(std::string("nul\0x\x7f", 6)), "nul\\x00x\\x7f");
    // C1 controls as UTF-8 (U+009B is CSI on some terminals).
    EXPECT_EQ(escape_control("a\xc2\x9b"
                             "31m"),
              "a\\u009b31m");
    EXPECT_TRUE(has_control("\x07"));
}

TEST(EscapeControl, BytesThatAreNotUtf8AreWrittenAsEscapes) {
    EXPECT_EQ(escape_control("\xff"), "\\xff");
    EXPECT_EQ(escape_control("\x9b"), "\\x9b");                    // a lone continuation byte
    EXPECT_EQ(escape_control("\xc0\xaf"), "\\xc0\\xaf");           // overlong '/'
    EXPECT_EQ(escape_control("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
    EXPECT_EQ(escape_control("ab\xe6\x97"), "ab\\xe6\\x97");       // cut short
}

TEST(EscapeControl, KeepLeavesTabsAndNewlines) {
    EXPECT_EQ(escape_control("a\tb\nc\x1b", Keep::tabs), "a\tb\\nc\\x1b");
    EXPECT_EQ(escape_control("a\tb\nc\x1b", Keep::tabs_and_newlines), "a\tb\nc\\x1b");
}

}  // namespace
}  // namespace ferry::util
