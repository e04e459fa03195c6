// Hostile inputs: a copy of a healthy fixture host with one input broken at a time (truncated, binary,
// enormous, missing, malformed). Exactly the checks that read that input must turn ERROR with a reason
// naming the file; every other check keeps the status it had on the unbroken copy; nothing throws.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>

#include "agent/doctor.h"
#include "host/host_facts_reader.h"
#include "tests/support/fixture_root.h"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Replaces `what` (which must occur) in the file by `with`.
void edit_file(const fs::path& path, const std::string& what, const std::string& with) {
    std::string text = read_file(path);
    const auto at = text.find(what);
    if (at == std::string::npos) throw std::runtime_error(path.string() + " has no \"" + what + "\"");
    write_file(path, text.replace(at, what.size(), with));
}

// The text up to, and without, the first `marker` after the start of the last processor block.
std::string cut_last_cpu_block_at(const std::string& cpuinfo, const std::string& marker) {
    const auto last_block = cpuinfo.rfind("processor\t:");
    return cpuinfo.substr(0, cpuinfo.find(marker, last_block));
}

struct Breakage {
    std::string name;
    std::function<void(const fs::path& root)> apply;
    std::set<std::string> errors;  // the checks that read the broken input
    std::string reason;            // what every one of their ERROR reasons says (the file)
};
void PrintTo(const Breakage& breakage, std::ostream* out) { *out << breakage.name; }

const std::set<std::string> k_cpuinfo_checks = {"cpu.virt-extensions", "cpu.64bit",
                                                "cpu.virt-disabled-by-firmware"};

const std::vector<Breakage> k_breakages = {
    {"cpuinfo_truncated_before_flags",
     [](const fs::path& root) {
         const auto path = root / "proc/cpuinfo";
         write_file(path, cut_last_cpu_block_at(read_file(path), "cpu MHz"));
     },
     k_cpuinfo_checks, "/proc/cpuinfo"},
    {"cpuinfo_truncated_inside_flags_line",
     // Cut inside the last CPU's flags line, before "lm" and "vmx": the short last block gives it away.
     [](const fs::path& root) {
         const auto path = root / "proc/cpuinfo";
         write_file(path, cut_last_cpu_block_at(read_file(path), " lm constant_tsc"));
     },
     k_cpuinfo_checks, "/proc/cpuinfo"},
    {"cpuinfo_binary",
     [](const fs::path& root) {
         const auto path = root / "proc/cpuinfo";
         std::string text = read_file(path);
         text.replace(text.size() / 2, 64, std::string(64, '\0'));
         write_file(path, text);
     },
     k_cpuinfo_checks, "/proc/cpuinfo"},
    {"cpuinfo_enormous",
     // More than the 16 MiB the reader accepts: thousands of well-formed blocks, made here, never committed.
     [](const fs::path& root) {
         const auto path = root / "proc/cpuinfo";
         const std::string text = read_file(path);
         const std::string block = text.substr(0, text.find("\n\n") + 2);
         std::ofstream out(path, std::ios::binary | std::ios::trunc);
         for (std::size_t written = 0, cpu = 0; written <= 17u << 20; ++cpu) {
             std::string numbered = block;
             numbered.replace(0, numbered.find('\n'), "processor\t: " + std::to_string(cpu));
             out << numbered;
             written += numbered.size();
         }
     },
     k_cpuinfo_checks, "/proc/cpuinfo"},
    {"cpuinfo_missing", [](const fs::path& root) { fs::remove(root / "proc/cpuinfo"); }, k_cpuinfo_checks,
     "/proc/cpuinfo"},
    {"meminfo_binary",
     [](const fs::path& root) { write_file(root / "proc/meminfo", std::string("MemTotal:\0\0\0\x7f\x45LF", 16)); },
     {"host.memory"}, "/proc/meminfo"},
    {"mounts_garbage",
     [](const fs::path& root) {
         write_file(root / "proc/mounts",
                    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
                    "H4sIAAAAAAAAA+3OMQ0AAAgDsFnHv2kJbTrlBwAAAAAAAAAAAAAAAAAAgF8Gny4h3gAoAAA=\n"
                    "\x1b[?1049h\x1b[22;0;0t\n");
     },
     {"cgroups.controllers", "storage.images-space", "storage.mount-persistent", "storage.selinux-context",
      "libvirt.autostart-disks"},
     "/proc/mounts"},
    {"qemu_conf_unclosed_list",
     // qemu_identity() reads qemu.conf for user/group, so dev.kvm.access cannot judge either.
     [](const fs::path& root) {
         edit_file(root / "etc/libvirt/qemu.conf", "#cgroup_device_acl = [\n",
                   "cgroup_device_acl = [\n"
                   "    \"/dev/null\", \"/dev/full\", \"/dev/zero\",\n"
                   "    \"/dev/random\", \"/dev/urandom\",\n"
                   "    \"/dev/ptmx\", \"/dev/kvm\",\n\n#cgroup_device_acl = [\n");  // and no "]"
     },
     {"qemu.vnc-listen", "dev.kvm.access"}, "/etc/libvirt/qemu.conf"},
    {"domain_xml_without_name",
     [](const fs::path& root) { edit_file(root / "etc/libvirt/qemu/web01.xml", "  <name>web01</name>\n", ""); },
     {"libvirt.autostart-disks", "libvirt.domain-acpi"}, "/etc/libvirt/qemu/web01.xml"},
    {"os_release_missing",
     [](const fs::path& root) { fs::remove(root / "etc/os-release"); }, {"host.os"}, "/etc/os-release"},
    {"os_release_missing_but_usr_lib_has_it",
     [](const fs::path& root) { fs::rename(root / "etc/os-release", root / "usr/lib/os-release"); }, {}, ""},
    {"sysctl_d_binary",
     [](const fs::path& root) {
         write_file(root / "etc/sysctl.d/90-kvm-host.conf", std::string("net.ipv4.ip_forward = 1\n\0\0\0\0", 28));
     },
     {"net.ip-forward"}, "/etc/sysctl.d/90-kvm-host.conf"},
    {"fstab_garbage",
     [](const fs::path& root) { edit_file(root / "etc/fstab", "/dev/mapper/rhel-swap", "/dev/mapper/rhel-swap\n--"); },
     {"storage.mount-persistent", "libvirt.autostart-disks"}, "/etc/fstab"},
    {"passwd_binary",
     // read_device() falls back to numeric owners; only QEMU's identity needs the accounts.
     [](const fs::path& root) { write_file(root / "etc/passwd", std::string("root:x:0:0\0\0\0", 13)); },
     {"dev.kvm.access"}, "/etc/passwd"},
    {"cmdline_missing", [](const fs::path& root) { fs::remove(root / "proc/cmdline"); }, {"iommu"},
     "/proc/cmdline"},
};

std::map<std::string, checks::CheckResult> run_doctor_on(const fs::path& root_dir) {
    tests::FixtureRoot root(root_dir.string());
    host::HostFactsReader facts(root, host::LiveServices{} /* live services unavailable */,
                                "/var/lib/libvirt/images", "default");
    auto report = agent::run_doctor(facts, {});
    if (!report) throw std::runtime_error(report.error().message);
    std::map<std::string, checks::CheckResult> by_id;
    for (auto& result : std::move(report).value().results) by_id[result.id] = std::move(result);
    return by_id;
}

std::string status_text(checks::Status status) { return std::string(checks::to_string(status)); }

class HostileInput : public ::testing::TestWithParam<Breakage> {
protected:
    void SetUp() override {
        m_root = fs::temp_directory_path() / ("kvm-hostile-" + std::to_string(::getpid()) + "-" + GetParam().name);
        fs::remove_all(m_root);
        tests::flatten_case(tests::fixture_case("intel-rhel9"), m_root);
    }
    void TearDown() override { fs::remove_all(m_root); }
    fs::path m_root;
};

TEST_P(HostileInput, OnlyTheChecksReadingTheBrokenInputAreError) {
    const Breakage& breakage = GetParam();
    std::map<std::string, checks::CheckResult> before, after;
    ASSERT_NO_THROW(before = run_doctor_on(m_root));
    for (const auto& [id, result] : before)
        ASSERT_NE(status_text(result.status), "ERROR") << "unbroken copy: " << id << ": " << result.evidence;
    for (const auto& id : breakage.errors) ASSERT_TRUE(before.count(id)) << "no check " << id;

    ASSERT_NO_THROW(breakage.apply(m_root));
    ASSERT_NO_THROW(after = run_doctor_on(m_root));
    ASSERT_EQ(after.size(), before.size());
    for (const auto& [id, result] : after) {
        SCOPED_TRACE(id);
        EXPECT_THAT(result.evidence, Not(HasSubstr("internal error")));
        if (breakage.errors.count(id)) {
            EXPECT_EQ(status_text(result.status), "ERROR") << result.evidence;
            EXPECT_THAT(result.evidence, HasSubstr(breakage.reason));
        } else {
            EXPECT_EQ(status_text(result.status), status_text(before.at(id).status)) << result.evidence;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(HostileInputs, HostileInput, ::testing::ValuesIn(k_breakages),
                         [](const ::testing::TestParamInfo<Breakage>& breakage_info) {
                             return breakage_info.param.name;
                         });

}  // namespace
