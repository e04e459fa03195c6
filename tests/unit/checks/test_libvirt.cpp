// checks/libvirt.cpp: daemons, connection, default network and pool, autostart disks, ACPI, consoles.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

// --- libvirt.daemon ---

StaticHostFacts with_units(std::map<std::string, UnitState> units) {
    StaticHostFacts facts;
    facts.systemd_fact = SystemdFacts{std::move(units)};
    return facts;
}

TEST(LibvirtDaemon, PassesForAMonolithicLibvirtdEnabledAndActive) {
    const auto outcome = run_check("libvirt.daemon", with_units({{"libvirtd.service", unit_state("active", "enabled")}}));
    EXPECT_OUTCOME(outcome, Status::pass,
                   "monolithic libvirtd: libvirtd.service active/enabled, libvirtd.socket not installed");
}

TEST(LibvirtDaemon, CountsASocketActivatedLibvirtdAsRunning) {
    const auto outcome = run_check("libvirt.daemon", with_units({{"libvirtd.service", unit_state("inactive", "disabled")},
                                                                 {"libvirtd.socket", unit_state("active", "enabled")}}));
    EXPECT_OUTCOME(outcome, Status::pass,
                   "monolithic libvirtd: libvirtd.service inactive/disabled, libvirtd.socket active/enabled");
}

std::map<std::string, UnitState> modular_units() {
    return {
        {"libvirtd.service", unit_state("inactive", "disabled")},
        {"libvirtd.socket", unit_state("inactive", "disabled")},
        {"virtqemud.service", unit_state("inactive", "enabled")},
        {"virtqemud.socket", unit_state("active", "enabled")},
        {"virtnetworkd.service", unit_state("inactive", "disabled")},
        {"virtnetworkd.socket", unit_state("active", "enabled")},
        {"virtstoraged.service", unit_state("active", "disabled")},
        {"virtstoraged.socket", unit_state("active", "enabled")},
    };
}

TEST(LibvirtDaemon, PassesForRhel9ModularDaemonsOnSockets) {
    const auto outcome = run_check("libvirt.daemon", with_units(modular_units()));
    EXPECT_OUTCOME(outcome, Status::pass, "modular daemons: virtqemud.service inactive/enabled, virtqemud.socket "
                                          "active/enabled; virtnetworkd.service");
    EXPECT_NE(outcome.evidence.find("virtstoraged.socket active/enabled"), std::string::npos) << outcome.evidence;
}

TEST(LibvirtDaemon, FailsWhenAModularDaemonIsNotRunning) {
    auto units = modular_units();
    units["virtnetworkd.socket"] = unit_state("inactive", "enabled");
    const auto outcome = run_check("libvirt.daemon", with_units(units));
    EXPECT_OUTCOME(outcome, Status::fail, "— not running: virtnetworkd");
    EXPECT_FIX_HAS(outcome, "virt${d}d.socket");
}

TEST(LibvirtDaemon, FailsWhenEnabledButInactive) {
    const auto outcome =
        run_check("libvirt.daemon", with_units({{"libvirtd.service", unit_state("inactive", "enabled")}}));
    EXPECT_OUTCOME(outcome, Status::fail, "libvirtd.service inactive/enabled, libvirtd.socket not installed — not "
                                          "running: libvirtd");
    EXPECT_FIX_HAS(outcome, "systemctl enable --now libvirtd");
}

TEST(LibvirtDaemon, FailsWhenTheServiceFailed) {
    const auto outcome = run_check("libvirt.daemon", with_units({{"libvirtd.service", unit_state("failed", "enabled")}}));
    EXPECT_OUTCOME(outcome, Status::fail, "libvirtd.service failed/enabled");
}

TEST(LibvirtDaemon, WarnsWhenActiveButNotEnabledAtBoot) {
    const auto outcome =
        run_check("libvirt.daemon", with_units({{"libvirtd.service", unit_state("active", "disabled")}}));
    EXPECT_OUTCOME(outcome, Status::warn, "running but not enabled at boot: libvirtd");
    EXPECT_EQ(outcome.fix, "systemctl enable libvirtd");
}

TEST(LibvirtDaemon, FailsWhenNotInstalled) {
    const auto outcome = run_check("libvirt.daemon", with_units({{"sshd.service", unit_state("active", "enabled")}}));
    EXPECT_OUTCOME(outcome, Status::fail, "neither libvirtd nor virtqemud is installed");
    EXPECT_FIX_HAS(outcome, "dnf install libvirt-daemon-kvm");
}

TEST(LibvirtDaemon, TreatsNotFoundUnitsAsNotInstalled) {
    const auto outcome = run_check("libvirt.daemon", with_units({{"libvirtd.service", {"not-found", "inactive", ""}},
                                                                 {"virtqemud.socket", {"not-found", "inactive", ""}}}));
    EXPECT_OUTCOME(outcome, Status::fail, "neither libvirtd nor virtqemud is installed");
}

// --- libvirt.connection ---

LibvirtFacts connected_libvirt() {
    LibvirtFacts libvirt;
    libvirt.uri = "qemu:///system";
    libvirt.connected = true;
    libvirt.x86_64_guests = true;
    libvirt.kvm_x86_64 = true;
    libvirt.capabilities_summary = "libvirt 9.0.0, QEMU 8.0.0";
    libvirt.default_network = {true, true, true, "virbr0", true};
    libvirt.images_pool = {true, true, true, "/var/lib/libvirt/images", true};
    libvirt.images_pool_name = "default";
    return libvirt;
}

StaticHostFacts with_libvirt(LibvirtFacts libvirt) {
    StaticHostFacts facts;
    facts.libvirt_fact = std::move(libvirt);
    return facts;
}

TEST(LibvirtConnection, PassesWhenConnectedWithKvmForX86_64) {
    EXPECT_OUTCOME(run_check("libvirt.connection", with_libvirt(connected_libvirt())), Status::pass,
                   "connected to qemu:///system (libvirt 9.0.0, QEMU 8.0.0); capabilities offer kvm for x86_64");
}

TEST(LibvirtConnection, FailsWhenItCannotConnect) {
    auto libvirt = connected_libvirt();
    libvirt.connected = false;
    libvirt.connect_error = "Failed to connect socket to '/var/run/libvirt/virtqemud-sock': No such file or directory";
    const auto outcome = run_check("libvirt.connection", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::fail, "cannot connect to qemu:///system: Failed to connect socket");
    EXPECT_FIX_HAS(outcome, "start libvirt: systemctl enable --now libvirtd");
}

TEST(LibvirtConnection, FailsNamingThePackageWhenTheClientLibraryCannotBeLoaded) {
    auto libvirt = connected_libvirt();
    libvirt.connected = false;
    libvirt.client_library_error = "libvirt's client library cannot be loaded: libvirt.so.0: cannot open shared "
                                   "object file: No such file or directory (install libvirt-libs; Debian: libvirt0)";
    const auto outcome = run_check("libvirt.connection", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::fail, "libvirt's client library cannot be loaded: libvirt.so.0");
    EXPECT_FIX_HAS(outcome, "dnf install libvirt-libs");
}

TEST(LibvirtConnection, FailsWhenACallAfterConnectingFailed) {
    auto libvirt = connected_libvirt();
    libvirt.call_error = "virConnectGetCapabilities: internal error: cannot probe /usr/bin/qemu-system-x86_64";
    const auto outcome = run_check("libvirt.connection", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::fail,
                   "connected to qemu:///system, but virConnectGetCapabilities: internal error: cannot probe");
    EXPECT_FIX_HAS(outcome, "journalctl -u libvirtd");
}

// libvirtd probes every QEMU binary on its first capabilities call after a start: slow, not broken.
TEST(LibvirtConnection, WarnsWhenTheDaemonIsSlowToAnswer) {
    auto libvirt = connected_libvirt();
    libvirt.call_error = "its capabilities, networks and pools did not arrive within 10000 ms";
    libvirt.timed_out = true;
    const auto outcome = run_check("libvirt.connection", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::warn,
                   "connected to qemu:///system, but its capabilities, networks and pools did not arrive within "
                   "10000 ms (a daemon that has just started probes QEMU first)");
    EXPECT_FIX_HAS(outcome, "run kvm-doctor again in a minute");
    libvirt.connected = false;
    libvirt.call_error.clear();
    libvirt.connect_error = "no answer within 10000 ms";
    EXPECT_OUTCOME(run_check("libvirt.connection", with_libvirt(libvirt)), Status::warn,
                   "no answer from qemu:///system: no answer within 10000 ms");
}

TEST(LibvirtConnection, FailsWhenNoQemuEmulatorOffersX86_64Guests) {
    auto libvirt = connected_libvirt();
    libvirt.x86_64_guests = false;
    libvirt.kvm_x86_64 = false;
    const auto outcome = run_check("libvirt.connection", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::fail, "finds no QEMU emulator for x86_64 guests");
    EXPECT_FIX_HAS(outcome, "dnf install qemu-kvm");
}

TEST(LibvirtConnection, FailsWhenCapabilitiesOfferOnlyEmulation) {
    auto libvirt = connected_libvirt();
    libvirt.kvm_x86_64 = false;
    const auto outcome = run_check("libvirt.connection", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::fail, "no kvm domain for x86_64: guests would run emulated (TCG)");
    EXPECT_FIX_HAS(outcome, "systemctl restart libvirtd");
}

// --- libvirt.default-network ---

TEST(LibvirtDefaultNetwork, PassesWhenActiveAndAutostarted) {
    EXPECT_OUTCOME(run_check("libvirt.default-network", with_libvirt(connected_libvirt())), Status::pass,
                   "network \"default\": active, autostart, virbr0");
}

TEST(LibvirtDefaultNetwork, WarnsWhenNotDefined) {
    auto libvirt = connected_libvirt();
    libvirt.default_network = {};
    const auto outcome = run_check("libvirt.default-network", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::warn, "network \"default\" is not defined");
    EXPECT_FIX_HAS(outcome, "virsh net-define /usr/share/libvirt/networks/default.xml");
}

TEST(LibvirtDefaultNetwork, WarnsWhenInactiveAndNotAutostartedWithBothCommands) {
    auto libvirt = connected_libvirt();
    libvirt.default_network.active = false;
    libvirt.default_network.autostart = false;
    const auto outcome = run_check("libvirt.default-network", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::warn, "network \"default\": inactive, no autostart, virbr0");
    EXPECT_EQ(outcome.fix, "virsh net-start default && virsh net-autostart default");
}

TEST(LibvirtDefaultNetwork, WarnsWhenOnlyAutostartIsMissing) {
    auto libvirt = connected_libvirt();
    libvirt.default_network.autostart = false;
    const auto outcome = run_check("libvirt.default-network", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::warn, "active, no autostart");
    EXPECT_EQ(outcome.fix, "virsh net-autostart default");
}

TEST(LibvirtDefaultNetwork, SkipsWithoutAConnection) {
    auto libvirt = connected_libvirt();
    libvirt.connected = false;
    EXPECT_OUTCOME(run_check("libvirt.default-network", with_libvirt(libvirt)), Status::skip,
                   "no answer from qemu:///system (see libvirt.connection)");
}

TEST(LibvirtDefaultNetwork, SkipsWhenTheDaemonStoppedAnswering) {
    auto libvirt = connected_libvirt();
    libvirt.call_error = "virConnectListAllNetworks timed out";
    EXPECT_OUTCOME(run_check("libvirt.default-network", with_libvirt(libvirt)), Status::skip,
                   "no answer from qemu:///system (see libvirt.connection)");
}

// With `default-network: absent` the profile removes the network: its absence passes, and no fix defines it.
Expectations without_default_network() {
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    expectations.default_network_absent = true;
    return expectations;
}

TEST(LibvirtDefaultNetworkWithAProfile, PassesWhenAbsentAsTheProfileAsks) {
    auto libvirt = connected_libvirt();
    libvirt.default_network = {};
    const auto expectations = without_default_network();
    const auto outcome = run_check("libvirt.default-network", with_libvirt(libvirt), &expectations);
    EXPECT_OUTCOME(outcome, Status::pass, "network \"default\" is not defined, as the profile asks (default-network: absent)");
    EXPECT_EQ(outcome.fix, "");
}

TEST(LibvirtDefaultNetworkWithAProfile, WarnsWhenStillDefinedWithTheApplyThatRemovesIt) {
    const auto expectations = without_default_network();
    const auto outcome = run_check("libvirt.default-network", with_libvirt(connected_libvirt()), &expectations);
    EXPECT_OUTCOME(outcome, Status::warn, "network \"default\" is defined (active), but the profile says default-network: absent");
    EXPECT_EQ(outcome.fix, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only libvirt");
}

TEST(LibvirtDefaultNetworkWithAProfile, AProfileThatKeepsItJudgesItAsWithout) {
    auto libvirt = connected_libvirt();
    libvirt.default_network = {};
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    const auto outcome = run_check("libvirt.default-network", with_libvirt(libvirt), &expectations);
    EXPECT_OUTCOME(outcome, Status::warn, "network \"default\" is not defined");
    EXPECT_FIX_HAS(outcome, "virsh net-define");
}

// --- libvirt.storage-pool ---

TEST(LibvirtStoragePool, PassesWhenActiveAutostartedAndItsPathExists) {
    EXPECT_OUTCOME(run_check("libvirt.storage-pool", with_libvirt(connected_libvirt())), Status::pass,
                   "pool \"default\": active, autostart, /var/lib/libvirt/images");
}

TEST(LibvirtStoragePool, FailsWhenItsPathIsGone) {
    auto libvirt = connected_libvirt();
    libvirt.images_pool.target_exists = false;
    const auto outcome = run_check("libvirt.storage-pool", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::fail, "pool \"default\" path /var/lib/libvirt/images does not exist");
    EXPECT_EQ(outcome.fix, "mkdir -p /var/lib/libvirt/images && virsh pool-build default");
}

TEST(LibvirtStoragePool, WarnsWhenInactive) {
    auto libvirt = connected_libvirt();
    libvirt.images_pool.active = false;
    const auto outcome = run_check("libvirt.storage-pool", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::warn, "pool \"default\": inactive, autostart");
    EXPECT_EQ(outcome.fix, "virsh pool-start default");
}

TEST(LibvirtStoragePool, WarnsWhenNotDefinedWithTheCommandsToDefineIt) {
    auto libvirt = connected_libvirt();
    libvirt.images_pool = {};
    libvirt.images_pool_name = "images";
    const auto outcome = run_check("libvirt.storage-pool", with_libvirt(libvirt));
    EXPECT_OUTCOME(outcome, Status::warn, "pool \"images\" is not defined");
    EXPECT_FIX_HAS(outcome, "virsh pool-define-as images dir --target /var/lib/libvirt/images");
}

TEST(LibvirtStoragePool, SkipsWithoutAConnection) {
    auto libvirt = connected_libvirt();
    libvirt.connected = false;
    EXPECT_OUTCOME(run_check("libvirt.storage-pool", with_libvirt(libvirt)), Status::skip, "see libvirt.connection");
}

// --- libvirt.autostart-disks ---

DomainDefinition domain(std::string name, bool autostart, std::vector<std::string> disks,
                        std::vector<std::string> missing = {}) {
    DomainDefinition d;
    d.name = std::move(name);
    d.file = "/etc/libvirt/qemu/" + d.name + ".xml";
    d.autostart = autostart;
    d.acpi = true;
    d.disk_files = std::move(disks);
    d.missing_disk_files = std::move(missing);
    return d;
}

StaticHostFacts disks_facts(std::vector<DomainDefinition> domains, std::vector<MountEntry> mounted,
                            std::vector<MountEntry> fstab, std::set<std::string> units = {}) {
    StaticHostFacts facts;
    facts.domain_definitions_fact = std::move(domains);
    facts.mounts_fact = std::move(mounted);
    facts.mount_persistence_fact = MountPersistence{std::move(fstab), std::move(units)};
    return facts;
}

const MountEntry k_root = mount("/dev/mapper/rhel-root", "/");
const MountEntry k_root_fstab = mount("/dev/mapper/rhel-root", "/");

TEST(LibvirtAutostartDisks, PassesForDisksOnTheRootFilesystem) {
    const auto outcome = run_check("libvirt.autostart-disks",
                                   disks_facts({domain("web", true, {"/var/lib/libvirt/images/web.qcow2"})},
                                               {k_root}, {k_root_fstab}));
    EXPECT_OUTCOME(outcome, Status::pass, "1 autostart guest, every disk on a filesystem mounted at boot");
}

TEST(LibvirtAutostartDisks, PassesForADiskOnAMountListedInFstab) {
    const auto vm = mount("/dev/sdb1", "/srv/vm");
    const auto outcome = run_check(
        "libvirt.autostart-disks",
        disks_facts({domain("web", true, {"/srv/vm/web.qcow2"}), domain("db", true, {"/srv/vm/db.qcow2"})},
                    {k_root, vm}, {k_root_fstab, mount("UUID=1234-abcd", "/srv/vm")}));
    EXPECT_OUTCOME(outcome, Status::pass, "2 autostart guests");
}

TEST(LibvirtAutostartDisks, FailsWhenTheFstabMountOfADiskIsNotMounted) {
    const auto outcome = run_check("libvirt.autostart-disks",
                                   disks_facts({domain("web", true, {"/srv/vm/web.qcow2"}, {"/srv/vm/web.qcow2"})},
                                               {k_root}, {k_root_fstab, mount("UUID=1234-abcd", "/srv/vm")}));
    EXPECT_OUTCOME(outcome, Status::fail, "web: /srv/vm/web.qcow2 is on /srv/vm (in /etc/fstab), which is not mounted");
    EXPECT_EQ(outcome.fix, "mount /srv/vm");
}

TEST(LibvirtAutostartDisks, FailsWhenANestedFstabMountIsNotMountedButItsParentIs) {
    const auto outcome = run_check(
        "libvirt.autostart-disks",
        disks_facts({domain("web", true, {"/srv/vm/fast/web.qcow2"})}, {k_root, mount("/dev/sdb1", "/srv/vm")},
                    {k_root_fstab, mount("/dev/sdb1", "/srv/vm"), mount("/dev/nvme0n1p1", "/srv/vm/fast")}));
    EXPECT_OUTCOME(outcome, Status::fail, "is on /srv/vm/fast (in /etc/fstab), which is not mounted");
}

TEST(LibvirtAutostartDisks, FailsForAMountThatIsNeitherInFstabNorAMountUnit) {
    const auto outcome = run_check("libvirt.autostart-disks",
                                   disks_facts({domain("web", true, {"/srv/vm/web.qcow2"})},
                                               {k_root, mount("/dev/sdb1", "/srv/vm", "ext4")}, {k_root_fstab}));
    EXPECT_OUTCOME(outcome, Status::fail,
                   "web: /srv/vm/web.qcow2 is on /srv/vm (/dev/sdb1), mounted now but not in /etc/fstab or a mount unit");
    EXPECT_FIX_HAS(outcome, "$(blkid -s UUID -o value /dev/sdb1) /srv/vm ext4 defaults 0 0\" >> /etc/fstab");
}

TEST(LibvirtAutostartDisks, PassesForAMountMadeByAMountUnit) {
    const auto outcome = run_check(
        "libvirt.autostart-disks",
        disks_facts({domain("web", true, {"/var/lib/libvirt/images/web.qcow2"})},
                    {k_root, mount("/dev/sdb1", "/var/lib/libvirt/images")}, {k_root_fstab},
                    {"var-lib-libvirt-images.mount"}));
    EXPECT_OUTCOME(outcome, Status::pass, "1 autostart guest");
}

TEST(LibvirtAutostartDisks, MatchesTheMountUnitOfAPathWithADash) {
    const auto outcome = run_check("libvirt.autostart-disks",
                                   disks_facts({domain("web", true, {"/srv/vm-images/web.qcow2"})},
                                               {k_root, mount("/dev/sdb1", "/srv/vm-images")}, {k_root_fstab},
                                               {"srv-vm\\x2dimages.mount"}));
    EXPECT_OUTCOME(outcome, Status::pass, "1 autostart guest");
}

// fstab(5) noauto: listed, but not mounted at boot.
TEST(LibvirtAutostartDisks, FailsForAnFstabMountMarkedNoauto) {
    MountEntry noauto = mount("UUID=1234-abcd", "/srv/vm");
    noauto.options = "defaults,noauto";
    const auto outcome = run_check("libvirt.autostart-disks",
                                   disks_facts({domain("web", true, {"/srv/vm/web.qcow2"})},
                                               {k_root, mount("/dev/sdb1", "/srv/vm")}, {k_root_fstab, noauto}));
    EXPECT_OUTCOME(outcome, Status::fail, "/srv/vm");
}

TEST(LibvirtAutostartDisks, FailsForAMissingDisk) {
    const auto outcome = run_check(
        "libvirt.autostart-disks",
        disks_facts({domain("web", true, {"/var/lib/libvirt/images/web.qcow2", "/var/lib/libvirt/images/data.raw"},
                            {"/var/lib/libvirt/images/data.raw"})},
                    {k_root}, {k_root_fstab}));
    EXPECT_OUTCOME(outcome, Status::fail, "web: disk /var/lib/libvirt/images/data.raw does not exist");
    EXPECT_EQ(outcome.evidence.find("web.qcow2"), std::string::npos) << outcome.evidence;
    EXPECT_FIX_HAS(outcome, "virsh edit web");
}

TEST(LibvirtAutostartDisks, IgnoresGuestsThatDoNotAutostart) {
    const auto outcome = run_check("libvirt.autostart-disks",
                                   disks_facts({domain("scratch", false, {"/mnt/usb/scratch.qcow2"},
                                                       {"/mnt/usb/scratch.qcow2"})},
                                               {k_root, mount("/dev/sdc1", "/mnt/usb", "vfat")}, {k_root_fstab}));
    EXPECT_OUTCOME(outcome, Status::pass, "0 autostart guests");
}

TEST(LibvirtAutostartDisks, DoesNotConfuseASiblingDirectoryWithAnFstabMount) {
    const auto outcome = run_check(
        "libvirt.autostart-disks",
        disks_facts({domain("web", true, {"/var/lib/libvirt/images/web.qcow2"})}, {k_root},
                    {k_root_fstab, mount("/dev/sdb1", "/var/lib/libvirt/images2")}));
    EXPECT_OUTCOME(outcome, Status::pass, "1 autostart guest");
}

TEST(LibvirtAutostartDisks, ReportsEveryProblemJoined) {
    const auto outcome = run_check(
        "libvirt.autostart-disks",
        disks_facts({domain("web", true, {"/srv/vm/web.qcow2"}), domain("db", true, {"/data/db.qcow2"}, {"/data/db.qcow2"})},
                    {k_root}, {k_root_fstab, mount("/dev/sdb1", "/srv/vm")}));
    EXPECT_OUTCOME(outcome, Status::fail, "web: /srv/vm/web.qcow2 is on /srv/vm (in /etc/fstab), which is not mounted; "
                                          "db: disk /data/db.qcow2 does not exist");
    EXPECT_FIX_HAS(outcome, "mount /srv/vm; restore /data/db.qcow2");
}

TEST(LibvirtAutostartDisks, SkipsWhenTheMountTableIsUnavailable) {
    StaticHostFacts facts = disks_facts({domain("web", true, {"/a"})}, {}, {});
    facts.mounts_fact = Unavailable{"no /proc/mounts under --root"};
    EXPECT_OUTCOME(run_check("libvirt.autostart-disks", facts), Status::skip, "no /proc/mounts under --root");
}

TEST(LibvirtAutostartDisks, IsErrorWhenFstabIsMalformed) {
    StaticHostFacts facts = disks_facts({domain("web", true, {"/a"})}, {k_root}, {});
    facts.mount_persistence_fact = ReadError{"/etc/fstab:7: expected at least 3 fields, found 2"};
    EXPECT_OUTCOME(run_check("libvirt.autostart-disks", facts), Status::error, "/etc/fstab:7");
}

// --- libvirt.domain-acpi ---

TEST(LibvirtDomainAcpi, PassesWhenEveryGuestHasAcpi) {
    StaticHostFacts facts;
    facts.domain_definitions_fact = std::vector<DomainDefinition>{domain("web", true, {}), domain("db", false, {})};
    EXPECT_OUTCOME(run_check("libvirt.domain-acpi", facts), Status::pass, "2 persistent guests, all with ACPI");
}

TEST(LibvirtDomainAcpi, PassesWithNoGuests) {
    StaticHostFacts facts;
    facts.domain_definitions_fact = std::vector<DomainDefinition>{};
    EXPECT_OUTCOME(run_check("libvirt.domain-acpi", facts), Status::pass, "0 persistent guests");
}

TEST(LibvirtDomainAcpi, WarnsNamingTheOneGuestWithoutAcpi) {
    auto db = domain("db", false, {});
    db.acpi = false;
    StaticHostFacts facts;
    facts.domain_definitions_fact = std::vector<DomainDefinition>{domain("web", true, {}), db};
    const auto outcome = run_check("libvirt.domain-acpi", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "db has no <acpi/>: virsh shutdown");
    EXPECT_EQ(outcome.evidence.find("web"), std::string::npos);
    EXPECT_FIX_HAS(outcome, "add <acpi/> inside <features>, for db");
}

TEST(LibvirtDomainAcpi, WarnsNamingEveryGuestWithoutAcpi) {
    auto web = domain("web", true, {});
    auto db = domain("db", false, {});
    web.acpi = db.acpi = false;
    StaticHostFacts facts;
    facts.domain_definitions_fact = std::vector<DomainDefinition>{web, db};
    EXPECT_OUTCOME(run_check("libvirt.domain-acpi", facts), Status::warn, "web, db have no <acpi/>");
}

// --- qemu.vnc-listen ---

StaticHostFacts with_qemu_conf(std::map<std::string, ConfValue> values) {
    StaticHostFacts facts;
    facts.qemu_conf_fact = KeyValueConf{std::move(values)};
    return facts;
}

TEST(QemuVncListen, PassesWhenUnset) {
    EXPECT_OUTCOME(run_check("qemu.vnc-listen", with_qemu_conf({})), Status::pass,
                   "vnc_listen unset (libvirt listens on 127.0.0.1)");
}

struct ListenCase {
    const char* name;
    std::map<std::string, ConfValue> conf;
    Status expected;
    const char* evidence;
};

class QemuVncListenTable : public ::testing::TestWithParam<ListenCase> {};

TEST_P(QemuVncListenTable, JudgesListenAddressAndTls) {
    const auto& c = GetParam();
    EXPECT_OUTCOME(run_check("qemu.vnc-listen", with_qemu_conf(c.conf)), c.expected, c.evidence);
}

INSTANTIATE_TEST_SUITE_P(
    Table, QemuVncListenTable,
    ::testing::Values(
        ListenCase{"Loopback", {{"vnc_listen", {"127.0.0.1", 3}}}, Status::pass, "vnc_listen = \"127.0.0.1\""},
        ListenCase{"Ipv6Loopback", {{"vnc_listen", {"::1", 3}}}, Status::pass, "vnc_listen = \"::1\""},
        ListenCase{"Localhost", {{"vnc_listen", {"localhost", 3}}}, Status::pass, "vnc_listen = \"localhost\""},
        ListenCase{"AnyWithoutTls", {{"vnc_listen", {"0.0.0.0", 12}}}, Status::warn,
                   "vnc_listen = \"0.0.0.0\" (qemu.conf:12) without vnc_tls: guest consoles are open"},
        ListenCase{"AnyWithTlsOff", {{"vnc_listen", {"0.0.0.0", 12}}, {"vnc_tls", {"0", 13}}}, Status::warn,
                   "(qemu.conf:12) without vnc_tls"},
        ListenCase{"AnyWithTls", {{"vnc_listen", {"0.0.0.0", 12}}, {"vnc_tls", {"1", 30}}}, Status::pass,
                   "vnc_listen = \"0.0.0.0\""},
        ListenCase{"SpiceOnIpv6Any", {{"spice_listen", {"::", 40}}}, Status::warn,
                   "spice_listen = \"::\" (qemu.conf:40) without spice_tls"},
        ListenCase{"SpiceTlsDoesNotCoverVnc",
                   {{"vnc_listen", {"192.168.1.5", 12}}, {"spice_listen", {"0.0.0.0", 40}}, {"spice_tls", {"1", 41}}},
                   Status::warn, "vnc_listen = \"192.168.1.5\" (qemu.conf:12)"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(QemuVncListen, FixPointsConsolesAtLoopbackAndSsh) {
    const auto outcome = run_check("qemu.vnc-listen", with_qemu_conf({{"vnc_listen", {"0.0.0.0", 12}},
                                                                      {"spice_listen", {"0.0.0.0", 40}}}));
    EXPECT_EQ(outcome.status, Status::warn);
    EXPECT_FIX_HAS(outcome, "set vnc_listen = \"127.0.0.1\" and set spice_listen = \"127.0.0.1\" in /etc/libvirt/qemu.conf");
    EXPECT_FIX_HAS(outcome, "qemu+ssh://");
}

// Without a profile, the commands to define the pool name the directory the facts were read for (--images-dir).
TEST(LibvirtStoragePool, TheDefineCommandsNameTheImagesDirectoryInUse) {
    auto libvirt = connected_libvirt();
    libvirt.images_pool = {};
    auto facts = with_libvirt(libvirt);
    ImagesDirFacts dir;
    dir.path = "/srv/vm";
    dir.exists = true;
    facts.images_dir_fact = dir;
    const auto outcome = run_check("libvirt.storage-pool", facts);
    EXPECT_FIX_HAS(outcome, "virsh pool-define-as default dir --target /srv/vm");
}

Expectations images_in(std::string path, std::string pool) {
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    expectations.images = ExpectedImages{std::move(path), std::move(pool), 1ULL << 30, "virt_image_t", false};
    return expectations;
}

TEST(LibvirtStoragePoolWithAProfile, PassesForTheProfilesPoolOverItsPath) {
    auto libvirt = connected_libvirt();
    libvirt.images_pool_name = "images";
    libvirt.images_pool.detail = "/srv/vm/";
    const auto expectations = images_in("/srv/vm", "images");
    EXPECT_OUTCOME(run_check("libvirt.storage-pool", with_libvirt(libvirt), &expectations), Status::pass,
                   "pool \"images\": active, autostart, /srv/vm/");
}

TEST(LibvirtStoragePoolWithAProfile, WarnsWhenThePoolHoldsAnotherDirectory) {
    const auto expectations = images_in("/srv/vm", "default");
    const auto outcome = run_check("libvirt.storage-pool", with_libvirt(connected_libvirt()), &expectations);
    EXPECT_OUTCOME(outcome, Status::warn,
                   "pool \"default\" holds /var/lib/libvirt/images, but the profile puts images in /srv/vm");
    EXPECT_FIX_HAS(outcome, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only storage");
}

TEST(LibvirtStoragePoolWithAProfile, AMissingPoolIsTheApplysToDefine) {
    auto libvirt = connected_libvirt();
    libvirt.images_pool = {};
    libvirt.images_pool_name = "images";
    const auto expectations = images_in("/srv/vm", "images");
    const auto outcome = run_check("libvirt.storage-pool", with_libvirt(libvirt), &expectations);
    EXPECT_OUTCOME(outcome, Status::warn, "pool \"images\" is not defined");
    EXPECT_EQ(outcome.fix, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only storage");
}

}  // namespace
}  // namespace checks
