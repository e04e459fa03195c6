// checks/cpu.cpp: virtualization flags, 64-bit, firmware locks.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

// --- cpu.virt-extensions ---

TEST(CpuVirtExtensions, PassesWhenEveryCpuHasVmx) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = intel_cpus(8);
    const auto outcome = run_check("cpu.virt-extensions", facts);
    EXPECT_OUTCOME(outcome, Status::pass, "vmx (Intel VT-x) on 8/8 CPUs");
    EXPECT_TRUE(outcome.fix.empty());
}

TEST(CpuVirtExtensions, PassesWhenEveryCpuHasSvm) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = amd_cpus(4);
    EXPECT_OUTCOME(run_check("cpu.virt-extensions", facts), Status::pass, "svm (AMD-V) on 4/4 CPUs");
}

TEST(CpuVirtExtensions, FailsWhenNoCpuHasVmxOrSvm) {
    StaticHostFacts facts;
    CpuInfo cpu = intel_cpus(2);
    cpu.vmx = 0;
    facts.cpuinfo_fact = cpu;
    const auto outcome = run_check("cpu.virt-extensions", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "no vmx or svm flag on any of 2 CPUs (GenuineIntel)");
    EXPECT_FIX_HAS(outcome, "enable Intel VT-x / AMD-V");
    EXPECT_EQ(outcome.evidence.find("kvm_pvm"), std::string::npos);
}

TEST(CpuVirtExtensions, FailureMentionsAPresentKvmPvmBackend) {
    StaticHostFacts facts;
    CpuInfo cpu = intel_cpus(2);
    cpu.vmx = 0;
    facts.cpuinfo_fact = cpu;
    facts.kernel_modules_fact = modules_with({{"kvm", loaded()}, {"kvm_pvm", loaded()}});
    EXPECT_OUTCOME(run_check("cpu.virt-extensions", facts), Status::fail,
                   "a paravirtual KVM backend (kvm_pvm) is present: see kvm.functional");
}

TEST(CpuVirtExtensions, WarnsWhenOnlySomeCpusHaveTheFlag) {
    StaticHostFacts facts;
    CpuInfo cpu = amd_cpus(4);
    cpu.svm = 3;
    facts.cpuinfo_fact = cpu;
    const auto outcome = run_check("cpu.virt-extensions", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "svm (AMD-V) on only 3/4 CPUs");
    EXPECT_FIX_HAS(outcome, "CPUs disagree");
}

TEST(CpuVirtExtensions, IsErrorWhenCpuinfoIsUnreadable) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = ReadError{"/proc/cpuinfo is truncated: 4 processors but 3 flags lines"};
    EXPECT_OUTCOME(run_check("cpu.virt-extensions", facts), Status::error, "truncated");
}

// --- cpu.64bit ---

TEST(Cpu64bit, PassesWithLongModeAndAnX86_64Kernel) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = intel_cpus(4);
    facts.kernel_arch_fact = std::string("x86_64");
    EXPECT_OUTCOME(run_check("cpu.64bit", facts), Status::pass, "lm on 4/4 CPUs, kernel x86_64");
}

TEST(Cpu64bit, PassesWithoutNamingTheKernelWhenItsArchIsUnavailable) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = intel_cpus(4);
    const auto outcome = run_check("cpu.64bit", facts);
    EXPECT_OUTCOME(outcome, Status::pass, "lm on 4/4 CPUs");
    EXPECT_EQ(outcome.evidence.find("kernel"), std::string::npos);
}

TEST(Cpu64bit, FailsWhenACpuLacksLongMode) {
    StaticHostFacts facts;
    CpuInfo cpu = intel_cpus(2);
    cpu.lm = 0;
    facts.cpuinfo_fact = cpu;
    const auto outcome = run_check("cpu.64bit", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "long mode (lm) on 0/2 CPUs: not a 64-bit CPU");
    EXPECT_FIX_HAS(outcome, "64-bit x86");
}

TEST(Cpu64bit, FailsWithA32BitKernelOnA64BitCpu) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = intel_cpus(2);
    facts.kernel_arch_fact = std::string("i686");
    const auto outcome = run_check("cpu.64bit", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "kernel architecture is i686");
    EXPECT_FIX_HAS(outcome, "x86_64 edition");
}

// --- cpu.virt-disabled-by-firmware ---

StaticHostFacts with_msrs(CpuInfo cpu, FirmwareMsrs msrs) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = std::move(cpu);
    facts.firmware_msrs_fact = std::move(msrs);
    return facts;
}

struct MsrCase {
    const char* name;
    bool amd;
    std::optional<std::uint64_t> value;
    Status expected;
    const char* evidence;
};

class CpuVirtDisabledByFirmware : public ::testing::TestWithParam<MsrCase> {};

TEST_P(CpuVirtDisabledByFirmware, JudgesTheMsr) {
    const auto& c = GetParam();
    FirmwareMsrs msrs;
    (c.amd ? msrs.vm_cr : msrs.feature_control) = c.value;
    msrs.unreadable_reason = "no /dev/cpu/0/msr (modprobe msr)";
    const auto facts = with_msrs(c.amd ? amd_cpus(2) : intel_cpus(2), msrs);
    const auto outcome = run_check("cpu.virt-disabled-by-firmware", facts);
    EXPECT_OUTCOME(outcome, c.expected, c.evidence);
    if (c.expected == Status::fail) {
        EXPECT_FIX_HAS(outcome, "firmware (BIOS/UEFI) setup");
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CpuVirtDisabledByFirmware,
    ::testing::Values(
        MsrCase{"IntelLockedVmxOff", false, 0x1, Status::fail,
                "IA32_FEATURE_CONTROL = 0x1: locked with VMX disabled by firmware"},
        MsrCase{"IntelLockedVmxOnlyInsideSmx", false, 0x3, Status::fail, "locked with VMX disabled"},
        MsrCase{"IntelLockedVmxOn", false, 0x5, Status::pass, "IA32_FEATURE_CONTROL = 0x5: locked with VMX enabled"},
        MsrCase{"IntelNotLocked", false, 0x0, Status::pass, "not locked (the kernel enables VMX)"},
        MsrCase{"IntelUnreadable", false, std::nullopt, Status::skip, "no /dev/cpu/0/msr (modprobe msr)"},
        MsrCase{"AmdSvmDisabled", true, 0x18, Status::fail, "VM_CR = 0x18: SVMDIS set"},
        MsrCase{"AmdSvmEnabled", true, 0x8, Status::pass, "VM_CR = 0x8: SVM not disabled"},
        MsrCase{"AmdUnreadable", true, std::nullopt, Status::skip, "VM_CR (MSR 0xc0010114) unreadable"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(CpuVirtDisabledByFirmwareVendors, ReadsVmCrOnHygon) {
    CpuInfo cpu = amd_cpus(2);
    cpu.vendor = "HygonGenuine";
    FirmwareMsrs msrs;
    msrs.vm_cr = 0x10;
    EXPECT_OUTCOME(run_check("cpu.virt-disabled-by-firmware", with_msrs(cpu, msrs)), Status::fail, "SVMDIS");
}

TEST(CpuVirtDisabledByFirmwareVendors, SkipsAnUnknownVendor) {
    CpuInfo cpu = intel_cpus(2);
    cpu.vendor = "CentaurHauls";
    EXPECT_OUTCOME(run_check("cpu.virt-disabled-by-firmware", with_msrs(cpu, {})), Status::skip,
                   "CPU vendor \"CentaurHauls\" has no known MSR");
}

TEST(CpuVirtDisabledByFirmwareVendors, IsErrorWhenTheMsrsAreUnreadable) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = intel_cpus(2);
    facts.firmware_msrs_fact = ReadError{"cannot open /dev/cpu/0/msr: Operation not permitted"};
    EXPECT_OUTCOME(run_check("cpu.virt-disabled-by-firmware", facts), Status::error, "Operation not permitted");
}

TEST(CpuVirtDisabledByFirmwareVendors, SkipsWhenTheMsrsAreUnavailable) {
    StaticHostFacts facts;
    facts.cpuinfo_fact = amd_cpus(2);
    facts.firmware_msrs_fact = Unavailable{"--root: MSRs belong to the live host"};
    EXPECT_OUTCOME(run_check("cpu.virt-disabled-by-firmware", facts), Status::skip, "MSRs belong to the live host");
}

}  // namespace
}  // namespace checks
