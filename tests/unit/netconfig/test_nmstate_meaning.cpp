#include "netconfig/nmstate_meaning.h"

#include <gtest/gtest.h>

#include "tests/unit/netconfig/plan_test_support.h"

namespace netconfig {
namespace {

using namespace netconfig::testing;

Interface wanted(const std::string& name, InterfaceType type) {
    Interface iface;
    iface.name = IfName(name);
    iface.type = type;
    return iface;
}

TEST(CreationDefaults, ANewBridgeRunsStpAndItsNewPortsCostOneHundred) {
    auto bridge = wanted("br0", InterfaceType::linux_bridge);
    bridge.bridge.emplace().ports = std::vector<BridgePort>{{IfName("eno2"), std::nullopt, std::nullopt},
                                                            {IfName("eno3"), 40, std::nullopt}};
    const auto out = with_creation_defaults(NetworkState{{bridge}, {}}, single_homed_host());
    const auto& made = *out.find(IfName("br0"))->bridge;
    EXPECT_EQ(made.options.stp.enabled, true);
    EXPECT_EQ((*made.ports)[0].stp_path_cost, 100u);
    EXPECT_EQ((*made.ports)[1].stp_path_cost, 40u) << "what the profile says stays";
}

TEST(CreationDefaults, ABridgeListedWithoutABridgeSectionStillRunsStp) {
    const auto out = with_creation_defaults(NetworkState{{wanted("br0", InterfaceType::linux_bridge)}, {}},
                                            single_homed_host());
    ASSERT_TRUE(out.find(IfName("br0"))->bridge);
    EXPECT_EQ(out.find(IfName("br0"))->bridge->options.stp.enabled, true);
}

TEST(CreationDefaults, AnExistingBridgeAndItsPortsKeepWhatTheyHave) {
    auto host = single_homed_host();
    auto existing = observed("br0", InterfaceType::linux_bridge, "52:54:00:00:00:02");
    existing.bridge->options.stp.enabled = false;
    existing.bridge->ports->push_back({IfName("eno2"), 2, 32});
    host.interfaces.push_back(existing);
    host.find(IfName("eno2"))->controller = IfName("br0");
    auto bridge = wanted("br0", InterfaceType::linux_bridge);
    bridge.bridge.emplace().ports = std::vector<BridgePort>{{IfName("eno2"), std::nullopt, std::nullopt},
                                                            {IfName("eno3"), std::nullopt, std::nullopt}};
    const auto out = with_creation_defaults(NetworkState{{bridge}, {}}, host);
    const auto& kept = *out.find(IfName("br0"))->bridge;
    EXPECT_FALSE(kept.options.stp.enabled) << "left to the host";
    EXPECT_FALSE((*kept.ports)[0].stp_path_cost) << "already a port: left to the host";
    EXPECT_EQ((*kept.ports)[1].stp_path_cost, 100u) << "joins now";
}

TEST(CreationDefaults, ANewBondMonitorsItsLinksEveryHundredMilliseconds) {
    auto bond = wanted("bond0", InterfaceType::bond);
    auto given = wanted("bond1", InterfaceType::bond);
    given.bond.emplace().options.miimon = 250;
    const auto out = with_creation_defaults(NetworkState{{bond, given}, {}}, single_homed_host());
    EXPECT_EQ(out.find(IfName("bond0"))->bond->options.miimon, 100u);
    EXPECT_EQ(out.find(IfName("bond1"))->bond->options.miimon, 250u);
}

TEST(CreationDefaults, AbsentInterfacesGetNothing) {
    auto gone = wanted("br9", InterfaceType::linux_bridge);
    gone.state = InterfaceState::absent;
    const auto out = with_creation_defaults(NetworkState{{gone}, {}}, single_homed_host());
    EXPECT_FALSE(out.find(IfName("br9"))->bridge);
}

TEST(DownSoftware, ADownBridgeBondOrVlanLeavesTheKernelAndADownNicIsOnlySetDown) {
    auto host = single_homed_host();
    host.interfaces.push_back(observed("br5", InterfaceType::linux_bridge, "52:54:00:00:00:05"));
    auto bridge = wanted("br0", InterfaceType::linux_bridge);
    auto untyped = wanted("br5", InterfaceType::linux_bridge);
    untyped.type.reset();  // the host's type counts
    auto vlan = wanted("eno1.7", InterfaceType::vlan);
    auto nic = wanted("eno2", InterfaceType::ethernet);
    auto up = wanted("bond0", InterfaceType::bond);
    for (auto* iface : {&bridge, &untyped, &vlan, &nic}) iface->state = InterfaceState::down;
    const auto out = with_down_software_removed(NetworkState{{bridge, untyped, vlan, nic, up}, {}}, host);
    EXPECT_EQ(out.find(IfName("br0"))->state, InterfaceState::absent);
    EXPECT_EQ(out.find(IfName("br5"))->state, InterfaceState::absent);
    EXPECT_EQ(out.find(IfName("eno1.7"))->state, InterfaceState::absent);
    EXPECT_EQ(out.find(IfName("eno2"))->state, InterfaceState::down);
    EXPECT_FALSE(out.find(IfName("bond0"))->state);
}

}  // namespace
}  // namespace netconfig
