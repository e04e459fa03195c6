#include "provision/packages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace provision {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

struct DistroCase {
    const char* id;
    const char* id_like;
    const char* version;
    std::optional<PackageManager> manager;  // nullopt: unsupported
    const char* first_of_set;
};

class DistributionFor : public ::testing::TestWithParam<DistroCase> {};

TEST_P(DistributionFor, ChoosesTheBackendAndTheKvmHostSetFromOsRelease) {
    const auto& c = GetParam();
    checks::OsRelease release;
    release.id = c.id;
    release.id_like = c.id_like;
    release.version_id = c.version;
    const auto distribution = distribution_for(release);
    if (!c.manager) {
        ASSERT_FALSE(distribution.ok()) << c.id;
        EXPECT_THAT(distribution.error().message, HasSubstr("unsupported distribution " + std::string(c.id)));
        return;
    }
    ASSERT_TRUE(distribution.ok()) << distribution.error().message;
    EXPECT_EQ(distribution->manager, *c.manager) << c.id << " " << c.version;
    EXPECT_EQ(distribution->kvm_host_set.front(), c.first_of_set);
}

INSTANTIATE_TEST_SUITE_P(
    OsRelease, DistributionFor,
    ::testing::Values(DistroCase{"rhel", "fedora", "9.3", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"rhel", "fedora", "8.9", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"rhel", "fedora", "7.9", PackageManager::yum, "qemu-kvm"},
                      DistroCase{"centos", "rhel fedora", "7", PackageManager::yum, "qemu-kvm"},
                      DistroCase{"centos", "rhel fedora", "9", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"rocky", "rhel centos fedora", "9.4", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"almalinux", "rhel centos fedora", "8.10", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"fedora", "", "40", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"debian", "", "12", PackageManager::apt, "qemu-system-x86"},
                      DistroCase{"ubuntu", "debian", "24.04", PackageManager::apt, "qemu-system-x86"},
                      DistroCase{"linuxmint", "ubuntu debian", "21.3", PackageManager::apt, "qemu-system-x86"},
                      DistroCase{"eurolinux", "rhel fedora centos", "9", PackageManager::dnf, "qemu-kvm"},
                      DistroCase{"rhel", "fedora", "6.10", std::nullopt, ""},
                      DistroCase{"centos", "rhel", "", std::nullopt, ""},
                      DistroCase{"arch", "", "", std::nullopt, ""},
                      DistroCase{"opensuse-leap", "suse opensuse", "15.5", std::nullopt, ""}));

TEST(DistributionFor, TheDefaultSetsAreTheIssuesLists) {
    checks::OsRelease rhel{"rhel", "fedora", "9.3", ""};
    EXPECT_THAT(distribution_for(rhel)->kvm_host_set, ElementsAre("qemu-kvm", "libvirt", "virt-install", "libguestfs-tools"));
    checks::OsRelease debian{"debian", "", "12", ""};
    EXPECT_THAT(distribution_for(debian)->kvm_host_set,
                ElementsAre("qemu-system-x86", "libvirt-daemon-system", "libvirt-clients", "virtinst", "libguestfs-tools"));
}

TEST(ValidPackageName, RefusesWhatAPackageManagerWouldReadAsAnOption) {
    for (auto name : {"qemu-kvm", "libstdc++6", "python3.11", "libc6:amd64", "kernel-5.14.0", "a"})
        EXPECT_TRUE(valid_package_name(name)) << name;
    for (auto name : {"", "-y", "--installroot=/", "foo bar", "foo;rm", "$(id)", "foo/bar", "../x", "foo\n"})
        EXPECT_FALSE(valid_package_name(name)) << name;
}

TEST(MissingPackages, KeepsTheOrderAndListsEachOnce) {
    EXPECT_THAT(missing_packages({"b", "a", "c", "b"}, {"c"}), ElementsAre("b", "a"));
    EXPECT_THAT(missing_packages({"a"}, {"a"}), IsEmpty());
}

constexpr const char* k_status =
    "Package: libvirt-daemon-system\n"
    "Status: install ok installed\n"
    "Priority: optional\n"
    "Architecture: amd64\n"
    "Version: 9.0.0-4\n"
    "Description: Libvirt daemon configuration files\n"
    " Libvirt is a C toolkit.\n"
    " .\n"
    " More text: with colons.\n"
    "\n"
    "Package: removed-pkg\n"
    "Status: deinstall ok config-files\n"
    "Architecture: all\n"
    "Conffiles:\n"
    " /etc/removed.conf 0123456789abcdef\n"
    "\n"
    "Package: half\n"
    "Status: install reinstreq half-configured\n"
    "\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Architecture: i386\n"
    "\n"
    "Package: trig\n"
    "Status: install ok triggers-pending\n";

TEST(ParseDpkgStatus, ReadsEntriesAndTheirState) {
    const auto packages = parse_dpkg_status(k_status);
    ASSERT_TRUE(packages.ok()) << packages.error().message;
    ASSERT_EQ(packages->size(), 5u);
    EXPECT_EQ((*packages)[0].name, "libvirt-daemon-system");
    EXPECT_EQ((*packages)[0].version, "9.0.0-4");
    EXPECT_TRUE((*packages)[0].installed());
    EXPECT_EQ((*packages)[1].want, "deinstall");
    EXPECT_FALSE((*packages)[1].installed());
    EXPECT_FALSE((*packages)[2].installed());
    EXPECT_TRUE((*packages)[4].installed());
    EXPECT_THAT(installed_names(*packages),
                ElementsAre("libc6", "libc6:i386", "libvirt-daemon-system", "libvirt-daemon-system:amd64", "trig"));
}

TEST(ParseDpkgStatus, AcceptsCrlfCommentsNoFinalNewlineAndAnEmptyFile) {
    const auto crlf = parse_dpkg_status("Package: a\r\nStatus: install ok installed\r\n\r\n# c\r\nPackage: b\r\nStatus: install ok installed");
    ASSERT_TRUE(crlf.ok()) << crlf.error().message;
    EXPECT_THAT(installed_names(*crlf), ElementsAre("a", "b"));
    ASSERT_TRUE(parse_dpkg_status("").ok());
    EXPECT_THAT(*parse_dpkg_status("\n\n \n"), IsEmpty());
    // Field names are case-insensitive, as in dpkg.
    EXPECT_THAT(installed_names(*parse_dpkg_status("package: a\nSTATUS: install ok installed\n")), ElementsAre("a"));
}

struct HostileStatus {
    const char* name;
    std::string text;
    const char* message;
};

class ParseDpkgStatusHostile : public ::testing::TestWithParam<HostileStatus> {};

TEST_P(ParseDpkgStatusHostile, IsAnErrorNamingTheLine) {
    const auto parsed = parse_dpkg_status(GetParam().text);
    ASSERT_FALSE(parsed.ok()) << GetParam().name;
    EXPECT_EQ(parsed.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Broken, ParseDpkgStatusHostile,
    ::testing::Values(
        HostileStatus{"no colon", "Package: a\nStatus: install ok installed\ngarbage\n",
                      "/var/lib/dpkg/status:3: expected \"Field: value\""},
        HostileStatus{"empty field name", "Package: a\n: x\n", "/var/lib/dpkg/status:2: expected \"Field: value\""},
        HostileStatus{"continuation first", " continued\nPackage: a\n",
                      "/var/lib/dpkg/status:1: a continuation line outside a field"},
        HostileStatus{"no package", "Status: install ok installed\nVersion: 1\n",
                      "/var/lib/dpkg/status:1: an entry without a valid Package field"},
        HostileStatus{"option-like package", "Package: -y\nStatus: install ok installed\n",
                      "/var/lib/dpkg/status:1: an entry without a valid Package field"},
        HostileStatus{"two-word status", "\n\nPackage: a\nStatus: install installed\n",
                      "/var/lib/dpkg/status:3: a: Status is not \"want flag status\""},
        HostileStatus{"no status", "Package: a\n", "/var/lib/dpkg/status:1: a: Status is not \"want flag status\""},
        HostileStatus{"duplicate field", "Package: a\nStatus: install ok installed\nPackage: b\n",
                      "/var/lib/dpkg/status:3: field \"Package\" given twice"},
        HostileStatus{"control in field name", std::string("Package: a\nSta\x01tus: x\n"),
                      "/var/lib/dpkg/status:2: bad field name"},
        HostileStatus{"space in field name", "Package: a\nSta tus: install ok installed\n",
                      "/var/lib/dpkg/status:2: bad field name"}));

TEST(ParseDpkgStatus, SurvivesLargeAndMutatedInput) {
    // 20000 entries, then every prefix length of one entry: never a crash, a value or a clear error.
    std::string big;
    for (int i = 0; i < 20000; ++i) big += "Package: p" + std::to_string(i) + "\nStatus: install ok installed\n\n";
    const auto parsed = parse_dpkg_status(big);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(installed_names(*parsed).size(), 20000u);
    const std::string one = std::string(k_status);
    for (std::size_t cut = 0; cut <= one.size(); ++cut) {
        const auto prefix = parse_dpkg_status(one.substr(0, cut));
        if (!prefix.ok()) {
            EXPECT_THAT(prefix.error().message, HasSubstr("/var/lib/dpkg/status:"));
        }
    }
    std::string flipped = one;
    for (std::size_t i = 0; i < flipped.size(); i += 7) {
        std::string mutated = flipped;
        mutated[i] = static_cast<char>(mutated[i] ^ 0x5a);
        (void)parse_dpkg_status(mutated);
    }
}

TEST(RpmQuery, AsksForNameAndArchAndUnderARootUsesIt) {
    EXPECT_THAT(rpm_query_command({"qemu-kvm", "libvirt"}, "/"),
                ElementsAre("rpm", "-q", "--qf", "%{NAME} %{ARCH}\\n", "qemu-kvm", "libvirt"));
    EXPECT_THAT(rpm_query_command({"x"}, "/mnt/sysimage"),
                ElementsAre("rpm", "--root", "/mnt/sysimage", "-q", "--qf", "%{NAME} %{ARCH}\\n", "x"));
}

TEST(RpmQuery, ReadsInstalledNamesAndIgnoresNotInstalledLines) {
    const auto installed = parse_rpm_query("qemu-kvm x86_64\npackage libvirt is not installed\nkernel x86_64\n"
                                           "kernel x86_64\nglibc i686\n",
                                           {"qemu-kvm", "libvirt", "kernel", "glibc.i686", "glibc.x86_64", "x86_64"});
    EXPECT_THAT(installed, ElementsAre("glibc.i686", "kernel", "qemu-kvm"));
}

TEST(InstallCommand, AptIsNonInteractiveAndNeverRemoves) {
    const auto command = install_command(PackageManager::apt, {"qemu-system-x86", "virtinst"}, "/");
    ASSERT_TRUE(command.ok());
    EXPECT_THAT(command->argv, ElementsAre("apt-get", "-y", "-q", "--no-remove", "-o", "Dpkg::Options::=--force-confdef",
                                           "-o", "Dpkg::Options::=--force-confold", "install", "qemu-system-x86",
                                           "virtinst"));
    EXPECT_THAT(command->environment, ::testing::Contains(Pair("DEBIAN_FRONTEND", "noninteractive")));
    const auto other_root = install_command(PackageManager::apt, {"x"}, "/mnt/sysimage");
    ASSERT_FALSE(other_root.ok());
    EXPECT_THAT(other_root.error().message, HasSubstr("apt cannot install into /mnt/sysimage"));
    EXPECT_THAT(apt_update_command().argv, ElementsAre("apt-get", "-q", "update"));
}

TEST(InstallCommand, DnfAndYumTakeAnInstallRoot) {
    EXPECT_THAT(install_command(PackageManager::dnf, {"qemu-kvm"}, "/")->argv, ElementsAre("dnf", "-y", "install", "qemu-kvm"));
    EXPECT_THAT(install_command(PackageManager::dnf, {"a", "b"}, "/tmp/root")->argv,
                ElementsAre("dnf", "-y", "--installroot", "/tmp/root", "install", "a", "b"));
    EXPECT_THAT(install_command(PackageManager::yum, {"qemu-kvm"}, "/")->argv, ElementsAre("yum", "-y", "install", "qemu-kvm"));
    EXPECT_TRUE(install_command(PackageManager::dnf, {"a"}, "/")->environment.empty());
}

}  // namespace
}  // namespace provision
