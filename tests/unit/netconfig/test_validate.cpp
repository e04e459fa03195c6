#include "netconfig/validate.h"

#include <gtest/gtest.h>

namespace netconfig {
namespace {

Interface bridge(const std::string& name, std::vector<std::string> ports = {}) {
    Interface iface;
    iface.name = IfName(name);
    iface.type = InterfaceType::linux_bridge;
    auto& config = iface.bridge.emplace();
    config.ports.emplace();
    for (const auto& port : ports) config.ports->push_back({IfName(port), std::nullopt, std::nullopt});
    return iface;
}

Interface vlan(const std::string& name, const std::string& base, std::uint16_t id) {
    Interface iface;
    iface.name = IfName(name);
    iface.type = InterfaceType::vlan;
    iface.vlan = VlanConfig{IfName(base), id};
    return iface;
}

std::vector<std::string> messages(const NetworkState& state, const std::set<IfName>* observed = nullptr) {
    std::vector<std::string> out;
    for (const auto& problem : validate(state, observed))
        out.push_back(problem.subject + ": " + problem.message + " @ " + problem.path);
    return out;
}

TEST(NetconfigValidate, AcceptsReferencesToInterfacesOutsideTheProfileWhenTheHostIsNotKnown) {
    NetworkState state;
    state.interfaces = {bridge("br0", {"eno1"}), vlan("eno1.5", "eno2", 5)};
    EXPECT_TRUE(messages(state).empty());
}

TEST(NetconfigValidate, ChecksReferencesAgainstTheHostWhenItIsKnown) {
    NetworkState state;
    state.interfaces = {bridge("br0", {"eno1"}), vlan("eno1.5", "eno2", 5)};
    const std::set<IfName> host{IfName("eno1")};
    EXPECT_EQ(messages(state, &host),
              (std::vector<std::string>{
                  "eno1.5: base-iface eno2 is neither in the profile nor on the host @ interfaces[1].vlan.base-iface"}));
}

TEST(NetconfigValidate, ReportsEveryProblemWithItsPath) {
    NetworkState state;
    auto bond = Interface{};
    bond.name = IfName("bond0");
    bond.type = InterfaceType::bond;
    bond.bond.emplace().mode = BondMode::balance_rr;
    bond.bond->options.primary = IfName("eno1");
    bond.mtu = 10;
    state.interfaces = {bond, vlan("v0", "bond0", 0), bridge("br0"), bridge("br0")};
    state.interfaces[2].mac_from_port = true;
    Route route;
    route.destination = *IpNetwork::parse("0.0.0.0/0");
    state.routes = {route};
    EXPECT_EQ(messages(state), (std::vector<std::string>{
                                   "bond0: mtu 10 is out of range 68..65536 @ interfaces[0].mtu",
                                   "bond0: primary is only for modes active-backup, balance-tlb and balance-alb, "
                                   "not balance-rr @ interfaces[0].link-aggregation.options.primary",
                                   "v0: vlan id 0 is out of range 1..4094 @ interfaces[1].vlan.id",
                                   "br0: mac-address: from-port needs at least one port @ interfaces[2].mac-address",
                                   "br0: defined twice, first as interfaces[2] @ interfaces[3].name",
                                   "routes: route to 0.0.0.0/0 needs next-hop-interface or next-hop-address @ routes[0]",
                               }));
}

TEST(NetconfigValidate, FindsAVlanLoopThroughItsBase) {
    NetworkState state;
    state.interfaces = {vlan("a", "b", 1), vlan("b", "a", 2)};
    EXPECT_EQ(messages(state), (std::vector<std::string>{"a: interfaces contain each other: a -> b -> a @ interfaces[0]"}));
}

TEST(NetconfigValidate, IgnoresTheConfigurationOfAnAbsentInterface) {
    NetworkState state;
    auto gone = vlan("v0", "eno1", 0);
    gone.state = InterfaceState::absent;
    state.interfaces = {gone};
    EXPECT_TRUE(messages(state).empty());
}

}  // namespace
}  // namespace netconfig
