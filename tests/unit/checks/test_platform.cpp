// checks/platform.cpp: cgroups, IOMMU, secure guests, memory, operating system.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

// --- cgroups.controllers ---

const std::set<std::string> k_all_v1 = {"cpu", "cpuacct", "cpuset", "memory", "devices", "blkio"};

StaticHostFacts with_cgroups(CgroupFacts cgroups) {
    StaticHostFacts facts;
    facts.cgroups_fact = std::move(cgroups);
    return facts;
}

TEST(CgroupsControllers, PassesOnV1WithEveryController) {
    CgroupFacts cgroups;
    cgroups.v1_controllers = k_all_v1;
    EXPECT_OUTCOME(run_check("cgroups.controllers", with_cgroups(cgroups)), Status::pass,
                   "v1: cpu cpuacct cpuset memory devices blkio");
}

TEST(CgroupsControllers, PassesOnV2WhereDevicesNeedsNoController) {
    CgroupFacts cgroups;
    cgroups.v2_mount = "/sys/fs/cgroup";
    cgroups.v2_controllers = {"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"};
    const auto outcome = run_check("cgroups.controllers", with_cgroups(cgroups));
    EXPECT_OUTCOME(outcome, Status::pass, "v2 at /sys/fs/cgroup: cpu cpuacct cpuset memory devices blkio");
    EXPECT_EQ(outcome.evidence.find("missing"), std::string::npos);
}

TEST(CgroupsControllers, WarnsOnV2WithoutCpusetAndSaysHowToEnableIt) {
    CgroupFacts cgroups;
    cgroups.v2_mount = "/sys/fs/cgroup";
    cgroups.v2_controllers = {"cpu", "io", "memory", "pids"};
    const auto outcome = run_check("cgroups.controllers", with_cgroups(cgroups));
    EXPECT_OUTCOME(outcome, Status::warn, "missing: cpuset");
    EXPECT_FIX_HAS(outcome, "echo '+cpuset' > /sys/fs/cgroup/cgroup.subtree_control");
}

// On v2 the block controller is "io": "+blkio" is rejected by cgroup.subtree_control (EINVAL).
TEST(CgroupsControllers, FixOnV2UsesTheV2ControllerNames) {
    CgroupFacts cgroups;
    cgroups.v2_mount = "/sys/fs/cgroup";
    cgroups.v2_controllers = {"cpu", "cpuset", "memory", "pids"};
    const auto outcome = run_check("cgroups.controllers", with_cgroups(cgroups));
    EXPECT_OUTCOME(outcome, Status::warn, "missing: blkio");
    EXPECT_FIX_HAS(outcome, "echo '+io' > /sys/fs/cgroup/cgroup.subtree_control");
}

TEST(CgroupsControllers, PassesOnAHybridHostThroughV1) {
    CgroupFacts cgroups;
    cgroups.v1_controllers = k_all_v1;
    cgroups.v2_mount = "/sys/fs/cgroup/unified";
    const auto outcome = run_check("cgroups.controllers", with_cgroups(cgroups));
    EXPECT_OUTCOME(outcome, Status::pass, "v1: cpu cpuacct cpuset memory devices blkio");
    EXPECT_EQ(outcome.evidence.find("v2 at"), std::string::npos);
}

TEST(CgroupsControllers, WarnsOnAHybridHostMissingMemoryEverywhere) {
    CgroupFacts cgroups;
    cgroups.v1_controllers = {"cpu", "cpuacct", "cpuset", "devices", "blkio"};
    cgroups.v2_mount = "/sys/fs/cgroup/unified";
    const auto outcome = run_check("cgroups.controllers", with_cgroups(cgroups));
    EXPECT_OUTCOME(outcome, Status::warn, "v1: cpu cpuacct cpuset devices blkio; missing: memory");
    EXPECT_FIX_HAS(outcome, "echo '+memory' > /sys/fs/cgroup/unified/cgroup.subtree_control");
}

TEST(CgroupsControllers, WarnsOnV1MissingControllersWithoutAV2Mount) {
    CgroupFacts cgroups;
    cgroups.v1_controllers = {"cpu", "cpuacct", "memory", "devices"};
    const auto outcome = run_check("cgroups.controllers", with_cgroups(cgroups));
    EXPECT_OUTCOME(outcome, Status::warn, "missing: cpuset blkio");
    EXPECT_FIX_HAS(outcome, "systemd.unified_cgroup_hierarchy=1");
}

// --- iommu ---

TEST(Iommu, PassesWithDmarAndGroups) {
    StaticHostFacts facts;
    facts.iommu_fact = IommuFacts{true, false, 42, "BOOT_IMAGE=/vmlinuz ro intel_iommu=on iommu=pt"};
    EXPECT_OUTCOME(run_check("iommu", facts), Status::pass,
                   "ACPI DMAR (Intel VT-d) table, 42 IOMMU groups, intel_iommu=on");
}

TEST(Iommu, PassesWithIvrsAndGroups) {
    StaticHostFacts facts;
    facts.iommu_fact = IommuFacts{false, true, 7, "ro quiet"};
    EXPECT_OUTCOME(run_check("iommu", facts), Status::pass, "ACPI IVRS (AMD-Vi) table, 7 IOMMU groups");
}

TEST(Iommu, WarnsWithoutAcpiTables) {
    StaticHostFacts facts;
    facts.iommu_fact = IommuFacts{false, false, 0, ""};
    const auto outcome = run_check("iommu", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "no DMAR or IVRS ACPI table");
    EXPECT_FIX_HAS(outcome, "enable VT-d");
}

TEST(Iommu, WarnsWhenTheTableExistsButTheKernelLeftTheIommuOff) {
    StaticHostFacts facts;
    facts.iommu_fact = IommuFacts{true, false, 0, "ro quiet"};
    const auto outcome = run_check("iommu", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "ACPI DMAR (Intel VT-d) table present but /sys/kernel/iommu_groups is empty");
    EXPECT_FIX_HAS(outcome, "grubby --update-kernel=ALL --args=\"intel_iommu=on iommu=pt\"");
}

TEST(Iommu, DoesNotMistakeAnotherIntelIommuValueForOn) {
    StaticHostFacts facts;
    facts.iommu_fact = IommuFacts{true, false, 3, "intel_iommu=on,sm_on"};
    const auto outcome = run_check("iommu", facts);
    EXPECT_EQ(outcome.status, Status::pass);
    EXPECT_EQ(outcome.evidence.find(", intel_iommu=on"), std::string::npos) << outcome.evidence;
}

// --- secure-guest ---

TEST(SecureGuest, PassesNamingEverySevFlavourOffered) {
    StaticHostFacts facts;
    facts.kernel_modules_fact =
        modules_with({{"kvm_amd", loaded({{"sev", "Y"}, {"sev_es", "Y"}, {"sev_snp", "N"}, {"nested", "1"}})}});
    EXPECT_OUTCOME(run_check("secure-guest", facts), Status::pass, "kvm offers AMD SEV, SEV-ES");
}

TEST(SecureGuest, PassesNamingTdx) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm_intel", loaded({{"tdx", "Y"}})}});
    EXPECT_OUTCOME(run_check("secure-guest", facts), Status::pass, "kvm offers Intel TDX");
}

TEST(SecureGuest, IsInformationalWhenNothingIsOffered) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = modules_with({{"kvm_intel", loaded({{"tdx", "N"}})}});
    EXPECT_OUTCOME(run_check("secure-guest", facts), Status::pass, "kvm offers no AMD SEV or Intel TDX (informational");
}

// --- host.memory ---

TEST(HostMemory, PassesAtExactlyTwoGiB) {
    StaticHostFacts facts;
    facts.meminfo_fact = MemInfo{2ULL << 30};
    EXPECT_OUTCOME(run_check("host.memory", facts), Status::pass, "MemTotal 2.0 GiB");
}

TEST(HostMemory, FailsBelowTwoGiB) {
    StaticHostFacts facts;
    facts.meminfo_fact = MemInfo{(2ULL << 30) - 4096};
    const auto outcome = run_check("host.memory", facts);
    EXPECT_OUTCOME(outcome, Status::fail, "below the 2 GiB a KVM host needs");
    EXPECT_FIX_HAS(outcome, "add memory");
}

// --- host.os ---

struct OsCase {
    const char* name;
    OsRelease os;
    Status expected;
    const char* evidence;
};

class HostOs : public ::testing::TestWithParam<OsCase> {};

TEST_P(HostOs, JudgesTheRelease) {
    const auto& c = GetParam();
    StaticHostFacts facts;
    facts.os_release_fact = c.os;
    EXPECT_OUTCOME(run_check("host.os", facts), c.expected, c.evidence);
}

INSTANTIATE_TEST_SUITE_P(
    Table, HostOs,
    ::testing::Values(
        OsCase{"Rhel9", {"rhel", "fedora", "9.3", "Red Hat Enterprise Linux 9.3 (Plow)"}, Status::pass,
               "Red Hat Enterprise Linux 9.3 (Plow)"},
        OsCase{"Rhel8", {"rhel", "fedora", "8.10", "Red Hat Enterprise Linux 8.10 (Ootpa)"}, Status::pass,
               "Red Hat Enterprise Linux 8.10"},
        OsCase{"Rocky9NoPrettyName", {"rocky", "rhel centos fedora", "9.4", ""}, Status::pass, "rocky 9.4"},
        OsCase{"Rhel7", {"rhel", "fedora", "7.9", "Red Hat Enterprise Linux Server 7.9 (Maipo)"}, Status::warn,
               "7.9 (Maipo): end of life"},
        OsCase{"CentOS7", {"centos", "rhel fedora", "7", "CentOS Linux 7 (Core)"}, Status::warn, "end of life"},
        OsCase{"CentOS6", {"centos", "rhel fedora", "6.10", "CentOS release 6.10 (Final)"}, Status::fail,
               "too old for kvm-agent"},
        OsCase{"RhelBadVersion", {"rhel", "fedora", "nine", "RHEL"}, Status::warn, "VERSION_ID \"nine\" is not a version"},
        OsCase{"Debian", {"debian", "", "12", "Debian GNU/Linux 12 (bookworm)"}, Status::pass,
               "Debian GNU/Linux 12 (bookworm) (not RHEL-family: informational)"},
        OsCase{"Ubuntu", {"ubuntu", "debian", "22.04", "Ubuntu 22.04.4 LTS"}, Status::pass, "not RHEL-family"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(HostOsFix, Rhel7FixSaysWhereToMove) {
    StaticHostFacts facts;
    facts.os_release_fact = OsRelease{"rhel", "fedora", "7.9", ""};
    const auto outcome = run_check("host.os", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "rhel 7.9");
    EXPECT_FIX_HAS(outcome, "RHEL 9");
}

}  // namespace
}  // namespace checks
