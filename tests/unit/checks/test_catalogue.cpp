#include "checks/catalogue.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using testing::run_check;

TEST(Catalogue, HasUniqueNonEmptyIdsAndTitles) {
    std::set<std::string_view> ids;
    for (const auto& spec : catalogue()) {
        EXPECT_FALSE(spec.id.empty());
        EXPECT_FALSE(spec.title.empty()) << spec.id;
        EXPECT_NE(spec.judge == nullptr, spec.profile_judge == nullptr) << spec.id << ": exactly one judge";
        EXPECT_TRUE(ids.insert(spec.id).second) << "duplicate id " << spec.id;
    }
    EXPECT_EQ(ids.size(), 33u) << "a check was added or removed: update the tests that cover every id";
}

TEST(Catalogue, KeepsTheReportOrderStartingWithTheCpu) {
    ASSERT_GE(catalogue().size(), 3u);
    EXPECT_EQ(catalogue().front().id, "cpu.virt-extensions");
    EXPECT_EQ(catalogue()[1].id, "cpu.64bit");
    EXPECT_EQ(catalogue().back().id, "libvirt.guest-smoke") << "the proof by a guest comes last";
    for (const auto& spec : catalogue()) EXPECT_EQ(spec.opt_in, spec.id == "libvirt.guest-smoke") << spec.id;
}

TEST(FindCheck, FindsAKnownIdAndItsJudge) {
    const auto* spec = find_check("net.ip-forward");
    ASSERT_NE(spec, nullptr);
    EXPECT_EQ(spec->id, "net.ip-forward");
    EXPECT_EQ(spec->judge, &judge_net_ip_forward);
}

TEST(FindCheck, ReturnsNullForUnknownOrPartialIds) {
    EXPECT_EQ(find_check("no.such-check"), nullptr);
    EXPECT_EQ(find_check("net.ip"), nullptr);
    EXPECT_EQ(find_check(""), nullptr);
    EXPECT_EQ(find_check("NET.IP-FORWARD"), nullptr);
}

// A profile with one of everything the profile-aware checks judge.
const Expectations& some_expectations() {
    static const Expectations k_expectations{"/etc/kvm-agent/host.yaml",
                                             {{"br0", std::vector<std::string>{"bond0"}, {"192.0.2.10/24"}}},
                                             {{"bond0", "active-backup", 100u, std::vector<std::string>{"nic1", "nic2"}}},
                                             {{"internal", {"br0"}, true, {"ssh"}, {"5900-5999/tcp"}}},
                                             ExpectedImages{"/srv/vm", "images", 1ULL << 30, "virt_image_t", true},
                                             true};
    return k_expectations;
}

TEST(Catalogue, TheNetworkFirewallStorageAndPoolChecksJudgeAgainstTheProfile) {
    std::set<std::string_view> profile_aware;
    for (const auto& spec : catalogue())
        if (spec.profile_judge) profile_aware.insert(spec.id);
    EXPECT_EQ(profile_aware, (std::set<std::string_view>{"net.bridge", "net.bond", "firewall.zones",
                                                         "libvirt.default-network", "libvirt.storage-pool",
                                                         "storage.images-space", "storage.mount-persistent",
                                                         "storage.selinux-context", "libvirt.guest-smoke"}));
}

// Without a profile the checks that need one SKIP and say how to give one; net.bond judges the host's bonds.
TEST(EveryCheck, ThatNeedsAProfileSkipsWithoutOne) {
    StaticHostFacts facts;
    facts.network_fact = netconfig::NetworkState{};
    facts.firewall_fact = FirewallFacts{true, "RUNNING", "public", ""};
    for (const char* id : {"net.bridge", "firewall.zones"})
        EXPECT_OUTCOME(run_check(id, facts), Status::skip, "no profile: run with --profile FILE or from kvm-agent apply");
    EXPECT_OUTCOME(run_check("net.bond", facts), Status::skip, "no bonds on this host; no profile");
}

// Nothing collected: every check SKIPs with the fact's reason instead of guessing.
TEST(EveryCheck, SkipsWhenItsFactsWereNotCollected) {
    StaticHostFacts facts;
    for (const auto& spec : catalogue()) {
        const Outcome outcome = spec.run(facts, &some_expectations());
        EXPECT_EQ(outcome.status, Status::skip) << spec.id << ": " << testing::describe(outcome);
        EXPECT_NE(outcome.evidence.find("not collected"), std::string::npos) << spec.id << ": " << outcome.evidence;
    }
}

TEST(EveryCheck, SkipsWithTheUnavailableReason) {
    StaticHostFacts facts;
    const Unavailable why{"--root given: no live services"};
    facts.libvirt_fact = why;
    facts.kvm_probe_fact = why;
    EXPECT_OUTCOME(run_check("libvirt.connection", facts), Status::skip, "--root given: no live services");
    EXPECT_OUTCOME(run_check("kvm.functional", facts), Status::skip, "--root given: no live services");
}

// The first fact each check needs, made unreadable: that check (and only that) is ERROR.
const std::map<std::string, std::function<void(StaticHostFacts&, ReadError)>>& unreadable_primary_fact() {
    static const std::map<std::string, std::function<void(StaticHostFacts&, ReadError)>> k_table = {
        {"cpu.virt-extensions", [](auto& f, auto e) { f.cpuinfo_fact = e; }},
        {"cpu.64bit", [](auto& f, auto e) { f.cpuinfo_fact = e; }},
        {"cpu.virt-disabled-by-firmware", [](auto& f, auto e) { f.cpuinfo_fact = e; }},
        {"kernel.kvm-modules", [](auto& f, auto e) { f.kernel_modules_fact = e; }},
        {"dev.kvm.exists", [](auto& f, auto e) { f.device_facts["/dev/kvm"] = e; }},
        {"dev.kvm.access", [](auto& f, auto e) { f.device_facts["/dev/kvm"] = e; }},
        {"dev.vhost-net", [](auto& f, auto e) { f.device_facts["/dev/vhost-net"] = e; }},
        {"dev.net-tun", [](auto& f, auto e) { f.device_facts["/dev/net/tun"] = e; }},
        {"kvm.functional", [](auto& f, auto e) { f.kvm_probe_fact = e; }},
        {"kvm.nested", [](auto& f, auto e) { f.kernel_modules_fact = e; }},
        {"cgroups.controllers", [](auto& f, auto e) { f.cgroups_fact = e; }},
        {"iommu", [](auto& f, auto e) { f.iommu_fact = e; }},
        {"secure-guest", [](auto& f, auto e) { f.kernel_modules_fact = e; }},
        {"host.memory", [](auto& f, auto e) { f.meminfo_fact = e; }},
        {"host.os", [](auto& f, auto e) { f.os_release_fact = e; }},
        {"libvirt.daemon", [](auto& f, auto e) { f.systemd_fact = e; }},
        {"libvirt.connection", [](auto& f, auto e) { f.libvirt_fact = e; }},
        {"libvirt.default-network", [](auto& f, auto e) { f.libvirt_fact = e; }},
        {"libvirt.storage-pool", [](auto& f, auto e) { f.libvirt_fact = e; }},
        {"libvirt.autostart-disks", [](auto& f, auto e) { f.domain_definitions_fact = e; }},
        {"libvirt.domain-acpi", [](auto& f, auto e) { f.domain_definitions_fact = e; }},
        {"qemu.vnc-listen", [](auto& f, auto e) { f.qemu_conf_fact = e; }},
        {"net.ip-forward", [](auto& f, auto e) { f.sysctl_facts["net.ipv4.ip_forward"] = e; }},
        {"net.br-netfilter", [](auto& f, auto e) { f.kernel_modules_fact = e; }},
        {"firewall.running", [](auto& f, auto e) { f.firewall_fact = e; }},
        {"firewall.zones", [](auto& f, auto e) { f.firewall_fact = e; }},
        {"net.bridge", [](auto& f, auto e) { f.network_fact = e; }},
        {"net.bond", [](auto& f, auto e) { f.network_fact = e; }},
        {"net.persistent", [](auto& f, auto e) { f.network_fact = e; }},
        {"storage.images-space", [](auto& f, auto e) { f.images_dir_fact = e; }},
        {"storage.mount-persistent", [](auto& f, auto e) { f.images_dir_fact = e; }},
        {"storage.selinux-context", [](auto& f, auto e) { f.selinux_fact = e; }},
        {"libvirt.guest-smoke", [](auto& f, auto e) { f.guest_smoke_fact = e; }},
    };
    return k_table;
}

TEST(EveryCheck, IsErrorWhenItsFirstFactIsUnreadable) {
    for (const auto& spec : catalogue()) {
        auto it = unreadable_primary_fact().find(std::string(spec.id));
        ASSERT_NE(it, unreadable_primary_fact().end()) << "no ERROR case for " << spec.id;
        StaticHostFacts facts;
        it->second(facts, ReadError{"cannot read it: Input/output error"});
        const Outcome outcome = spec.run(facts, &some_expectations());
        EXPECT_EQ(outcome.status, Status::error) << spec.id << ": " << testing::describe(outcome);
        EXPECT_EQ(outcome.evidence, "cannot read it: Input/output error") << spec.id;
        EXPECT_NE(outcome.fix.find("make the input readable"), std::string::npos) << spec.id;
    }
    EXPECT_EQ(unreadable_primary_fact().size(), catalogue().size()) << "the table names a check that is gone";
}

}  // namespace
}  // namespace checks
