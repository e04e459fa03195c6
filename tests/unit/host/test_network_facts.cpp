// HostFactsReader's network facts over the bonded-bridge fixture host: the persistent definitions (NetworkManager
// keyfiles, ifcfg files, libvirt networks) and /proc/net/bonding read through HostRoot; the observed network and
// firewalld's zones from the live services, asked once each. Then the four checks that judge them, end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/if.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "agent/doctor.h"
#include "host/host_facts_reader.h"
#include "host/netlink/observed_state.h"
#include "tests/support/fixture_root.h"
#include "tests/unit/checks/network_test_support.h"

namespace {

namespace fs = std::filesystem;
using checks::Fact;
using ::testing::HasSubstr;

class FakeNetwork : public host::NetworkReader {
public:
    explicit FakeNetwork(netconfig::NetworkState state) : m_state(std::move(state)) {}
    Fact<netconfig::NetworkState> observe() override {
        ++calls;
        std::this_thread::yield();
        return m_state;
    }
    std::atomic<int> calls = 0;

private:
    netconfig::NetworkState m_state;
};

class FakeFirewall : public host::Firewall {
public:
    Fact<checks::FirewallFacts> status() override { return checks::FirewallFacts{true, "RUNNING", "public", ""}; }
    Fact<checks::FirewallZoneFacts> zone(const std::string& name) override {
        ++zone_calls;
        std::this_thread::yield();  // more askers arrive while this one reads
        auto it = zones.find(name);
        if (it == zones.end()) return checks::FirewallZoneFacts{name, {}, {}};
        return it->second;
    }
    Fact<checks::InterfaceZone> zone_of_interface(const std::string&) override { return checks::InterfaceZone{}; }
    std::map<std::string, checks::FirewallZoneFacts> zones;
    std::atomic<int> zone_calls = 0;
};

const checks::NetworkDefinition* definition_of(const checks::NetworkDefinitions& found, const std::string& interface,
                                               const std::string& source) {
    for (const auto& definition : found.definitions)
        if (definition.interface == interface && definition.source == source) return &definition;
    return nullptr;
}

class NetworkFacts : public ::testing::Test {
protected:
    NetworkFacts()
        : m_root(tests::fixture_case("bonded-bridge")), m_network(checks::testing::bonded_bridge()) {
        m_live.network = &m_network;
        m_live.firewall = &m_firewall;
        checks::FirewallZoneConfig internal{true, {"br0"}, true, {"ssh"}, {"5900-5999/tcp"}};
        m_firewall.zones["internal"] = {"internal", internal, internal};
    }

    tests::FixtureRoot m_root;
    FakeNetwork m_network;
    FakeFirewall m_firewall;
    host::LiveServices m_live;
};

TEST_F(NetworkFacts, ReadsKeyfilesIfcfgFilesAndLibvirtNetworks) {
    const host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    const auto& read = reader.network_definitions();
    ASSERT_TRUE(read.has_value()) << read.reason();
    const auto& found = read.value();

    const auto* br0 = definition_of(found, "br0", "NetworkManager");
    ASSERT_NE(br0, nullptr);
    EXPECT_EQ(br0->path, "/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection");
    EXPECT_EQ(br0->type, "bridge");
    EXPECT_EQ(br0->zone, "internal");
    // Controllers and VLAN parents named by UUID become interface names.
    const auto* bond0 = definition_of(found, "bond0", "NetworkManager");
    ASSERT_NE(bond0, nullptr);
    EXPECT_EQ(bond0->controller, "br0");
    ASSERT_NE(definition_of(found, "nic2", "NetworkManager"), nullptr);
    EXPECT_EQ(definition_of(found, "nic2", "NetworkManager")->controller, "bond0");
    ASSERT_NE(definition_of(found, "br0.30", "NetworkManager"), nullptr) << "the VLAN over br0's UUID";
    const auto* installer = definition_of(found, "nic0", "NetworkManager");
    ASSERT_NE(installer, nullptr);
    EXPECT_EQ(installer->id, "Wired connection 1");
    EXPECT_EQ(installer->autoconnect_priority, -999);

    const auto* eth9 = definition_of(found, "eth9", "ifcfg");
    ASSERT_NE(eth9, nullptr);
    EXPECT_FALSE(eth9->autoconnect);
    EXPECT_EQ(definition_of(found, "bond0", "ifcfg"), nullptr) << "ifcfg-bond0.bak is a backup NetworkManager ignores";

    const auto* virbr0 = definition_of(found, "virbr0", "libvirt");
    ASSERT_NE(virbr0, nullptr);
    EXPECT_EQ(virbr0->id, "default");
    EXPECT_EQ(virbr0->path, "/etc/libvirt/qemu/networks/default.xml");
}

TEST_F(NetworkFacts, ReadsTheBondingDriversStatusOfABond) {
    const host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    const auto& bond0 = reader.bonding("bond0");
    ASSERT_TRUE(bond0.has_value()) << bond0.reason();
    EXPECT_EQ(bond0->active, "nic1");
    EXPECT_EQ(bond0->ports.size(), 2u);
    EXPECT_TRUE(reader.bonding("bond9").is_unavailable());
    EXPECT_THAT(reader.bonding("bond9").reason(), HasSubstr("no /proc/net/bonding/bond9"));
    const auto& escape = reader.bonding("../../etc/passwd");
    EXPECT_FALSE(escape.has_value());
    EXPECT_FALSE(escape.is_unavailable());
    EXPECT_THAT(escape.reason(), HasSubstr("is not a bond name"));
}

TEST_F(NetworkFacts, AsksEachLiveServiceOnceAndOnlyWhenAsked) {
    const host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    EXPECT_EQ(m_network.calls.load(), 0);
    EXPECT_TRUE(reader.network().has_value());
    EXPECT_TRUE(reader.network().has_value());
    EXPECT_EQ(m_network.calls.load(), 1);
    EXPECT_TRUE(reader.firewall_zone("internal").has_value());
    EXPECT_TRUE(reader.firewall_zone("internal").has_value());
    EXPECT_EQ(m_firewall.zone_calls.load(), 1);
}

// A zone kvm-agent's firewall step read moments before, with nothing changed since, is not asked again; the
// zones it did not read are.
TEST_F(NetworkFacts, AZoneTheRunAlreadyReadIsTakenAsRead) {
    host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    checks::ObservedFacts observed;
    checks::FirewallZoneConfig seen{true, {"br0"}, true, {}, {"5900-5999/tcp"}};
    observed.firewall_zones["internal"] = {"internal", seen, seen};
    reader.adopt(observed);
    const auto& internal = reader.firewall_zone("internal");
    ASSERT_TRUE(internal.has_value());
    EXPECT_TRUE(internal->runtime.services.empty()) << "the step's read, not the daemon's (which lists ssh)";
    EXPECT_EQ(m_firewall.zone_calls.load(), 0);
    EXPECT_TRUE(reader.firewall_zone("public").has_value());
    EXPECT_EQ(m_firewall.zone_calls.load(), 1);
    EXPECT_EQ(reader.firewall()->default_zone, "public") << "not read by the run: asked";

    host::HostFactsReader adopting(m_root, m_live, "/var/lib/libvirt/images", "default");
    observed.firewall = checks::FirewallFacts{true, "RUNNING", "internal", "", false};
    adopting.adopt(observed);
    EXPECT_EQ(adopting.firewall()->default_zone, "internal") << "the step's read, not the daemon's";
}

// libvirt's units as the libvirt step found them converged answer the libvirt.daemon check without asking systemd
// (this reader has no service manager: asked, it would have no answer).
TEST_F(NetworkFacts, LibvirtsUnitsTheRunAlreadyReadAreTakenAsRead) {
    host::HostFactsReader unasked(m_root, m_live, "/var/lib/libvirt/images", "default");
    EXPECT_TRUE(unasked.systemd().is_unavailable());

    host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    checks::ObservedFacts observed;
    observed.libvirt_units = checks::SystemdFacts{{{"libvirtd.service", {"loaded", "active", "enabled"}},
                                                   {"libvirtd.socket", {"loaded", "active", "enabled"}}}};
    reader.adopt(observed);
    ASSERT_TRUE(reader.systemd().has_value());
    const auto report = agent::run_doctor(reader, {"libvirt.daemon"}, nullptr);
    ASSERT_TRUE(report.ok()) << report.error().message;
    ASSERT_EQ(report->results.size(), 1u);
    EXPECT_EQ(checks::to_string(report->results[0].status), "PASS") << report->results[0].evidence;
    EXPECT_THAT(report->results[0].evidence, HasSubstr("libvirtd.service active/enabled"));
}

TEST_F(NetworkFacts, WithoutLiveServicesTheNetworkIsUnavailableButTheFilesAreRead) {
    const host::HostFactsReader reader(m_root, host::LiveServices{}, "/var/lib/libvirt/images", "default");
    EXPECT_TRUE(reader.network().is_unavailable());
    EXPECT_THAT(reader.network().reason(), HasSubstr("live services are not asked"));
    EXPECT_TRUE(reader.firewall_zone("internal").is_unavailable());
    EXPECT_TRUE(reader.network_definitions().has_value());
}

TEST_F(NetworkFacts, TheDoctorJudgesTheHostAgainstItsProfile) {
    const host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    auto expectations = checks::testing::bonded_bridge_profile();
    expectations.zones = {{"internal", {"br0"}, true, {"ssh"}, {"5900-5999/tcp"}}};
    const auto report =
        agent::run_doctor(reader, {"net.bridge", "net.bond", "net.persistent", "firewall.zones"}, &expectations);
    ASSERT_TRUE(report.ok()) << report.error().message;
    std::map<std::string, checks::CheckResult> by_id;
    for (const auto& result : report->results) by_id[result.id] = result;
    EXPECT_EQ(checks::to_string(by_id["net.bridge"].status), "PASS") << by_id["net.bridge"].evidence;
    EXPECT_EQ(checks::to_string(by_id["net.bond"].status), "PASS") << by_id["net.bond"].evidence;
    EXPECT_THAT(by_id["net.bond"].evidence, HasSubstr("active nic1"));
    EXPECT_EQ(checks::to_string(by_id["firewall.zones"].status), "PASS") << by_id["firewall.zones"].evidence;
    // The VLAN keyfile over br0 comes up at boot, but br0.30 does not run now.
    EXPECT_EQ(checks::to_string(by_id["net.persistent"].status), "WARN") << by_id["net.persistent"].evidence;
    EXPECT_THAT(by_id["net.persistent"].evidence,
                HasSubstr("guests-vlan.nmconnection (\"guests-vlan\") brings up vlan br0.30 at boot, which does not "
                          "exist now"));
    EXPECT_THAT(by_id["net.persistent"].evidence, ::testing::Not(HasSubstr("bond0 (bond)")));
}

// The carrier the bridge and bond checks judge is the kernel's IFF_LOWER_UP, apart from IFF_UP.
TEST(ObservedCarrier, IsTheLowerUpFlag) {
    host::netlink::LinkMessage with, without, down;
    with.index = 2, with.name = "nic1", with.flags = IFF_UP | IFF_LOWER_UP | IFF_RUNNING;
    without.index = 3, without.name = "nic2", without.flags = IFF_UP;
    down.index = 4, down.name = "nic3", down.flags = 0;
    const auto state = host::netlink::assemble_state({with, without, down}, {}, {});
    ASSERT_EQ(state.interfaces.size(), 3u);
    EXPECT_EQ(state.interfaces[0].carrier, true);
    EXPECT_EQ(state.interfaces[1].carrier, false);
    EXPECT_EQ(state.interfaces[1].state, netconfig::InterfaceState::up);
    EXPECT_EQ(state.interfaces[2].carrier, false);
    EXPECT_EQ(state.interfaces[2].state, netconfig::InterfaceState::down);
}

TEST(NetworkFactsHostile, AnUnreadableKeyfileIsAReadErrorNamingIt) {
    const auto dir = fs::temp_directory_path() / ("kvm-network-facts-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    tests::flatten_case(tests::fixture_case("bonded-bridge"), dir);
    std::ofstream(dir / "etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection", std::ios::trunc)
        << std::string("[connection]\n\0\0\0binary", 20);
    const tests::FixtureRoot root(dir.string());
    const host::HostFactsReader reader(root, host::LiveServices{}, "/var/lib/libvirt/images", "default");
    const auto& read = reader.network_definitions();
    EXPECT_FALSE(read.has_value());
    EXPECT_FALSE(read.is_unavailable());
    EXPECT_THAT(read.reason(), HasSubstr("kvm-agent-br0.nmconnection"));
    fs::remove_all(dir);
}

// The doctor's checks run side by side: facts asked from many threads at once are read once, and every asker gets
// the same answer.
TEST_F(NetworkFacts, AFactAskedFromManyThreadsAtOnceIsReadOnce) {
    const host::HostFactsReader reader(m_root, m_live, "/var/lib/libvirt/images", "default");
    std::vector<const void*> zones(8), networks(8);
    std::vector<std::thread> askers;
    for (std::size_t i = 0; i < zones.size(); ++i)
        askers.emplace_back([&, i] {
            zones[i] = &reader.firewall_zone("internal");
            networks[i] = &reader.network();
        });
    for (auto& asker : askers) asker.join();
    EXPECT_EQ(m_firewall.zone_calls.load(), 1);
    EXPECT_EQ(m_network.calls.load(), 1);
    for (std::size_t i = 1; i < zones.size(); ++i) {
        EXPECT_EQ(zones[i], zones[0]);
        EXPECT_EQ(networks[i], networks[0]);
    }
}

}  // namespace
