#include "checks/parsers/cpuinfo.h"

#include <gtest/gtest.h>

#include <string>

namespace checks {
namespace {

std::string processor(int n, const std::string& vendor, const std::string& flags) {
    return "processor\t: " + std::to_string(n) + "\nvendor_id\t: " + vendor +
           "\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz\n"
           "flags\t\t: " + flags + "\n"
           "vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad\n"
           "bugs\t\t: spectre_v1 spectre_v2\n\n";
}

const std::string k_intel_flags = "fpu vme de pse tsc msr pae mce cx8 apic sep lm constant_tsc vmx smx est tm2 ssse3";

TEST(ParseCpuinfo, CountsEachFlagPerCpu) {
    const std::string text = processor(0, "GenuineIntel", k_intel_flags) + processor(1, "GenuineIntel", k_intel_flags) +
                             processor(2, "GenuineIntel", "fpu lm");
    const auto info = parse_cpuinfo(text);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->cpus, 3);
    EXPECT_EQ(info->vmx, 2);
    EXPECT_EQ(info->svm, 0);
    EXPECT_EQ(info->lm, 3);
    EXPECT_EQ(info->vendor, "GenuineIntel");
    EXPECT_EQ(info->model_name, "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz");
}

TEST(ParseCpuinfo, MatchesWholeFlagWordsOnly) {
    // lahf_lm is not lm, svm_lock is not svm; the "vmx flags" line is not the flags line.
    const auto info = parse_cpuinfo(processor(0, "AuthenticAMD", "fpu lahf_lm svm_lock nrip_save"));
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->cpus, 1);
    EXPECT_EQ(info->lm, 0);
    EXPECT_EQ(info->svm, 0);
    EXPECT_EQ(info->vmx, 0);
}

TEST(ParseCpuinfo, CountsSvmOnAmd) {
    const std::string flags = "fpu lm svm extapic cr8_legacy";
    const auto info = parse_cpuinfo(processor(0, "AuthenticAMD", flags) + processor(1, "AuthenticAMD", flags));
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->svm, 2);
    EXPECT_EQ(info->vmx, 0);
    EXPECT_EQ(info->vendor, "AuthenticAMD");
}

TEST(ParseCpuinfo, AcceptsAFinalBlockWithoutTrailingNewline) {
    const auto info = parse_cpuinfo("processor : 0\nvendor_id : GenuineIntel\nflags : vmx lm");
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->cpus, 1);
    EXPECT_EQ(info->vmx, 1);
    EXPECT_EQ(info->lm, 1);
}

TEST(ParseCpuinfo, IsAnErrorWhenTruncatedMidway) {
    const std::string text = processor(0, "GenuineIntel", k_intel_flags) + processor(1, "GenuineIntel", k_intel_flags) +
                             "processor\t: 2\nvendor_id\t: GenuineIntel\nmodel name\t: Intel";
    const auto info = parse_cpuinfo(text);
    ASSERT_FALSE(info.ok());
    EXPECT_NE(info.error().message.find("truncated: 3 processors but 2 flags lines"), std::string::npos)
        << info.error().message;
}

TEST(ParseCpuinfo, IsAnErrorWithoutFlagsLines) {
    const auto info = parse_cpuinfo("processor\t: 0\nvendor_id\t: GenuineIntel\n\nprocessor\t: 1\n");
    ASSERT_FALSE(info.ok());
    EXPECT_NE(info.error().message.find("no \"flags\" lines"), std::string::npos) << info.error().message;
}

TEST(ParseCpuinfo, IsAnErrorWithoutProcessorEntries) {
    for (const char* text : {"", "MemTotal: 1 kB\n", "flags : vmx lm\n"}) {
        const auto info = parse_cpuinfo(text);
        ASSERT_FALSE(info.ok()) << text;
        EXPECT_NE(info.error().message.find("no \"processor\" entries"), std::string::npos) << info.error().message;
    }
}

}  // namespace
}  // namespace checks
