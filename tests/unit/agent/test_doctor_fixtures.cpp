// The whole doctor over fixture host trees (tests/fixtures/hosts/<case>/): the real HostFactsReader
// reads each tree through FixtureRoot, every check runs, and the checks each case is about must come
// out with an exact status and the evidence that explains it. Live services are never asked.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "agent/doctor.h"
#include "agent/report_render.h"
#include "host/host_facts_reader.h"
#include "tests/support/fixture_root.h"
#include "tests/support/json_schema.h"

namespace {

using checks::Status;
using checks::Verdict;
using ::testing::HasSubstr;

struct Expect {
    std::string check;
    Status status;
    std::string evidence;  // a substring of the evidence (or of the reason, for SKIP and ERROR)
};

struct HostCase {
    std::string name;
    Verdict verdict;
    std::vector<Expect> expects;
};
void PrintTo(const HostCase& host, std::ostream* out) { *out << host.name; }

// The checks that need a live service (systemd, firewalld, libvirt, /dev/kvm ioctls): never asked here.
const std::vector<std::string> k_live_checks = {"kvm.functional", "libvirt.daemon", "libvirt.connection",
                                                "libvirt.default-network", "libvirt.storage-pool",
                                                "firewall.running", "net.bond", "net.persistent"};

const std::vector<HostCase> k_cases = {
    // The healthy base every other case varies: Intel VT-x, RHEL 9.4, cgroup v2, VT-d on, SELinux
    // enforcing, images on their own LV listed in fstab, one autostart guest.
    {"intel-rhel9", Verdict::ready, {
        {"cpu.virt-extensions", Status::pass, "vmx (Intel VT-x) on 8/8 CPUs"},
        {"cpu.64bit", Status::pass, "lm on 8/8 CPUs"},
        {"cpu.virt-disabled-by-firmware", Status::pass, "IA32_FEATURE_CONTROL = 0x5: locked with VMX enabled"},
        {"kernel.kvm-modules", Status::pass, "kvm loaded, kvm_intel loaded, irqbypass loaded"},
        {"dev.kvm.exists", Status::pass, "/dev/kvm root:kvm 0666, char 10:232"},
        {"dev.kvm.access", Status::pass, "QEMU runs as qemu:qemu (distro default) and may read and write it"},
        {"dev.vhost-net", Status::pass, "/dev/vhost-net root:root 0600, char 10:238"},
        {"dev.net-tun", Status::pass, "/dev/net/tun root:root 0666, char 10:200"},
        {"kvm.nested", Status::pass, "nested virtualization on (kvm_intel nested=Y)"},
        {"cgroups.controllers", Status::pass, "v2 at /sys/fs/cgroup: cpu cpuacct cpuset memory devices blkio"},
        {"iommu", Status::pass, "ACPI DMAR (Intel VT-d) table, 8 IOMMU groups, intel_iommu=on"},
        {"secure-guest", Status::pass, "kvm offers no AMD SEV or Intel TDX"},
        {"host.memory", Status::pass, "MemTotal 62.5 GiB"},
        {"host.os", Status::pass, "Red Hat Enterprise Linux 9.4 (Plow)"},
        {"libvirt.autostart-disks", Status::pass, "1 autostart guest, every disk on a filesystem mounted at boot"},
        {"libvirt.domain-acpi", Status::pass, "2 persistent guests, all with ACPI"},
        {"qemu.vnc-listen", Status::pass, "vnc_listen unset"},
        {"net.ip-forward", Status::pass, "runtime 1, persisted 1 (/etc/sysctl.d/90-kvm-host.conf:2)"},
        {"net.br-netfilter", Status::pass, "br_netfilter not loaded"},
        {"storage.images-space", Status::pass, "767.0 GiB free of 1.0 TiB on /var/lib/libvirt/images"},
        {"storage.mount-persistent", Status::pass,
         "mounted from /dev/mapper/vg_images-lv_images (xfs), in /etc/fstab"},
        {"storage.selinux-context", Status::pass,
         "labelled system_u:object_r:virt_image_t:s0 (SELinux enforcing)"},
    }},
    {"amd-rocky9", Verdict::ready, {
        {"cpu.virt-extensions", Status::pass, "svm (AMD-V) on 16/16 CPUs"},
        {"kernel.kvm-modules", Status::pass, "kvm loaded, kvm_amd loaded, irqbypass loaded"},
        // The msr module is not loaded: VM_CR cannot be read, which proves nothing either way.
        {"cpu.virt-disabled-by-firmware", Status::skip, "VM_CR (MSR 0xc0010114) unreadable: no /dev/cpu/0/msr"},
        {"kvm.nested", Status::pass, "kvm_amd nested=1"},
        {"secure-guest", Status::pass, "kvm offers AMD SEV, SEV-ES"},
        {"iommu", Status::pass, "ACPI IVRS (AMD-Vi) table, 8 IOMMU groups"},
        {"host.memory", Status::pass, "MemTotal 125.3 GiB"},
        {"host.os", Status::pass, "Rocky Linux 9.4 (Blue Onyx)"},
    }},
    {"no-virt-flags", Verdict::not_ready, {
        {"cpu.virt-extensions", Status::fail, "no vmx or svm flag on any of 2 CPUs (GenuineIntel)"},
        {"cpu.64bit", Status::pass, "lm on 2/2 CPUs"},
        {"cpu.virt-disabled-by-firmware", Status::skip, "no /dev/cpu/0/msr"},
        {"kernel.kvm-modules", Status::fail, "kvm absent, no kvm_intel/kvm_amd, irqbypass absent"},
        {"dev.kvm.exists", Status::fail, "/dev/kvm does not exist"},
        {"dev.kvm.access", Status::skip, "/dev/kvm does not exist"},
        {"kvm.nested", Status::skip, "neither kvm_intel nor kvm_amd is loaded"},
        {"iommu", Status::warn, "no DMAR or IVRS ACPI table"},
    }},
    {"kvm-pvm", Verdict::not_ready, {
        {"cpu.virt-extensions", Status::fail, "a paravirtual KVM backend (kvm_pvm) is present"},
        {"kernel.kvm-modules", Status::pass,
         "kvm loaded, kvm_pvm loaded, irqbypass loaded; kvm_pvm is a paravirtual backend"},
        {"dev.kvm.exists", Status::pass, "/dev/kvm root:kvm 0666, char 10:232"},
        {"kvm.nested", Status::skip, "neither kvm_intel nor kvm_amd is loaded"},
    }},
    {"firmware-disabled", Verdict::not_ready, {
        {"cpu.virt-extensions", Status::pass, "vmx (Intel VT-x) on 8/8 CPUs"},
        {"cpu.virt-disabled-by-firmware", Status::fail,
         "IA32_FEATURE_CONTROL = 0x1: locked with VMX disabled by firmware"},
        {"kernel.kvm-modules", Status::fail, "kvm loaded, no kvm_intel/kvm_amd, irqbypass loaded"},
        {"dev.kvm.exists", Status::fail, "/dev/kvm does not exist"},
    }},
    {"kvm-modules-missing", Verdict::not_ready, {
        {"cpu.virt-extensions", Status::pass, "vmx (Intel VT-x) on 8/8 CPUs"},
        {"cpu.virt-disabled-by-firmware", Status::pass, "locked with VMX enabled"},
        {"kernel.kvm-modules", Status::fail, "kvm absent, no kvm_intel/kvm_amd, irqbypass absent"},
        {"dev.kvm.exists", Status::fail, "/dev/kvm does not exist"},
        {"dev.kvm.access", Status::skip, "/dev/kvm does not exist (see dev.kvm.exists)"},
        {"kvm.nested", Status::skip, "neither kvm_intel nor kvm_amd is loaded"},
    }},
    {"kvm-builtin", Verdict::ready, {
        {"kernel.kvm-modules", Status::pass, "kvm built in, kvm_intel built in, irqbypass absent"},
        {"kvm.nested", Status::pass, "kvm_intel nested=Y"},
    }},
    {"low-memory", Verdict::not_ready, {
        {"host.memory", Status::fail, "MemTotal 1.7 GiB, below the 2 GiB a KVM host needs"},
    }},
    {"cgroup-v1", Verdict::ready, {
        {"cgroups.controllers", Status::pass, "v1: cpu cpuacct cpuset memory devices blkio"},
        {"host.os", Status::pass, "Red Hat Enterprise Linux 8.10 (Ootpa)"},
    }},
    {"iommu-off", Verdict::degraded, {
        {"iommu", Status::warn, "ACPI DMAR (Intel VT-d) table present but /sys/kernel/iommu_groups is empty"},
    }},
    {"ip-forward-not-persisted", Verdict::degraded, {
        {"net.ip-forward", Status::warn,
         "runtime 1, persisted 0 (/etc/sysctl.d/99-cis-hardening.conf:3): forwarding stops at the next reboot"},
    }},
    {"images-mount-not-in-fstab", Verdict::not_ready, {
        {"storage.mount-persistent", Status::fail,
         "/var/lib/libvirt/images is mounted from /dev/vdb1 (xfs) but is in neither /etc/fstab nor a mount unit"},
        {"libvirt.autostart-disks", Status::fail,
         "web01: /var/lib/libvirt/images/web01.qcow2 is on /var/lib/libvirt/images (/dev/vdb1), mounted now but "
         "not in /etc/fstab"},
        {"storage.images-space", Status::pass, "464.0 GiB free of 500.0 GiB on /var/lib/libvirt/images"},
    }},
    {"vnc-open", Verdict::degraded, {
        {"qemu.vnc-listen", Status::warn, "vnc_listen = \"0.0.0.0\" (qemu.conf:36) without vnc_tls"},
    }},
    // NetworkManager keyfiles and /proc/net/bonding of a bonded bridge: judged only with the live network
    // (tests/unit/host/test_network_facts.cpp); without it, and without a profile, the network checks SKIP.
    {"bonded-bridge", Verdict::ready, {
        {"net.bond", Status::skip, "live services are not asked"},
        {"net.persistent", Status::skip, "live services are not asked"},
        {"net.bridge", Status::skip, "no profile: run with --profile FILE or from kvm-agent apply"},
        {"firewall.zones", Status::skip, "no profile"},
    }},
};

std::string status_name(Status status) { return std::string(checks::to_string(status)); }

agent::DoctorReport run_doctor_at(const std::string& case_dir) {
    tests::FixtureRoot root(case_dir);
    host::HostFactsReader facts(root, host::LiveServices{} /* live services unavailable */,
                                "/var/lib/libvirt/images", "default");
    auto report = agent::run_doctor(facts, {});
    if (!report) throw std::runtime_error(report.error().message);
    return std::move(report).value();
}

agent::DoctorReport run_case(const std::string& name) { return run_doctor_at(tests::fixture_case(name)); }

const checks::CheckResult* find(const agent::DoctorReport& report, const std::string& id) {
    for (const auto& result : report.results)
        if (result.id == id) return &result;
    return nullptr;
}

class FixtureHost : public ::testing::TestWithParam<HostCase> {};

TEST_P(FixtureHost, JudgesTheChecksTheCaseIsAbout) {
    const HostCase& host = GetParam();
    const auto report = run_case(host.name);
    for (const auto& expect : host.expects) {
        SCOPED_TRACE(expect.check);
        const auto* result = find(report, expect.check);
        ASSERT_NE(result, nullptr) << "no check " << expect.check << " in the report";
        EXPECT_EQ(status_name(result->status), status_name(expect.status)) << result->evidence;
        EXPECT_THAT(result->evidence, HasSubstr(expect.evidence));
    }
    EXPECT_EQ(checks::to_string(report.verdict), checks::to_string(host.verdict));
}

// Every case's report, as `kvm-doctor --output json` prints it, conforms to docs/schema/doctor.schema.json.
TEST_P(FixtureHost, ItsJsonReportConformsToTheSchema) {
    EXPECT_EQ(tests::schema_violations(agent::render_json(run_case(GetParam().name)), "doctor"), "");
}

TEST_P(FixtureHost, SkipsTheLiveChecks) {
    const auto report = run_case(GetParam().name);
    for (const auto& id : k_live_checks) {
        const auto* result = find(report, id);
        ASSERT_NE(result, nullptr) << id;
        EXPECT_EQ(status_name(result->status), "SKIP") << id << ": " << result->evidence;
        EXPECT_THAT(result->evidence, HasSubstr("live services are not asked")) << id;
    }
}

TEST_P(FixtureHost, ReadsEveryInputItHas) {
    // A well-formed fixture leaves no check ERROR: any ERROR is a fixture or a reader bug.
    for (const auto& result : run_case(GetParam().name).results)
        EXPECT_NE(status_name(result.status), "ERROR") << result.id << ": " << result.evidence;
}

INSTANTIATE_TEST_SUITE_P(FixtureHosts, FixtureHost, ::testing::ValuesIn(k_cases),
                         [](const ::testing::TestParamInfo<HostCase>& case_info) {
                             std::string name = case_info.param.name;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(FixtureCatalogue, EveryCaseDirectoryHasARow) {
    std::set<std::string> directories, rows;
    for (const auto& entry : std::filesystem::directory_iterator(tests::fixture_case("")))
        if (entry.is_directory()) directories.insert(entry.path().filename().string());
    for (const auto& host : k_cases) rows.insert(host.name);
    EXPECT_EQ(directories, rows);
}

// FixtureRoot's inheritance, on the cases above: a derived case reads what it lacks from its base,
// `removed` hides base paths, manifests are inherited, ".keep" files are never listed.
TEST(FixtureRoot, ReadsWhatADerivedCaseLacksFromItsBase) {
    const tests::FixtureRoot base(tests::fixture_case("intel-rhel9"));
    const tests::FixtureRoot derived(tests::fixture_case("low-memory"));
    EXPECT_EQ(derived.read_text("/etc/passwd").value(), base.read_text("/etc/passwd").value());
    EXPECT_NE(derived.read_text("/proc/meminfo").value(), base.read_text("/proc/meminfo").value());
    EXPECT_EQ(derived.read_bytes_at("/dev/cpu/0/msr", 0x3a, 8).value(), std::string("\x05\0\0\0\0\0\0\0", 8));
    EXPECT_EQ(derived.fs_usage("/var/lib/libvirt/images").value().total_bytes, 1ULL << 40);
    EXPECT_EQ(derived.read_xattr("/var/lib/libvirt/images", "security.selinux").value(),
              "system_u:object_r:virt_image_t:s0");
    ASSERT_TRUE(derived.stat_node("/dev/kvm").value());
    EXPECT_EQ(derived.stat_node("/dev/kvm").value()->kind, common::NodeKind::char_device);
}

TEST(FixtureRoot, RemovedHidesBasePathsAndWhatIsBelowThem) {
    const tests::FixtureRoot derived(tests::fixture_case("kvm-modules-missing"));
    EXPECT_FALSE(derived.exists("/dev/kvm"));
    EXPECT_FALSE(derived.exists("/sys/module/kvm_intel"));
    EXPECT_FALSE(derived.read_text("/sys/module/kvm_intel/parameters/nested").ok());
    EXPECT_THAT(derived.read_text("/sys/module/kvm/initstate").error().message,
                HasSubstr("cannot read /sys/module/kvm/initstate: No such file or directory"));
    EXPECT_TRUE(derived.exists("/sys/module/vhost_net/initstate"));
    const auto modules = derived.list_dir("/sys/module").value();
    EXPECT_EQ(std::count(modules.begin(), modules.end(), "kvm"), 0);
    EXPECT_EQ(std::count(modules.begin(), modules.end(), "tun"), 1);
}

TEST(FixtureRoot, OwnFilesWinOverWhatTheBaseRemoved) {
    // kvm-pvm inherits no-virt-flags, which removes /sys/module/kvm and /dev/kvm; kvm-pvm has both.
    const tests::FixtureRoot pvm(tests::fixture_case("kvm-pvm"));
    EXPECT_TRUE(pvm.exists("/sys/module/kvm/initstate"));
    EXPECT_TRUE(pvm.exists("/dev/kvm"));
    EXPECT_FALSE(pvm.exists("/dev/cpu/0/msr"));  // still removed, two levels up
}

TEST(FixtureRoot, ListingsMergeAndSkipKeepFiles) {
    const tests::FixtureRoot iommu_off(tests::fixture_case("iommu-off"));
    EXPECT_TRUE(iommu_off.list_dir("/sys/kernel/iommu_groups").value().empty());
    const tests::FixtureRoot base(tests::fixture_case("intel-rhel9"));
    EXPECT_EQ(base.list_dir("/sys/kernel/iommu_groups").value().size(), 8U);
    const auto images = base.list_dir("/var/lib/libvirt/images").value();
    EXPECT_EQ(images, (std::vector<std::string>{"db01.qcow2", "web01.qcow2"}));
    const tests::FixtureRoot hardened(tests::fixture_case("ip-forward-not-persisted"));
    EXPECT_EQ(hardened.list_dir("/etc/sysctl.d").value(),
              (std::vector<std::string>{"90-kvm-host.conf", "99-cis-hardening.conf"}));
    EXPECT_FALSE(base.list_dir("/no/such/dir").ok());
}

TEST(FixtureRoot, FlattenedCaseReadsTheSameAsTheDerivedOne) {
    // kvm-pvm → no-virt-flags → intel-rhel9: two levels of inheritance and removal.
    const auto out = std::filesystem::temp_directory_path() / ("kvm-fixture-flatten-" + std::to_string(::getpid()));
    std::filesystem::remove_all(out);
    tests::flatten_case(tests::fixture_case("kvm-pvm"), out);
    EXPECT_FALSE(std::filesystem::exists(out / "inherits"));
    EXPECT_FALSE(std::filesystem::exists(out / "removed"));
    EXPECT_FALSE(std::filesystem::exists(out / "dev/cpu/0/msr"));
    EXPECT_TRUE(std::filesystem::exists(out / "sys/module/kvm_pvm/initstate"));
    const auto derived = run_case("kvm-pvm");
    const auto flat = run_doctor_at(out.string());
    ASSERT_EQ(flat.results.size(), derived.results.size());
    for (std::size_t i = 0; i < flat.results.size(); ++i) {
        EXPECT_EQ(status_name(flat.results[i].status), status_name(derived.results[i].status)) << flat.results[i].id;
        EXPECT_EQ(flat.results[i].evidence, derived.results[i].evidence) << flat.results[i].id;
    }
    std::filesystem::remove_all(out);
}

}  // namespace
