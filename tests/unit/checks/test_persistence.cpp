// checks/persistence.cpp: net.persistent, the running network against what comes back at boot.
#include <gtest/gtest.h>

#include <functional>

#include "checks/judges.h"
#include "judge_test_support.h"
#include "network_test_support.h"

namespace checks {
namespace {

using namespace testing;
using netconfig::InterfaceType;
using netconfig::NetworkState;

// What kvm-agent apply persists for the test guest's layout: a keyfile per interface, ports with master=.
std::vector<NetworkDefinition> persisted_bonded_bridge() {
    return {keyfile("br0", "bridge"), keyfile("bond0", "bond", "br0"), keyfile("nic1", "ethernet", "bond0"),
            keyfile("nic2", "ethernet", "bond0")};
}

struct PersistCase {
    const char* name;
    std::function<void(NetworkState&)> change;
    std::function<void(std::vector<NetworkDefinition>&)> change_files;
    Status status;
    const char* evidence;
    const char* fix;
};

class NetPersistent : public ::testing::TestWithParam<PersistCase> {};

TEST_P(NetPersistent, ComparesTheRuntimeWithWhatComesBackAtBoot) {
    const auto& c = GetParam();
    auto state = bonded_bridge();
    if (c.change) c.change(state);
    auto definitions = persisted_bonded_bridge();
    if (c.change_files) c.change_files(definitions);
    StaticHostFacts facts;
    facts.network_fact = state;
    facts.network_definitions_fact = NetworkDefinitions{definitions};
    const auto outcome = run_check("net.persistent", facts);
    EXPECT_OUTCOME(outcome, c.status, c.evidence);
    if (c.status == Status::pass) {
        EXPECT_TRUE(outcome.fix.empty()) << outcome.fix;
    } else {
        EXPECT_FIX_HAS(outcome, c.fix);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, NetPersistent,
    ::testing::Values(
        PersistCase{"EverythingPersisted", nullptr, nullptr, Status::pass,
                    "bond0, br0: each has a persistent definition, its ports too", ""},
        PersistCase{"NothingPersisted", nullptr, [](auto& d) { d.clear(); }, Status::warn,
                    "bond0 (bond) has no persistent definition: it is gone after a reboot; br0 (bridge) has no "
                    "persistent definition",
                    "kvm-agent apply --profile FILE (without --memory-only)"},
        PersistCase{"OnlyAnInactiveDefinition", nullptr,
                    [](auto& d) { d[0].autoconnect = false; }, Status::warn,
                    "br0 (bridge) has no persistent definition that comes up at boot "
                    "(/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection (\"kvm-agent-br0\") has "
                    "autoconnect off)",
                    "nmcli connection add"},
        PersistCase{"APortEnslavedByHand", nullptr, [](auto& d) { d[3].controller.clear(); }, Status::warn,
                    "nic2 is a port of bond0 now, but no persistent definition makes it one at boot", "kvm-agent apply"},
        PersistCase{"APortWithoutAnyDefinition", nullptr, [](auto& d) { d.pop_back(); }, Status::warn,
                    "nic2 is a port of bond0 now, but no persistent definition makes it one at boot", "kvm-agent apply"},
        PersistCase{"GuestTapsAndVethsAreNobodysToPersist",
                    [](auto& s) {
                        s.interfaces.push_back(tap("vnet0", "br0"));
                        s.interfaces.push_back(make_link("veth1", InterfaceType::veth, "br0"));
                    },
                    nullptr, Status::pass, "bond0, br0: each has a persistent definition", ""},
        PersistCase{"LibvirtsBridgeIsPersistedByItsNetwork",
                    [](auto& s) {
                        s.interfaces.push_back(make_link("virbr0", InterfaceType::linux_bridge));
                        s.interfaces.push_back(tap("vnet1", "virbr0"));
                    },
                    [](auto& d) {
                        NetworkDefinition network;
                        network.path = "/etc/libvirt/qemu/networks/default.xml";
                        network.source = "libvirt";
                        network.id = "default";
                        network.interface = "virbr0";
                        network.type = "bridge";
                        d.push_back(network);
                    },
                    Status::pass, "bond0, br0, virbr0: each has a persistent definition", ""},
        PersistCase{"AVlanByHand",
                    [](auto& s) {
                        auto vlan = make_link("br0.20", InterfaceType::vlan);
                        s.interfaces.push_back(vlan);
                    },
                    nullptr, Status::warn, "br0.20 (VLAN) has no persistent definition: it is gone after a reboot",
                    "nmcli connection add"},
        PersistCase{"ADefinitionOfABridgeThatDoesNotRun", nullptr,
                    [](auto& d) { d.push_back(keyfile("br1", "bridge")); }, Status::warn,
                    "/etc/NetworkManager/system-connections/kvm-agent-br1.nmconnection (\"kvm-agent-br1\") brings up "
                    "bridge br1 at boot, which does not exist now",
                    "nmcli connection delete ID"},
        PersistCase{"AnIfcfgBondThatDoesNotRun", nullptr,
                    [](auto& d) {
                        NetworkDefinition ifcfg;
                        ifcfg.path = "/etc/sysconfig/network-scripts/ifcfg-bond9";
                        ifcfg.source = "ifcfg";
                        ifcfg.interface = "bond9";
                        ifcfg.type = "bond";
                        d.push_back(ifcfg);
                    },
                    Status::warn, "/etc/sysconfig/network-scripts/ifcfg-bond9 brings up bond bond9 at boot", "nmcli"},
        PersistCase{"DefinitionsThatBringNothingUpAreLeftAlone", nullptr,
                    [](auto& d) {
                        d.push_back(keyfile("eth7", "ethernet"));  // a NIC the host no longer has: not a bridge/bond/VLAN
                        auto down = keyfile("br5", "bridge");
                        down.autoconnect = false;
                        d.push_back(down);
                    },
                    Status::pass, "bond0, br0", ""}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(NetPersistentHost, PassesAHostWithoutBridgesBondsOrVlans) {
    StaticHostFacts facts;
    NetworkState state;
    state.interfaces = {make_link("nic0", InterfaceType::ethernet)};
    facts.network_fact = state;
    facts.network_definitions_fact = NetworkDefinitions{};
    EXPECT_OUTCOME(run_check("net.persistent", facts), Status::pass,
                   "no bridges, bonds or VLANs run, and no definition brings one up at boot");
}

TEST(NetPersistentHost, IsErrorWhenTheDefinitionsAreUnreadable) {
    StaticHostFacts facts;
    facts.network_fact = bonded_bridge();
    facts.network_definitions_fact = ReadError{"cannot read /etc/NetworkManager/system-connections: Permission denied"};
    EXPECT_OUTCOME(run_check("net.persistent", facts), Status::error, "Permission denied");
}

TEST(NetPersistentHost, NeedsNoProfile) {
    StaticHostFacts facts;
    facts.network_fact = bonded_bridge();
    facts.network_definitions_fact = NetworkDefinitions{persisted_bonded_bridge()};
    const Expectations none;
    EXPECT_EQ(run_check("net.persistent", facts).status, Status::pass);
    EXPECT_EQ(run_check("net.persistent", facts, &none).status, Status::pass);
}

}  // namespace
}  // namespace checks
