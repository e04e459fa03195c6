// checks/guest_smoke.cpp: the smoke domain's XML, its console and live XML read back, and libvirt.guest-smoke's
// verdicts (which cause, which fix).
#include "checks/guest_smoke.h"

#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

SmokeDomain domain_on(std::vector<std::string> bridges) {
    return {"kvm-agent-smoke-42-7", "/usr/libexec/kvm-host-agent/smoke-guest", "/srv/vm&co/kvm-agent-smoke-42-7.img",
            "/var/log/libvirt/qemu/kvm-agent-smoke-42-7.console", std::move(bridges)};
}

TEST(SmokeDomainXml, AsksForKvmOnlyWithOneNicPerBridgeAndEndsOnEveryLifecycleEvent) {
    const auto xml = smoke_domain_xml(domain_on({"br0", "br-storage"}));
    EXPECT_EQ(xml.rfind("<domain type='kvm'>", 0), 0u) << xml;
    EXPECT_EQ(xml.find("type='qemu'"), std::string::npos) << "never the emulator: " << xml;
    EXPECT_NE(xml.find("<name>kvm-agent-smoke-42-7</name>"), std::string::npos);
    EXPECT_NE(xml.find("<kernel>/usr/libexec/kvm-host-agent/smoke-guest</kernel>"), std::string::npos);
    EXPECT_NE(xml.find("<source file='/srv/vm&amp;co/kvm-agent-smoke-42-7.img'/>"), std::string::npos) << xml;
    EXPECT_NE(xml.find("<source bridge='br0'/>"), std::string::npos);
    EXPECT_NE(xml.find("<source bridge='br-storage'/>"), std::string::npos);
    EXPECT_LT(xml.find("br0"), xml.find("br-storage")) << "NICs in the order of the bridges";
    for (const char* event : {"on_poweroff", "on_reboot", "on_crash"})
        EXPECT_NE(xml.find(std::string("<") + event + ">destroy</" + event + ">"), std::string::npos) << event;
    EXPECT_NE(xml.find("<serial type='file'><source path='/var/log/libvirt/qemu/kvm-agent-smoke-42-7.console'/>"),
              std::string::npos);
}

TEST(SmokeDomainXml, WithoutBridgesHasNoNic) {
    EXPECT_EQ(smoke_domain_xml(domain_on({})).find("<interface"), std::string::npos);
}

TEST(SmokeObjects, AreKnownByTheirPrefix) {
    EXPECT_TRUE(is_smoke_object("kvm-agent-smoke-42-7.img"));
    EXPECT_FALSE(is_smoke_object("web01.qcow2"));
    EXPECT_FALSE(is_smoke_object("my-kvm-agent-smoke-1"));
}

TEST(SmokeConsole, GivesTheSignatureOnlyOnceTheLineIsComplete) {
    EXPECT_EQ(smoke_console_signature(""), std::nullopt);
    EXPECT_EQ(smoke_console_signature("kvm-host-agent smoke: hypervisor KVMK"), std::nullopt);
    EXPECT_EQ(smoke_console_signature("kvm-host-agent smoke: hypervisor KVMKVMKVM\n"), "KVMKVMKVM");
    EXPECT_EQ(smoke_console_signature("SeaBIOS noise\r\nkvm-host-agent smoke: hypervisor TCGTCGTCGTCG\n"),
              "TCGTCGTCGTCG");
    EXPECT_EQ(smoke_console_signature("kvm-host-agent smoke: hypervisor \n"), "");
    // A hostile console cannot hand the report a control character or a long story: twelve characters, escaped.
    EXPECT_EQ(smoke_console_signature("kvm-host-agent smoke: hypervisor \x1b[2Jxxxxxxxxxxxxxxxxxxxxx\n"),
              "\\x1b[2Jxxxxxxxx");
}

// --- libvirt.guest-smoke ---

GuestSmokeFacts booted(std::vector<std::string> bridges) {
    GuestSmokeFacts smoke;
    smoke.pool = "default";
    smoke.volume = "kvm-agent-smoke-42-7.img";
    smoke.domain = "kvm-agent-smoke-42-7";
    smoke.images_path = "/var/lib/libvirt/images";
    smoke.bridges = bridges;
    smoke.domain_type = "kvm";
    smoke.hypervisor = "KVMKVMKVM";
    for (std::size_t i = 0; i < bridges.size(); ++i)
        smoke.taps.push_back({"vnet" + std::to_string(i), bridges[i], bridges[i]});
    smoke.time_to_marker = std::chrono::milliseconds(1234);
    smoke.xml = smoke_domain_xml(domain_on(bridges));
    return smoke;
}

Expectations profile_with_bridges(std::vector<std::string> names) {
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    for (auto& name : names) expectations.bridges.push_back({std::move(name), std::nullopt, {}});
    return expectations;
}

TEST(GuestSmoke, PassesWhenAKvmGuestWroteItsLineWithEachTapInItsBridge) {
    StaticHostFacts facts;
    facts.guest_smoke_fact = booted({"br0"});
    const auto expectations = profile_with_bridges({"br0"});
    const auto outcome = run_check("libvirt.guest-smoke", facts, &expectations);
    EXPECT_OUTCOME(outcome, Status::pass, "a KVM guest (CPUID KVMKVMKVM) wrote its console line 1.2 s after start");
    EXPECT_OUTCOME(outcome, Status::pass, "on br0 (vnet0 in br0), its disk in pool default");
    EXPECT_OUTCOME(outcome, Status::pass, "XML: <domain type='kvm'><name>kvm-agent-smoke-42-7</name>");
    EXPECT_EQ(facts.guest_smoke_bridges, std::vector<std::string>{"br0"}) << "the profile's bridges";
}

TEST(GuestSmoke, WithoutAProfileTakesEveryBridgeOnTheHost) {
    StaticHostFacts facts;
    netconfig::NetworkState network;
    for (auto [name, type] : {std::pair{"eth0", netconfig::InterfaceType::ethernet},
                              {"br0", netconfig::InterfaceType::linux_bridge},
                              {"virbr0", netconfig::InterfaceType::linux_bridge}}) {
        netconfig::Interface interface;
        interface.name = *netconfig::IfName::make(name);
        interface.type = type;
        network.interfaces.push_back(interface);
    }
    facts.network_fact = network;
    facts.guest_smoke_fact = booted({"br0", "virbr0"});
    EXPECT_OUTCOME(run_check("libvirt.guest-smoke", facts), Status::pass, "on br0, virbr0");
    EXPECT_EQ(facts.guest_smoke_bridges, (std::vector<std::string>{"br0", "virbr0"}));
}

TEST(GuestSmoke, SaysWhatAnEarlierKilledRunLeftAndThatItIsGone) {
    StaticHostFacts facts;
    auto smoke = booted({});
    smoke.leftovers_removed = {"domain kvm-agent-smoke-9-1", "volume kvm-agent-smoke-9-1.img"};
    facts.guest_smoke_fact = smoke;
    EXPECT_OUTCOME(run_check("libvirt.guest-smoke", facts), Status::pass,
                   "removed what an earlier run left: domain kvm-agent-smoke-9-1, volume kvm-agent-smoke-9-1.img");
}

TEST(GuestSmoke, WarnsWhenItCouldNotRemoveWhatItMade) {
    StaticHostFacts facts;
    auto smoke = booted({});
    smoke.cleanup_failures = {"volume kvm-agent-smoke-42-7.img: Permission denied"};
    facts.guest_smoke_fact = smoke;
    const auto outcome = run_check("libvirt.guest-smoke", facts);
    EXPECT_OUTCOME(outcome, Status::warn, "left behind: volume kvm-agent-smoke-42-7.img: Permission denied");
    EXPECT_FIX_HAS(outcome, "virsh vol-delete");
}

GuestSmokeFacts failed_at(SmokeStep step, std::string error, std::vector<std::string> bridges = {"br0"}) {
    auto smoke = booted(bridges);
    smoke.domain_type.clear();
    smoke.hypervisor.clear();
    smoke.taps.clear();
    smoke.time_to_marker.reset();
    smoke.failed_step = step;
    smoke.error = std::move(error);
    return smoke;
}

Outcome judged(const GuestSmokeFacts& smoke, const Expectations* expectations = nullptr) {
    StaticHostFacts facts;
    facts.guest_smoke_fact = smoke;
    return run_check("libvirt.guest-smoke", facts, expectations);
}

// The messages below are libvirt 9's and QEMU 7's, as the system tier's guest printed them.
TEST(GuestSmoke, NamesNoKvmWhenLibvirtWouldOnlyEmulate) {
    const auto outcome = judged(failed_at(
        SmokeStep::start, "invalid argument: could not find capabilities for arch=x86_64 domaintype=kvm "));
    EXPECT_OUTCOME(outcome, Status::fail, "libvirt offers no KVM here: it would emulate the guest (TCG): start: ");
    EXPECT_FIX_HAS(outcome, "kvm_intel or kvm_amd");
    // libvirt 9.0 in the system tier's guest without virtualization extensions:
    const auto debian = judged(failed_at(
        SmokeStep::start, "invalid argument: could not get preferred machine for /usr/bin/qemu-system-x86_64 type=kvm"));
    EXPECT_OUTCOME(debian, Status::fail, "libvirt offers no KVM here: it would emulate the guest (TCG): start: ");
}

TEST(GuestSmoke, NamesDevKvmWhenQemuCannotOpenIt) {
    const auto outcome = judged(failed_at(SmokeStep::start,
                                          "internal error: process exited while connecting to monitor: "
                                          "Could not access KVM kernel module: Permission denied\n"
                                          "qemu-system-x86_64: failed to initialize kvm: Permission denied"));
    EXPECT_OUTCOME(outcome, Status::fail, "QEMU cannot open /dev/kvm under libvirt");
    EXPECT_FIX_HAS(outcome, "chgrp kvm /dev/kvm");
    EXPECT_FIX_HAS(outcome, "cgroup_device_acl");
}

TEST(GuestSmoke, NamesTheMissingBridgeAndThePlanThatBringsItBack) {
    const auto expectations = profile_with_bridges({"br7"});
    const auto outcome =
        judged(failed_at(SmokeStep::start, "Cannot get interface MTU on 'br7': No such device", {"br7"}), &expectations);
    EXPECT_OUTCOME(outcome, Status::fail, "bridge br7 is missing: start: Cannot get interface MTU on 'br7'");
    EXPECT_FIX_HAS(outcome, "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only network");
}

TEST(GuestSmoke, NamesTheImagesDirectorysLabelWhenQemuCannotOpenTheDisk) {
    const auto outcome = judged(failed_at(
        SmokeStep::start, "internal error: qemu unexpectedly closed the monitor: Could not open "
                 "'/var/lib/libvirt/images/kvm-agent-smoke-42-7.img': Permission denied"));
    EXPECT_OUTCOME(outcome, Status::fail, "QEMU cannot open a disk in /var/lib/libvirt/images");
    EXPECT_FIX_HAS(outcome, "semanage fcontext -a -t virt_image_t '/var/lib/libvirt/images(/.*)?'");
}

TEST(GuestSmoke, NamesThePoolWhenItCannotTakeTheVolume) {
    const auto outcome = judged(failed_at(SmokeStep::pool, "pool images is not active"));
    EXPECT_OUTCOME(outcome, Status::fail, "the images pool default cannot take the smoke volume");
    EXPECT_FIX_HAS(outcome, "virsh pool-start default");
}

TEST(GuestSmoke, SaysLibvirtCouldNotMakeTheVolumeRatherThanBlamingQemu) {
    // libvirt 9 under SELinux enforcing, the pool's directory labelled etc_t (the system tier's storage guest):
    const auto outcome = judged(failed_at(SmokeStep::volume,
                                          "creating a volume in pool default: Failed to create file "
                                          "'/var/lib/libvirt/images/kvm-agent-smoke-42-7.img': Permission denied"));
    EXPECT_OUTCOME(outcome, Status::fail,
                   "libvirt cannot create a volume in /var/lib/libvirt/images (pool default): volume: ");
    EXPECT_FIX_HAS(outcome, "semanage fcontext -a -t virt_image_t '/var/lib/libvirt/images(/.*)?'");
    EXPECT_FIX_HAS(outcome, "storage.selinux-context");
}

TEST(GuestSmoke, PointsAtQemusLogWhenTheGuestNeverWroteItsLine) {
    const auto outcome = judged(failed_at(SmokeStep::boot, "no console line within 60 s; QEMU's log ends: \"KVM internal error\""));
    EXPECT_OUTCOME(outcome, Status::fail, "the guest did not write its console line: boot: no console line");
    EXPECT_FIX_HAS(outcome, "--smoke-timeout");
}

TEST(GuestSmoke, NamesTheMissingSmokeGuest) {
    const auto outcome = judged(failed_at(SmokeStep::smoke_guest, "/usr/libexec/kvm-host-agent/smoke-guest: no such file"));
    EXPECT_OUTCOME(outcome, Status::fail, "the smoke guest is missing");
    EXPECT_FIX_HAS(outcome, "reinstall kvm-host-agent");
}

TEST(GuestSmoke, FailsAGuestThatRanWithoutKvm) {
    auto smoke = booted({});
    smoke.hypervisor = "TCGTCGTCGTCG";
    const auto outcome = judged(smoke);
    EXPECT_OUTCOME(outcome, Status::fail, "the guest ran without KVM (domain type kvm, CPUID signature \"TCGTCGTCGTCG\")");
}

TEST(GuestSmoke, FailsWhenATapWasNotAPortOfItsBridge) {
    auto smoke = booted({"br0"});
    smoke.taps[0].master.clear();
    const auto outcome = judged(smoke);
    EXPECT_OUTCOME(outcome, Status::fail, "the guest's NIC vnet0 was not a port of br0 (in no bridge)");
}

}  // namespace
}  // namespace checks
