#include "netconfig/plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "netconfig/plan_json.h"
#include "profile/profile.h"
#include "tests/unit/netconfig/plan_test_support.h"

namespace netconfig {
namespace {

using namespace netconfig::testing;
using Lines = std::vector<std::string>;

NetworkState desired_from_fixture(const std::string& name) {
    const auto path = std::filesystem::path(KVM_FIXTURES_DIR) / "profiles" / "good" / name;
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    auto loaded = profile::parse_profile(text.str(), name);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return loaded->network->desired;
}

Lines plan_lines(const NetworkState& desired, const NetworkState& observed) {
    const auto planned = plan(desired, observed);
    if (!planned) return {"ERROR " + planned.error().message};
    return lines(*planned);
}

// What a rollback must restore, comparable: per interface its type, state, MTU, MAC, controller and
// addresses; the routes that are not the kernel's.
std::string summary(const NetworkState& state) {
    std::ostringstream out;
    for (const auto& iface : state.interfaces) {
        out << iface.name.str() << " " << (iface.type ? to_string(*iface.type) : "?") << " "
            << (iface.state ? to_string(*iface.state) : "?") << " mtu " << iface.mtu.value_or(0) << " mac "
            << (iface.mac_address ? iface.mac_address->to_string() : "-") << " in "
            << (iface.controller ? iface.controller->str() : "-");
        for (const auto* ip : {&iface.ipv4, &iface.ipv6})
            if (ip->addresses)
                for (const auto& a : *ip->addresses) out << " " << a.to_string();
        out << "\n";
    }
    std::vector<std::string> routes;
    for (const auto& r : state.routes)
        if (r.protocol != "kernel")
            routes.push_back(r.destination.to_string() + " via " +
                             (r.next_hop_address ? r.next_hop_address->to_string() : "-") + " dev " +
                             (r.next_hop_interface ? r.next_hop_interface->str() : "-") + " metric " +
                             std::to_string(r.metric.value_or(0)));
    std::sort(routes.begin(), routes.end());
    for (const auto& r : routes) out << r << "\n";
    return out.str();
}

// Interfaces sorted by name: a rollback re-creates nothing, but simulation appends what it creates.
NetworkState sorted(NetworkState state) {
    std::sort(state.interfaces.begin(), state.interfaces.end(),
              [](const Interface& a, const Interface& b) { return a.name < b.name; });
    return state;
}

TEST(NetconfigPlan, MovesTheAddressAndDefaultRouteFromANicToANewBridgeOverIt) {
    EXPECT_EQ(plan_lines(desired_from_fixture("bridge-over-nic.yaml"), single_homed_host()),
              (Lines{
                  "create bridge br0 (stp on, forward-delay 4, hello-time 2, max-age 20, priority 32768, "
                  "mac-address 52:54:00:00:00:01)",
                  "add address 192.0.2.10/24 to br0",
                  "add address 2001:db8::10/64 to br0",
                  "make eno1 a port of br0",
                  "set port eno1 of br0 stp-path-cost 100, stp-priority 32",
                  "set br0 up",
                  "replace route 0.0.0.0/0 via 192.0.2.1 dev br0 metric 100",
                  "add route ::/0 via 2001:db8::1 dev br0",
                  "remove address 192.0.2.10/24 from eno1",
              }));
}

TEST(NetconfigPlan, BuildsTheDesignExampleBondUnderABridgeWithAVlan) {
    EXPECT_EQ(plan_lines(desired_from_fixture("design-example.yaml"), single_homed_host()),
              (Lines{
                  "create bond bond0 (mode active-backup, miimon 100, mac-address 52:54:00:00:00:01)",
                  "create bridge br0 (stp off, mac-address 52:54:00:00:00:01)",
                  "create vlan br0.20 (id 20 on br0)",
                  "add address 192.0.2.10/24 to br0",
                  "set eno1 down",
                  "make eno1 a port of bond0",
                  "make eno2 a port of bond0",
                  "make bond0 a port of br0",
                  "set eno1 up",
                  "set eno2 up",
                  "set bond0 up",
                  "set br0 up",
                  "set br0.20 up",
                  "add route 0.0.0.0/0 via 192.0.2.1 dev br0",
                  "remove address 192.0.2.10/24 from eno1",
              }));
}

TEST(NetconfigPlan, BuildsTwoBondsUnderTwoBridgesLowerLayersFirst) {
    auto host = single_homed_host();
    auto old = observed("virbr9", InterfaceType::linux_bridge, "52:54:00:99:99:99");
    host.interfaces.push_back(old);
    host.routes.push_back(route("192.168.0.0/16", "192.0.2.254", "eno1", 0, "static"));
    EXPECT_EQ(plan_lines(desired_from_fixture("two-bonds-two-bridges.yaml"), host),
              (Lines{
                  "create bond bond0 (mode 802.3ad, miimon 100, updelay 200, downdelay 200, lacp_rate fast, "
                  "xmit_hash_policy layer3+4, mac-address 52:54:00:00:00:01)",
                  "create bond bond1 (mode balance-alb, miimon 100, primary eno3, mac-address 52:54:00:00:00:03)",
                  "create bridge br-guests (stp off)",
                  "create bridge br-storage",
                  "create vlan mgmt (id 100 on br-guests)",
                  "set mtu of bond1 to 9000",
                  "set mtu of br-storage to 9000",
                  "add address 198.51.100.2/25 to br-guests",
                  "add address 203.0.113.2/24 to br-storage",
                  "add address 10.0.100.2/24 to mgmt",
                  "set eno1 down",
                  "make eno1 a port of bond0",
                  "make eno2 a port of bond0",
                  "make eno3 a port of bond1",
                  "make eno4 a port of bond1",
                  "make bond0 a port of br-guests",
                  "make bond1 a port of br-storage",
                  "set eno1 up",
                  "set eno2 up",
                  "set bond0 up",
                  "set eno3 up",
                  "set eno4 up",
                  "set bond1 up",
                  "set br-guests up",
                  "set br-storage up",
                  "set mgmt up",
                  "add route 0.0.0.0/0 via 198.51.100.1 dev br-guests",
                  "add route 10.20.0.0/16 via 10.0.100.1 dev mgmt table 100",
                  "remove address 192.0.2.10/24 from eno1",
                  "delete virbr9",
              }))
        << "the 192.168.0.0/16 route went with eno1 going down";
}

class EveryGoodProfile : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryGoodProfile, ConvergesSoThatReplanningYieldsNoSteps) {
    const auto desired = desired_from_fixture(GetParam());
    auto state = single_homed_host();
    const auto first = plan(desired, state);
    ASSERT_TRUE(first.ok()) << first.error().message;
    ASSERT_FALSE(first->empty());
    simulate(state, first->steps);
    EXPECT_EQ(plan_lines(desired, state), Lines{});
}

TEST_P(EveryGoodProfile, RollsBackToTheStateBefore) {
    const auto before = single_homed_host();
    auto after = before;
    simulate(after, plan(desired_from_fixture(GetParam()), before)->steps);
    const auto back = rollback_plan(before, after);
    ASSERT_TRUE(back.ok()) << back.error().message;
    simulate(after, back->steps);
    EXPECT_EQ(summary(sorted(after)), summary(sorted(before)));
    EXPECT_EQ(plan_lines(rollback_target(before, after), after), Lines{}) << "the rollback converged";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EveryGoodProfile,
                         ::testing::Values("design-example.yaml", "bridge-over-nic.yaml",
                                           "two-bonds-two-bridges.yaml"));

TEST(NetconfigPlan, RollbackRestoresTheAddressBeforeTheNicLeavesTheBridge) {
    const auto before = single_homed_host();
    auto after = before;
    simulate(after, plan(desired_from_fixture("bridge-over-nic.yaml"), before)->steps);
    EXPECT_EQ(plan_lines(rollback_target(before, after), after),
              (Lines{
                  "add address 192.0.2.10/24 to eno1",
                  "release eno1 from br0",
                  "replace route 0.0.0.0/0 via 192.0.2.1 dev eno1 metric 100",
                  "remove route ::/0 via 2001:db8::1 dev br0",
                  "delete br0",
              }));
}

TEST(NetconfigPlan, RollbackOfAnUnchangedHostIsEmpty) {
    EXPECT_EQ(plan_lines(rollback_target(single_homed_host(), single_homed_host()), single_homed_host()), Lines{});
}

TEST(NetconfigPlan, AnEmptyDesiredStateChangesNothing) {
    EXPECT_EQ(plan_lines(NetworkState{}, single_homed_host()), Lines{});
}

TEST(NetconfigPlan, ChangesABondModeOnlyWhileItIsDownAndEmpty) {
    auto host = single_homed_host();
    auto bond = observed("bond0", InterfaceType::bond, "52:54:00:00:00:03");
    bond.bond->mode = BondMode::active_backup;
    bond.bond->options.miimon = 100;
    bond.bond->ports = {IfName("eno3"), IfName("eno4")};
    host.interfaces.push_back(bond);
    for (auto* port : {host.find(IfName("eno3")), host.find(IfName("eno4"))}) {
        port->controller = IfName("bond0");
        port->state = InterfaceState::up;
    }
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: bond0
    type: bond
    link-aggregation:
      mode: 802.3ad
      options: {miimon: 100, lacp_rate: fast}
      port: [eno3, eno4]
)");
    EXPECT_EQ(plan_lines(desired, host), (Lines{
                                             "set bond0 down",
                                             "release eno3 from bond0",
                                             "release eno4 from bond0",
                                             "set bond bond0 mode 802.3ad, lacp_rate fast",
                                             "make eno3 a port of bond0",
                                             "make eno4 a port of bond0",
                                             "set eno3 up",
                                             "set eno4 up",
                                             "set bond0 up",
                                         }));
}

TEST(NetconfigPlan, ChangesOnlyTheOptionsThatDiffer) {
    auto host = single_homed_host();
    auto bridge = observed("br0", InterfaceType::linux_bridge, "52:54:00:00:00:01");
    bridge.bridge->options.stp = {false, 15, 2, 20, 32768};
    bridge.bridge->ports->push_back({IfName("eno2"), 100, 32});
    host.find(IfName("eno2"))->controller = IfName("br0");
    host.find(IfName("eno2"))->state = InterfaceState::up;
    host.interfaces.push_back(bridge);
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: br0
    type: linux-bridge
    bridge:
      options: {stp: {enabled: true, forward-delay: 15, priority: 4096}}
      port: [{name: eno2, stp-path-cost: 100, stp-priority: 16}]
)");
    EXPECT_EQ(plan_lines(desired, host), (Lines{
                                             "set bridge br0 stp on, priority 4096",
                                             "set port eno2 of br0 stp-priority 16",
                                         }));
}

TEST(NetconfigPlan, ReleasesPortsAnExactListNoLongerNamesAndDeletesAbsentMastersAfterTheirPorts) {
    auto host = single_homed_host();
    auto bridge = observed("br0", InterfaceType::linux_bridge, "52:54:00:00:00:02");
    auto old = observed("br1", InterfaceType::linux_bridge, "52:54:00:00:00:04");
    for (const char* port : {"eno2", "eno3"}) {
        host.find(IfName(port))->controller = IfName("br0");
        bridge.bridge->ports->push_back({IfName(port), std::nullopt, std::nullopt});
    }
    host.find(IfName("eno4"))->controller = IfName("br1");
    old.bridge->ports->push_back({IfName("eno4"), std::nullopt, std::nullopt});
    host.interfaces.push_back(bridge);
    host.interfaces.push_back(old);
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - {name: br0, type: linux-bridge, state: up, bridge: {port: [{name: eno2}]}}
  - {name: br1, type: linux-bridge, state: absent}
)");
    EXPECT_EQ(plan_lines(desired, host), (Lines{
                                             "release eno4 from br1",
                                             "release eno3 from br0",
                                             "set eno2 up",
                                             "delete br1",
                                         }));
}

TEST(NetconfigPlan, UnconfiguresAnAbsentNicInsteadOfDeletingIt) {
    const auto desired = desired_from_yaml("  interfaces: [{name: eno1, state: absent}]\n");
    EXPECT_EQ(plan_lines(desired, single_homed_host()), (Lines{
                                                            "remove address 192.0.2.10/24 from eno1",
                                                            "set eno1 down",
                                                        }));
}

TEST(NetconfigPlan, DeletesAVethPairOnce) {
    auto host = single_homed_host();
    auto a = observed("veth0", InterfaceType::veth, "52:54:00:00:00:0a");
    a.veth = VethConfig{IfName("veth1")};
    auto b = observed("veth1", InterfaceType::veth, "52:54:00:00:00:0b");
    b.veth = VethConfig{IfName("veth0")};
    host.interfaces.push_back(a);
    host.interfaces.push_back(b);
    const auto desired = desired_from_yaml(
        "  interfaces: [{name: veth0, state: absent}, {name: veth1, state: absent}]\n");
    EXPECT_EQ(plan_lines(desired, host), (Lines{"delete veth1"}));
}

TEST(NetconfigPlan, CreatesAVethPairOnceAndBridgesOneEnd) {
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - {name: v0, type: veth, veth: {peer: v0p}}
  - {name: v0p, type: veth, veth: {peer: v0}}
  - {name: br0, type: linux-bridge, bridge: {port: [{name: v0}]}, ipv4: {address: [{ip: 10.0.0.1, prefix-length: 24}]}}
)");
    EXPECT_EQ(plan_lines(desired, single_homed_host()), (Lines{
                                                            "create veth pair v0 and v0p",
                                                            "create bridge br0",
                                                            "add address 10.0.0.1/24 to br0",
                                                            "make v0 a port of br0",
                                                            "set v0 up",
                                                            "set v0p up",
                                                            "set br0 up",
                                                        }));
}

TEST(NetconfigSimulate, ADeletionTakesTheLinksVlansAndVethPeerAndKeepsTheRestInOrder) {
    auto host = single_homed_host();
    auto bond = observed("bond0", InterfaceType::bond, "52:54:00:00:00:0c");
    bond.bond->ports->push_back(IfName("eno2"));
    host.interfaces[2].controller = IfName("bond0");  // eno2
    auto vlan = observed("bond0.10", InterfaceType::vlan, "52:54:00:00:00:0c");
    vlan.vlan = VlanConfig{IfName("bond0"), 10};
    auto a = observed("veth0", InterfaceType::veth, "52:54:00:00:00:0a");
    a.veth = VethConfig{IfName("veth1")};
    auto b = observed("veth1", InterfaceType::veth, "52:54:00:00:00:0b");
    b.veth = VethConfig{IfName("veth0")};
    host.interfaces.insert(host.interfaces.begin() + 3, {bond, vlan, a, b});  // before eno3 and eno4
    host.routes.push_back(route("198.51.100.0/24", "", "bond0.10", 0, "static"));

    Step remove_bond;
    remove_bond.kind = StepKind::delete_link;
    remove_bond.name = IfName("bond0");
    auto remove_veth = remove_bond;
    remove_veth.name = IfName("veth1");
    simulate(host, {remove_bond, remove_veth});

    std::vector<std::string> names;
    for (const auto& iface : host.interfaces) names.push_back(iface.name.str());
    EXPECT_EQ(names, (Lines{"lo", "eno1", "eno2", "eno3", "eno4"}));
    EXPECT_FALSE(host.find(IfName("eno2"))->controller);
    EXPECT_TRUE(std::none_of(host.routes.begin(), host.routes.end(), [](const Route& r) {
        return r.next_hop_interface == IfName("bond0.10");
    }));
}

// Not a state the kernel reports, but simulate() takes any: a deletion takes every interface of the name.
TEST(NetconfigSimulate, ADeletionTakesEveryInterfaceOfTheName) {
    NetworkState state;
    state.interfaces = {observed("veth0", InterfaceType::veth, "52:54:00:00:00:01"),
                        observed("eth1", InterfaceType::ethernet, "52:54:00:00:00:02"),
                        observed("veth0", InterfaceType::veth, "52:54:00:00:00:03")};
    Step remove;
    remove.kind = StepKind::delete_link;
    remove.name = IfName("veth0");
    simulate(state, {remove});
    ASSERT_EQ(state.interfaces.size(), 1u);
    EXPECT_EQ(state.interfaces[0].name, IfName("eth1"));
}

// Thousands of interfaces, as in bench_plan_scale (which times them): the indexes the planner keeps while it
// walks the state must give the plan, the convergence and the rollback a scan would.
TEST(NetconfigPlan, ThousandsOfBridgesConvergeAndRollBack) {
    constexpr int k_bridges = 2000;
    NetworkState before;
    NetworkState desired;
    for (int i = 0; i < k_bridges; ++i) {
        before.interfaces.push_back(observed("veth" + std::to_string(i), InterfaceType::veth, "52:54:00:00:10:00", {},
                                             InterfaceState::down));
        Interface bridge;
        bridge.name = IfName("br" + std::to_string(i));
        bridge.type = InterfaceType::linux_bridge;
        bridge.ipv4.addresses = std::vector{address("10." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ".1", 24)};
        bridge.bridge.emplace().ports = std::vector{BridgePort{IfName("veth" + std::to_string(i)), std::nullopt, std::nullopt}};
        desired.interfaces.push_back(bridge);
    }
    const auto first = plan(desired, before);
    ASSERT_TRUE(first) << first.error().message;
    ASSERT_EQ(first->steps.size(), 5u * k_bridges);
    // Bridges are created before any port joins; the last bridge's port joins after its creation.
    const auto index_of = [&](const std::string& line) {
        const auto all = lines(*first);
        return std::find(all.begin(), all.end(), line) - all.begin();
    };
    EXPECT_LT(index_of("create bridge br1999"), index_of("make veth0 a port of br0"));
    EXPECT_LT(index_of("make veth1999 a port of br1999"), index_of("set veth1999 up"));

    auto after = before;
    simulate(after, first->steps);
    ASSERT_EQ(after.interfaces.size(), 2u * k_bridges);
    EXPECT_EQ(after.find(IfName("veth1234"))->controller, IfName("br1234"));
    const auto again = plan(desired, after);
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->empty()) << lines(*again).front();

    const auto back = rollback_plan(before, after);
    ASSERT_TRUE(back) << back.error().message;
    simulate(after, back->steps);
    ASSERT_EQ(after.interfaces.size(), before.interfaces.size());
    const auto residual = plan(rollback_target(before, before), after);
    ASSERT_TRUE(residual);
    EXPECT_TRUE(residual->empty()) << lines(*residual).front();
}

struct AddressCase {
    const char* what;
    const char* ipv4;
    Lines expected;
};

class StaticAddresses : public ::testing::TestWithParam<AddressCase> {};

TEST_P(StaticAddresses, AreExactOnlyWhereTheProfileManagesThemStatically) {
    auto host = single_homed_host();
    auto& eno2 = *host.find(IfName("eno2"));
    eno2.state = InterfaceState::up;
    eno2.ipv4.addresses = {address("198.51.100.5", 24), address("198.51.100.6", 24),
                           address("198.51.100.7", 24, true)};
    const auto desired = desired_from_yaml(std::string("  interfaces:\n  - name: eno2\n    ipv4: ") + GetParam().ipv4 + "\n");
    EXPECT_EQ(plan_lines(desired, host), GetParam().expected) << GetParam().what;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, StaticAddresses,
    ::testing::Values(
        AddressCase{"static list: others go, the DHCP lease stays",
                    "{address: [{ip: 198.51.100.5, prefix-length: 24}]}",
                    {"remove address 198.51.100.6/24 from eno2"}},
        AddressCase{"DHCP on: listed ones are added, nothing removed",
                    "{dhcp: true, address: [{ip: 198.51.100.9, prefix-length: 24}]}",
                    {"add address 198.51.100.9/24 to eno2"}},
        AddressCase{"no list: addresses left alone", "{enabled: true}", {}},
        AddressCase{"disabled: every address goes",
                    "{enabled: false}",
                    {"remove address 198.51.100.5/24 from eno2", "remove address 198.51.100.6/24 from eno2",
                     "remove address 198.51.100.7/24 from eno2"}},
        AddressCase{"same prefix length matters",
                    "{address: [{ip: 198.51.100.5, prefix-length: 25}, {ip: 198.51.100.6, prefix-length: 24}]}",
                    {"add address 198.51.100.5/25 to eno2", "remove address 198.51.100.5/24 from eno2"}}));

TEST(NetconfigPlan, LeavesUnlistedInterfacesAlone) {
    auto host = single_homed_host();
    host.find(IfName("eno2"))->ipv4.addresses = {address("198.51.100.5", 24)};
    const auto desired = desired_from_yaml("  interfaces: [{name: eno3, mtu: 9000}]\n");
    EXPECT_EQ(plan_lines(desired, host), (Lines{"set mtu of eno3 to 9000", "set eno3 up"}));
}

// nmstate's ipv6.enabled false is the link's own IPv6 switch: its addresses and IPv6 routes go with it, in one
// step, and a rollback switches it back on before the addresses return.
TEST(NetconfigPlan, Ipv6EnabledFalseSwitchesIpv6OffOnTheLinkAndARollbackSwitchesItBackOn) {
    auto before = single_homed_host();
    before.find(IfName("eno1"))->ipv6.addresses = {address("2001:db8::10", 64)};
    before.routes.push_back(route("::/0", "fe80::1", "eno1", 1024, "ra"));
    before.routes.push_back(route("2001:db8:1::/48", "2001:db8::1", "eno1", 1024, "boot"));
    const auto desired = desired_from_yaml("  interfaces: [{name: eno1, ipv6: {enabled: false}}]\n");
    const auto planned = plan(desired, before);
    ASSERT_TRUE(planned.ok()) << planned.error().message;
    EXPECT_EQ(lines(*planned), Lines{"disable IPv6 on eno1 (no link-local address, no router advertisements)"});
    auto after = before;
    simulate(after, planned->steps);
    EXPECT_EQ(plan_lines(desired, after), Lines{}) << "converged";
    EXPECT_TRUE(after.find(IfName("eno1"))->ipv6.addresses->empty());
    EXPECT_EQ(std::count_if(after.routes.begin(), after.routes.end(),
                            [](const Route& r) { return r.destination.address.family == IpFamily::v6; }),
              0);

    // The router's default route comes back with its next advertisement, not from the rollback.
    EXPECT_EQ(plan_lines(rollback_target(before, after), after),
              (Lines{"enable IPv6 on eno1", "add address 2001:db8::10/64 to eno1",
                     "add route 2001:db8:1::/48 via 2001:db8::1 dev eno1 metric 1024"}));
}

TEST(NetconfigPlan, Ipv6EnabledOnlySwitchesWhereTheLinkDiffers) {
    auto host = single_homed_host();
    host.find(IfName("eno2"))->ipv6.enabled = false;
    const auto desired = desired_from_yaml(
        "  interfaces: [{name: eno1, ipv6: {enabled: true}}, {name: eno2, state: down, ipv6: {enabled: true}},\n"
        "               {name: eno3, state: down, ipv6: {enabled: false}}]\n");
    EXPECT_EQ(plan_lines(desired, host),
              (Lines{"enable IPv6 on eno2",
                     "disable IPv6 on eno3 (no link-local address, no router advertisements)"}));
}

TEST(NetconfigPlan, RemovesAbsentRoutesMatchingTheKeysGiven) {
    auto host = single_homed_host();
    host.routes.push_back(route("10.0.0.0/8", "192.0.2.2", "eno1", 0, "static"));
    host.routes.push_back(route("10.0.0.0/8", "192.0.2.3", "eno1", 10, "static"));
    host.routes.push_back(route("172.16.0.0/12", "192.0.2.2", "eno1", 0, "static"));
    const auto desired = desired_from_yaml(R"(
  routes:
    config:
    - {destination: 10.0.0.0/8, state: absent}
    - {destination: 172.16.0.0/12, next-hop-address: 192.0.2.9, state: absent}
)");
    EXPECT_EQ(plan_lines(desired, host), (Lines{
                                             "remove route 10.0.0.0/8 via 192.0.2.2 dev eno1 metric 0",
                                             "remove route 10.0.0.0/8 via 192.0.2.3 dev eno1 metric 10",
                                         }));
}

// nmstate's gateway change: an absent default route beside the new one. The absent entry removes only the
// route the host had; the new route takes its place in one step and is never removed again.
TEST(NetconfigPlan, TheGatewayChangeIdiomReplacesTheDefaultRouteAndRemovesNothingItAdds) {
    const auto desired = desired_from_yaml(R"(
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-interface: eno1, state: absent}
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.254, next-hop-interface: eno1}
)");
    const auto host = single_homed_host();
    const auto plan = netconfig::plan(desired, host);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(lines(*plan), (Lines{"replace route 0.0.0.0/0 via 192.0.2.254 dev eno1 metric 100"}));
    // Converged: planning again against the result changes nothing.
    auto after = host;
    simulate(after, plan->steps);
    EXPECT_EQ(plan_lines(desired, after), Lines{});
}

TEST(NetconfigPlan, AnAbsentRouteWithoutDestinationOrTableMatchesEveryRouteOfItsDeviceInEveryTable) {
    auto host = single_homed_host();
    host.routes.push_back(route("10.0.0.0/8", "192.0.2.2", "eno1", 0, "static"));
    auto other_table = route("0.0.0.0/0", "192.0.2.3", "eno1", 0, "static");
    other_table.table_id = 100;
    host.routes.push_back(other_table);
    const auto desired = desired_from_yaml("  routes: {config: [{next-hop-interface: eno1, state: absent}]}\n");
    // The kernel's prefix route goes only with its address.
    EXPECT_EQ(plan_lines(desired, host), (Lines{
                                             "remove route 0.0.0.0/0 via 192.0.2.1 dev eno1 metric 100",
                                             "remove route 10.0.0.0/8 via 192.0.2.2 dev eno1 metric 0",
                                             "remove route 0.0.0.0/0 via 192.0.2.3 dev eno1 metric 0 table 100",
                                         }));
}

TEST(NetconfigPlan, AnAbsentRouteThatNamesATableMatchesOnlyThatTable) {
    auto host = single_homed_host();
    auto other_table = route("0.0.0.0/0", "192.0.2.3", "eno1", 0, "static");
    other_table.table_id = 100;
    host.routes.push_back(other_table);
    const auto desired = desired_from_yaml("  routes: {config: [{destination: 0.0.0.0/0, table-id: 100, state: absent}]}\n");
    EXPECT_EQ(plan_lines(desired, host), (Lines{"remove route 0.0.0.0/0 via 192.0.2.3 dev eno1 metric 0 table 100"}));
}

// A hosting provider's /32 address with its gateway outside it: the default route moved to the bridge is
// added onlink, as the host had it, or the kernel would refuse it.
TEST(NetconfigPlan, AGatewayOutsideTheBridgesPrefixesIsAddedOnlink) {
    NetworkState host;
    host.interfaces.push_back(loopback());
    host.interfaces.push_back(observed("eno1", InterfaceType::ethernet, "52:54:00:00:00:01", {address("203.0.113.10", 32)}));
    auto onlink = route("0.0.0.0/0", "198.51.100.1", "eno1", 0, "static");
    onlink.onlink = true;
    host.routes.push_back(onlink);
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: br0
    type: linux-bridge
    ipv4: {enabled: true, address: [{ip: 203.0.113.10, prefix-length: 32}]}
    bridge: {options: {stp: {enabled: false}}, port: [{name: eno1}]}
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 198.51.100.1, next-hop-interface: br0}
)");
    const auto plan = netconfig::plan(desired, host);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(lines(*plan), (Lines{
                                "create bridge br0 (stp off)",
                                "add address 203.0.113.10/32 to br0",
                                "make eno1 a port of br0",
                                "set br0 up",
                                "replace route 0.0.0.0/0 via 198.51.100.1 dev br0 metric 0 onlink",
                                "remove address 203.0.113.10/32 from eno1",
                            }));
    // The rollback puts the onlink route back on eno1 as it was.
    auto after = host;
    simulate(after, plan->steps);
    const auto back = rollback_plan(host, after);
    ASSERT_TRUE(back) << back.error().message;
    const auto undo = lines(*back);
    EXPECT_NE(std::find(undo.begin(), undo.end(), "replace route 0.0.0.0/0 via 198.51.100.1 dev eno1 metric 0 onlink"),
              undo.end())
        << ::testing::PrintToString(undo);
}

TEST(NetconfigPlan, AGatewayInsideAPrefixIsNotOnlink) {
    Route inside;
    inside.destination = *IpNetwork::parse("0.0.0.0/0");
    inside.next_hop_address = IpAddress::parse("192.0.2.1");
    EXPECT_FALSE(needs_onlink(inside, {address("192.0.2.10", 24)}));
    EXPECT_TRUE(needs_onlink(inside, {address("192.0.2.10", 32)}));
    EXPECT_TRUE(needs_onlink(inside, {address("198.51.100.7", 24), address("2001:db8::1", 64)}));
    EXPECT_FALSE(needs_onlink(inside, {}));  // no IPv4 address: nothing to be outside of
}

TEST(NetconfigPlan, KeepsARouteThatIsAlreadyThereWhateverItsMetric) {
    const auto desired = desired_from_yaml(
        "  routes: {config: [{destination: 0.0.0.0/0, next-hop-address: 192.0.2.1, next-hop-interface: eno1}]}\n");
    EXPECT_EQ(plan_lines(desired, single_homed_host()), Lines{});
}

TEST(NetconfigPlan, GivesABridgeItsFirstPortsOwnMacWhenABondHoldsThatPort) {
    auto host = single_homed_host();
    auto bond = observed("bond0", InterfaceType::bond, "52:54:00:00:00:03");
    bond.bond->mode = BondMode::active_backup;
    bond.bond->ports = {IfName("eno3"), IfName("eno4")};
    host.interfaces.push_back(bond);
    for (const char* name : {"eno3", "eno4"}) {
        host.find(IfName(name))->controller = IfName("bond0");
        host.find(IfName(name))->mac_address = mac("52:54:00:00:00:03");  // the bond rewrote it
    }
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - {name: br0, type: linux-bridge, mac-address: from-port, bridge: {port: [{name: eno4}]}}
)");
    EXPECT_EQ(plan_lines(desired, host), (Lines{
                                             "create bridge br0 (mac-address 52:54:00:00:00:04)",
                                             "make eno4 a port of br0",
                                             "set eno4 up",
                                             "set br0 up",
                                         }))
        << "eno4's MAC is the bond's until it leaves: the bridge takes the hardware's own; leaving the bond "
           "closes eno4, so it is set up again";
}

TEST(NetconfigPlan, SetsMtuLowerLayersFirstThenMacs) {
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - {name: eno2.7, type: vlan, mtu: 9000, vlan: {base-iface: eno2, id: 7}}
  - {name: eno2, mtu: 9000, mac-address: "02:00:00:00:00:02"}
)");
    EXPECT_EQ(plan_lines(desired, single_homed_host()), (Lines{
                                                            "create vlan eno2.7 (id 7 on eno2)",
                                                            "set mtu of eno2 to 9000",
                                                            "set mtu of eno2.7 to 9000",
                                                            "set mac-address of eno2 to 02:00:00:00:00:02",
                                                            "set eno2 up",
                                                            "set eno2.7 up",
                                                        }));
}

TEST(NetconfigPlan, SetsADesiredDownInterfaceDownAfterItsConfiguration) {
    const auto desired = desired_from_yaml("  interfaces: [{name: eno1, state: down, mtu: 1400}]\n");
    EXPECT_EQ(plan_lines(desired, single_homed_host()), (Lines{"set mtu of eno1 to 1400", "set eno1 down"}));
}

struct ImpossibleCase {
    const char* yaml;
    const char* message;
};

class ImpossiblePlans : public ::testing::TestWithParam<ImpossibleCase> {};

TEST_P(ImpossiblePlans, AreErrorsThatNameTheInterface) {
    auto host = single_homed_host();
    auto vlan = observed("eno1.5", InterfaceType::vlan, "52:54:00:00:00:01");
    vlan.vlan = VlanConfig{IfName("eno1"), 5};
    host.interfaces.push_back(vlan);
    const auto planned = plan(desired_from_yaml(GetParam().yaml), host);
    ASSERT_FALSE(planned.ok());
    EXPECT_EQ(planned.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ImpossiblePlans,
    ::testing::Values(
        ImpossibleCase{"  interfaces: [{name: eno9, type: ethernet}]\n",
                       "eno9 does not exist (an ethernet interface cannot be created)"},
        ImpossibleCase{"  interfaces: [{name: new0, mtu: 1500}]\n",
                       "new0 does not exist, and without a type it cannot be created"},
        ImpossibleCase{"  interfaces: [{name: eno1, type: bond}]\n",
                       "eno1 is ethernet on the host, not bond (it cannot be replaced: give the bond another name)"},
        ImpossibleCase{"  interfaces: [{name: eno1.5, type: linux-bridge}]\n",
                       "eno1.5 is vlan on the host, not linux-bridge (mark it absent to replace it)"},
        ImpossibleCase{"  interfaces: [{name: eno1.5, type: vlan, vlan: {base-iface: eno1, id: 6}}]\n",
                       "eno1.5 is vlan 5 on eno1 on the host, not vlan 6 on eno1 (mark it absent to replace it)"},
        ImpossibleCase{"  interfaces: [{name: br0, type: linux-bridge, bridge: {port: [{name: eno9}]}}]\n",
                       "br0: port eno9 does not exist"},
        ImpossibleCase{"  interfaces: [{name: v0, type: veth, veth: {peer: eno2}}]\n",
                       "v0: veth peer eno2 exists already"}));

// nmstate accepts `type: ethernet` for a veth end (containers and test rigs list them so).
TEST(NetconfigPlan, TypeEthernetIsAcceptedForAVethEnd) {
    auto host = single_homed_host();
    auto veth = observed("v1", InterfaceType::veth, "52:54:00:00:00:09");
    veth.veth = VethConfig{IfName("v1p")};
    host.interfaces.push_back(veth);
    EXPECT_EQ(plan_lines(desired_from_yaml("  interfaces: [{name: v1, type: ethernet, mtu: 9000}]\n"), host),
              (Lines{"set mtu of v1 to 9000"}));
}

TEST(NetconfigStep, PrintsOneHumanLinePerKind) {
    Step step;
    step.name = IfName("bond0");
    step.kind = StepKind::set_bond_options;
    step.bond_options.xmit_hash_policy = XmitHashPolicy::layer2_3;
    step.bond_options.downdelay = 200;
    EXPECT_EQ(step.to_string(), "set bond bond0 downdelay 200, xmit_hash_policy layer2+3");
    step.kind = StepKind::delete_link;
    EXPECT_EQ(step.to_string(), "delete bond0");
    step.kind = StepKind::release;
    step.controller = IfName("br0");
    EXPECT_EQ(step.to_string(), "release bond0 from br0");
    Step route_step;
    route_step.kind = StepKind::del_route;
    route_step.route = route("2001:db8::/32", "", "eno1", 1024);
    EXPECT_EQ(route_step.to_string(), "remove route 2001:db8::/32 dev eno1 metric 1024");
}

TEST(NetconfigStep, IsJsonWithTheProfilesKeyNames) {
    const auto planned = plan(desired_from_fixture("design-example.yaml"), single_homed_host());
    ASSERT_TRUE(planned.ok());
    const auto json = to_json(*planned);
    ASSERT_TRUE(json.is_array());
    EXPECT_EQ(json.size(), planned->steps.size());
    EXPECT_EQ(json[0], nlohmann::json::parse(R"j({"step": "create-bond", "interface": "bond0",
        "mode": "active-backup", "options": {"miimon": 100}, "mac-address": "52:54:00:00:00:01",
        "text": "create bond bond0 (mode active-backup, miimon 100, mac-address 52:54:00:00:00:01)"})j"));
    EXPECT_EQ(json[2]["vlan"], nlohmann::json::parse(R"({"base-iface": "br0", "id": 20})"));
    EXPECT_EQ(json[3]["address"], nlohmann::json::parse(R"({"ip": "192.0.2.10", "prefix-length": 24})"));
    EXPECT_EQ(json[5]["controller"], "bond0");
    EXPECT_EQ(json[13]["route"], nlohmann::json::parse(
                                     R"({"destination": "0.0.0.0/0", "next-hop-address": "192.0.2.1",
                                         "next-hop-interface": "br0"})"));
    for (const auto& step : json) EXPECT_TRUE(value_of(step["step"].get<std::string>(), k_step_kinds)) << step;
}

}  // namespace
}  // namespace netconfig
