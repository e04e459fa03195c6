#include "checks/parsers/proc_tables.h"

#include <gtest/gtest.h>

namespace checks {
namespace {

TEST(ParseMeminfoTotal, ConvertsKibToBytes) {
    const auto total = parse_meminfo_total("MemTotal:       16318480 kB\nMemFree:         1234567 kB\n"
                                           "MemAvailable:   12345678 kB\n");
    ASSERT_TRUE(total.ok()) << total.error().message;
    EXPECT_EQ(*total, 16318480ULL * 1024);
}

TEST(ParseMeminfoTotal, FindsMemTotalAfterOtherLines) {
    const auto total = parse_meminfo_total("MemFree: 1 kB\nMemTotal: 2048 kB\n");
    ASSERT_TRUE(total.ok());
    EXPECT_EQ(*total, 2048ULL * 1024);
}

TEST(ParseMeminfoTotal, IsAnErrorWithoutMemTotal) {
    const auto total = parse_meminfo_total("MemFree: 1 kB\nSwapTotal: 0 kB\n");
    ASSERT_FALSE(total.ok());
    EXPECT_EQ(total.error().message, "/proc/meminfo has no MemTotal line");
}

TEST(ParseMeminfoTotal, IsAnErrorForAnotherUnitOrShape) {
    for (const char* text : {"MemTotal: 16318480 MB\n", "MemTotal: 16318480\n", "MemTotal: 1 2 kB\n"}) {
        const auto total = parse_meminfo_total(text);
        ASSERT_FALSE(total.ok()) << text;
        EXPECT_EQ(total.error().message, "/proc/meminfo: MemTotal is not \"<number> kB\"") << text;
    }
}

TEST(ParseMeminfoTotal, IsAnErrorForANonNumberOrAnOverflow) {
    for (const char* text : {"MemTotal: lots kB\n", "MemTotal: -5 kB\n", "MemTotal: 18014398509481984 kB\n"}) {
        const auto total = parse_meminfo_total(text);
        ASSERT_FALSE(total.ok()) << text;
        EXPECT_EQ(total.error().message, "/proc/meminfo: MemTotal is not a number") << text;
    }
}

TEST(ParseProcModules, CollectsTheFirstFieldOfEachLine) {
    const auto names = parse_proc_modules(
        "kvm_intel 413696 0 - Live 0x0000000000000000\n"
        "kvm 1142784 1 kvm_intel, Live 0x0000000000000000\n"
        "irqbypass 16384 1 kvm, Live 0x0000000000000000\n"
        "\n"
        "br_netfilter 32768 0 - Live 0x0000000000000000\n");
    EXPECT_EQ(names, (std::set<std::string>{"kvm_intel", "kvm", "irqbypass", "br_netfilter"}));
}

TEST(ParseProcModules, IsEmptyForAnEmptyFile) { EXPECT_TRUE(parse_proc_modules("").empty()); }

}  // namespace
}  // namespace checks
