#include "common/text.h"

#include <gtest/gtest.h>

namespace common {
namespace {

using Views = std::vector<std::string_view>;

TEST(Trim, RemovesSpacesTabsAndLineEndsAtBothEnds) {
    EXPECT_EQ(trim("  \tvalue \r\n"), "value");
    EXPECT_EQ(trim("a b"), "a b");
    EXPECT_EQ(trim(" \t\r\n"), "");
    EXPECT_EQ(trim(""), "");
}

TEST(Split, KeepsEmptyFields) {
    EXPECT_EQ(split("root:x:0:0::/root:/bin/bash", ':'), (Views{"root", "x", "0", "0", "", "/root", "/bin/bash"}));
    EXPECT_EQ(split("a,", ','), (Views{"a", ""}));
    EXPECT_EQ(split("", ','), (Views{""}));
    EXPECT_EQ(split("abc", ','), (Views{"abc"}));
}

TEST(SplitWhitespace, DropsRunsOfSpacesAndTabs) {
    EXPECT_EQ(split_whitespace("  /dev/sda1\t\t/  xfs defaults 0 0  "),
              (Views{"/dev/sda1", "/", "xfs", "defaults", "0", "0"}));
    EXPECT_TRUE(split_whitespace(" \t ").empty());
    EXPECT_TRUE(split_whitespace("").empty());
}

TEST(Lines, SplitsOnNewlinesDroppingOnlyTheFinalEmptyLine) {
    EXPECT_EQ(lines("a\n\nb\n"), (Views{"a", "", "b"}));
    EXPECT_EQ(lines("a\nb"), (Views{"a", "b"}));
    EXPECT_TRUE(lines("").empty());
    EXPECT_EQ(lines("\n"), (Views{""}));
    EXPECT_EQ(lines("a\r\nb\r\n"), (Views{"a\r", "b\r"})) << "carriage returns are left to trim()";
}

TEST(ParseUint, ParsesDecimalOctalAndHex) {
    EXPECT_EQ(parse_uint("42"), 42u);
    EXPECT_EQ(parse_uint(" 42\n"), 42u);
    EXPECT_EQ(parse_uint("040", 8), 32u);
    EXPECT_EQ(parse_uint("0x3a", 16), 0x3au);
    EXPECT_EQ(parse_uint("0XFF", 16), 255u);
    EXPECT_EQ(parse_uint("ff", 16), 255u);
    EXPECT_EQ(parse_uint("18446744073709551615"), UINT64_MAX);
}

TEST(ParseUint, RejectsAnythingButAWholeNumber) {
    for (const char* text : {"", " ", "-1", "+1", "12a", "1.5", "0x10", "18446744073709551616", "1 2"})
        EXPECT_FALSE(parse_uint(text).has_value()) << text;
    EXPECT_FALSE(parse_uint("8", 8).has_value());
}

TEST(ParseInt, ParsesSignedNumbers) {
    EXPECT_EQ(parse_int("-12"), -12);
    EXPECT_EQ(parse_int(" 7 "), 7);
    EXPECT_EQ(parse_int("-9223372036854775808"), INT64_MIN);
    EXPECT_FALSE(parse_int("").has_value());
    EXPECT_FALSE(parse_int("--1").has_value());
    EXPECT_FALSE(parse_int("9223372036854775808").has_value());
    EXPECT_FALSE(parse_int("3x").has_value());
}

TEST(ParseBoolWord, ReadsKernelAndConfigSpellings) {
    for (const char* yes : {"Y", "y", "1", "on", "yes", "true", " Y\n"})
        EXPECT_EQ(parse_bool_word(yes), true) << yes;
    for (const char* no : {"N", "n", "0", "off", "no", "false", "0\n"})
        EXPECT_EQ(parse_bool_word(no), false) << no;
    for (const char* neither : {"", "2", "maybe", "YES", "-1"})
        EXPECT_FALSE(parse_bool_word(neither).has_value()) << neither;
}

TEST(Join, PutsTheSeparatorOnlyBetweenParts) {
    EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(join({"only"}, ", "), "only");
    EXPECT_EQ(join({}, ", "), "");
    EXPECT_EQ(join({"", ""}, "-"), "-");
}

TEST(HumanBytes, UsesBinaryUnitsWithOneDecimal) {
    EXPECT_EQ(human_bytes(0), "0 B");
    EXPECT_EQ(human_bytes(1023), "1023 B");
    EXPECT_EQ(human_bytes(1024), "1.0 KiB");
    EXPECT_EQ(human_bytes(512ULL << 20), "512.0 MiB");
    EXPECT_EQ(human_bytes(1536ULL << 20), "1.5 GiB");
    EXPECT_EQ(human_bytes(16ULL << 30), "16.0 GiB");
    EXPECT_EQ(human_bytes(3ULL << 40), "3.0 TiB");
    EXPECT_EQ(human_bytes(2048ULL << 50), "2048.0 PiB");
}

}  // namespace
}  // namespace common
