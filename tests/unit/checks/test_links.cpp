// checks/links.cpp: net.bridge and net.bond against the profile, and net.bond on the host's own bonds.
#include <gtest/gtest.h>

#include <functional>

#include "checks/judges.h"
#include "judge_test_support.h"
#include "network_test_support.h"

namespace checks {
namespace {

using namespace testing;
using netconfig::BondMode;
using netconfig::InterfaceState;
using netconfig::InterfaceType;
using netconfig::NetworkState;

constexpr const char* k_network_fix = "kvm-agent apply --profile /etc/kvm-agent/host.yaml --only network";

StaticHostFacts host_with(NetworkState state, Fact<BondingStatus> bond0 = active_backup_status()) {
    StaticHostFacts facts;
    facts.network_fact = std::move(state);
    facts.bonding_facts["bond0"] = std::move(bond0);
    return facts;
}

// --- net.bridge ---

struct BridgeCase {
    const char* name;
    std::function<void(NetworkState&)> change;
    std::function<void(Expectations&)> expect;
    Status status;
    const char* evidence;
};

class NetBridge : public ::testing::TestWithParam<BridgeCase> {};

TEST_P(NetBridge, JudgesTheProfilesBridge) {
    const auto& c = GetParam();
    auto state = bonded_bridge();
    if (c.change) c.change(state);
    auto expectations = bonded_bridge_profile();
    if (c.expect) c.expect(expectations);
    const auto outcome = run_check("net.bridge", host_with(state), &expectations);
    EXPECT_OUTCOME(outcome, c.status, c.evidence);
    if (c.status == Status::pass) {
        EXPECT_TRUE(outcome.fix.empty()) << outcome.fix;
    } else {
        EXPECT_FIX_HAS(outcome, k_network_fix);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, NetBridge,
    ::testing::Values(
        BridgeCase{"Healthy", nullptr, nullptr, Status::pass, "br0 up, ports bond0 (carrier), 192.0.2.10/24"},
        BridgeCase{"GuestTapsAreNotExtraPorts",
                   [](auto& s) { s.interfaces.push_back(tap("vnet0", "br0")); }, nullptr, Status::pass,
                   "br0 up, ports bond0 (carrier)"},
        BridgeCase{"Missing", [](auto& s) { s.interfaces.pop_back(); }, nullptr, Status::fail, "br0 does not exist"},
        BridgeCase{"NotABridge", [](auto& s) { s.interfaces.back().type = InterfaceType::bond; }, nullptr, Status::fail,
                   "br0 is a bond, not a bridge"},
        BridgeCase{"Down", [](auto& s) { find_link(s, "br0").state = InterfaceState::down; }, nullptr, Status::fail,
                   "br0 is down"},
        BridgeCase{"PortReleased", [](auto& s) { find_link(s, "bond0").controller.reset(); }, nullptr, Status::fail,
                   "bond0 is not a port of br0"},
        BridgeCase{"PortOfAnotherBridge",
                   [](auto& s) {
                       s.interfaces.push_back(make_link("br1", InterfaceType::linux_bridge));
                       find_link(s, "bond0").controller = netconfig::IfName("br1");
                   },
                   nullptr, Status::fail, "bond0 is a port of br1, not of br0"},
        BridgeCase{"PortMissing", nullptr, [](auto& e) { e.bridges[0].ports->push_back("nic9"); }, Status::fail,
                   "nic9 does not exist"},
        BridgeCase{"ExtraPort", [](auto& s) { s.interfaces.push_back(make_link("nic3", InterfaceType::ethernet, "br0")); },
                   nullptr, Status::fail, "nic3 is a port of br0 but not in the profile"},
        BridgeCase{"ExtraPortWhenTheProfileLeavesPortsAlone",
                   [](auto& s) { s.interfaces.push_back(make_link("nic3", InterfaceType::ethernet, "br0")); },
                   [](auto& e) { e.bridges[0].ports.reset(); }, Status::pass,
                   "br0 up, ports bond0 (carrier), nic3 (carrier)"},
        BridgeCase{"OnlyPortWithoutCarrier", [](auto& s) { find_link(s, "bond0").carrier = false; }, nullptr,
                   Status::fail, "no port of br0 has carrier: bond0 (no carrier)"},
        BridgeCase{"OnlyPortDown", [](auto& s) { find_link(s, "bond0").state = InterfaceState::down; }, nullptr,
                   Status::fail, "no port of br0 has carrier: bond0 (down)"},
        BridgeCase{"OneOfTwoPortsWithoutCarrier",
                   [](auto& s) {
                       auto nic3 = make_link("nic3", InterfaceType::ethernet, "br0");
                       nic3.carrier = false;
                       s.interfaces.push_back(nic3);
                   },
                   [](auto& e) { e.bridges[0].ports->push_back("nic3"); }, Status::warn,
                   "port nic3 (no carrier) of br0 has no carrier: the bridge runs on bond0 (carrier)"},
        BridgeCase{"AddressOnAPort",
                   [](auto& s) {
                       find_link(s, "br0").ipv4.addresses->clear();
                       find_link(s, "bond0").ipv4.addresses->push_back(address("192.0.2.10/24"));
                   },
                   nullptr, Status::fail,
                   "192.0.2.10/24 is not on br0 (it is on bond0); bond0, a port of br0, has 192.0.2.10/24: addresses "
                   "belong on the bridge"},
        BridgeCase{"AddressMissing", [](auto& s) { find_link(s, "br0").ipv4.addresses->clear(); }, nullptr,
                   Status::fail, "192.0.2.10/24 is not on br0"},
        BridgeCase{"AnIPv6AddressTooIsOnTheBridge",
                   [](auto& s) { find_link(s, "br0").ipv6.addresses->push_back(address("2001:db8::10/64")); },
                   [](auto& e) { e.bridges[0].addresses.push_back("2001:db8::10/64"); }, Status::pass,
                   "192.0.2.10/24, 2001:db8::10/64"},
        BridgeCase{"ALinkLocalAddressOnAPortIsTheKernels",
                   [](auto& s) { find_link(s, "bond0").ipv4.addresses->push_back(address("169.254.3.4/16")); }, nullptr,
                   Status::pass, "br0 up"},
        BridgeCase{"TwoBridgesOneBroken",
                   [](auto& s) {
                       auto br1 = make_link("br1", InterfaceType::linux_bridge);
                       br1.state = InterfaceState::down;
                       s.interfaces.push_back(br1);
                   },
                   [](auto& e) { e.bridges.push_back({"br1", std::vector<std::string>{}, {}}); }, Status::fail,
                   "br1 is down"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(NetBridgeProfile, SkipsWhenTheProfileListsNoBridges) {
    Expectations expectations;
    EXPECT_OUTCOME(run_check("net.bridge", host_with(bonded_bridge()), &expectations), Status::skip,
                   "the profile lists no bridges");
}

TEST(NetBridgeProfile, SkipsWithTheReasonWhenTheNetworkCannotBeAsked) {
    StaticHostFacts facts;
    facts.network_fact = Unavailable{"offline root /mnt/sysimage: live services are not asked"};
    const auto expectations = bonded_bridge_profile();
    EXPECT_OUTCOME(run_check("net.bridge", facts, &expectations), Status::skip, "offline root /mnt/sysimage");
}

// --- net.bond ---

struct BondCase {
    const char* name;
    std::function<void(NetworkState&)> change;
    Fact<BondingStatus> driver;
    std::function<void(Expectations&)> expect;
    Status status;
    const char* evidence;
};

class NetBond : public ::testing::TestWithParam<BondCase> {};

TEST_P(NetBond, JudgesTheProfilesBond) {
    const auto& c = GetParam();
    auto state = bonded_bridge();
    if (c.change) c.change(state);
    auto expectations = bonded_bridge_profile();
    if (c.expect) c.expect(expectations);
    const auto outcome = run_check("net.bond", host_with(state, c.driver), &expectations);
    EXPECT_OUTCOME(outcome, c.status, c.evidence);
    if (c.status == Status::pass) {
        EXPECT_TRUE(outcome.fix.empty()) << outcome.fix;
    } else {
        EXPECT_FIX_HAS(outcome, k_network_fix);
    }
}

BondingStatus lacp(std::optional<std::uint64_t> active, std::uint64_t nic2_aggregator) {
    BondingStatus status;
    status.mode = "802.3ad";
    status.miimon = 100;
    status.active_aggregator = active;
    status.ports = {{"nic1", "up", 0, 1}, {"nic2", "up", 0, nic2_aggregator}};
    return status;
}

void make_lacp(NetworkState& state) { find_link(state, "bond0").bond->mode = BondMode::ieee_802_3ad; }
void expect_lacp(Expectations& expectations) { expectations.bonds[0].mode = "802.3ad"; }

INSTANTIATE_TEST_SUITE_P(
    Table, NetBond,
    ::testing::Values(
        BondCase{"Healthy", nullptr, active_backup_status(), nullptr, Status::pass,
                 "bond0 active-backup miimon 100: nic1 up, nic2 up, active nic1"},
        BondCase{"Missing", [](auto& s) { s.interfaces.erase(s.interfaces.begin() + 4); }, active_backup_status(),
                 nullptr, Status::fail, "bond0 does not exist"},
        BondCase{"Down", [](auto& s) { find_link(s, "bond0").state = InterfaceState::down; }, active_backup_status(),
                 nullptr, Status::fail, "bond0 is down"},
        BondCase{"OtherMode", [](auto& s) { find_link(s, "bond0").bond->mode = BondMode::balance_rr; },
                 active_backup_status(), nullptr, Status::fail, "bond0 is in mode balance-rr, the profile says active-backup"},
        BondCase{"OtherMiimon", [](auto& s) { find_link(s, "bond0").bond->options.miimon = 0; }, active_backup_status(),
                 nullptr, Status::fail, "bond0 has miimon 0, the profile says 100"},
        BondCase{"PortReleased", [](auto& s) { find_link(s, "nic2").controller.reset(); }, active_backup_status(),
                 nullptr, Status::fail, "nic2 is not a port of bond0"},
        BondCase{"ExtraPort", [](auto& s) { s.interfaces.push_back(make_link("nic3", InterfaceType::ethernet, "bond0")); },
                 active_backup_status(), nullptr, Status::fail, "nic3 is a port of bond0 but not in the profile"},
        BondCase{"NoPorts",
                 [](auto& s) {
                     find_link(s, "nic1").controller.reset();
                     find_link(s, "nic2").controller.reset();
                 },
                 active_backup_status(), [](auto& e) { e.bonds[0].ports.reset(); }, Status::fail, "bond0 has no ports"},
        BondCase{"BackupPortDown", [](auto& s) { find_link(s, "nic2").state = InterfaceState::down; },
                 active_backup_status("nic1", "down"), nullptr, Status::warn,
                 "port nic2 (down) of bond0 is down: bond0 runs on nic1 without redundancy"},
        BondCase{"BackupPortMiiDownWithCarrier", nullptr, active_backup_status("nic1", "down"), nullptr, Status::warn,
                 "port nic2 (MII down) of bond0 is down"},
        BondCase{"NoPortUp",
                 [](auto& s) {
                     find_link(s, "nic1").carrier = false;
                     find_link(s, "nic2").state = InterfaceState::down;
                 },
                 active_backup_status("", "down"), nullptr, Status::fail,
                 "no port of bond0 is up: nic1 (no carrier), nic2 (down)"},
        BondCase{"NoActivePort", nullptr, active_backup_status(""), nullptr, Status::fail,
                 "bond0 has no active port (Currently Active Slave: None)"},
        BondCase{"ActivePortIsTheDownOne", [](auto& s) { find_link(s, "nic2").carrier = false; },
                 active_backup_status("nic2"), nullptr, Status::fail, "bond0's active port nic2 is not up"},
        BondCase{"DriverStatusUnavailable", nullptr, Fact<BondingStatus>(Unavailable{"no /proc/net/bonding/bond0"}),
                 nullptr, Status::warn, "cannot tell bond0's active port: no /proc/net/bonding/bond0"},
        BondCase{"LacpHealthy", make_lacp, lacp(1, 1), expect_lacp, Status::pass,
                 "bond0 802.3ad miimon 100: nic1 up, nic2 up, aggregator 1"},
        BondCase{"LacpPortOutsideTheAggregator", make_lacp, lacp(1, 2), expect_lacp, Status::warn,
                 "port nic2 of bond0 is up but not in the active LACP aggregator 1"},
        BondCase{"LacpWithoutAggregator", make_lacp, lacp(std::nullopt, 2), expect_lacp, Status::fail,
                 "bond0 has no active LACP aggregator"},
        BondCase{"AHostBondOutsideTheProfileIsJudgedToo",
                 [](auto& s) {
                     s.interfaces.push_back(bond_link("bond1", BondMode::balance_xor, 100));
                 },
                 active_backup_status(), nullptr, Status::fail, "bond1 has no ports"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(NetBondWithoutProfile, JudgesTheHostsBondsForTheirHealth) {
    auto state = bonded_bridge();
    find_link(state, "nic2").state = InterfaceState::down;
    const auto outcome = run_check("net.bond", host_with(state, active_backup_status("nic1", "down")));
    EXPECT_OUTCOME(outcome, Status::warn, "port nic2 (down) of bond0 is down");
    EXPECT_FIX_HAS(outcome, "ip link set PORT up");
}

TEST(NetBondWithoutProfile, PassesAHealthyBondWithoutJudgingItsModeOrPorts) {
    auto state = bonded_bridge();
    find_link(state, "bond0").bond->mode = BondMode::balance_rr;
    auto status = active_backup_status();
    status.reports_active = false;
    EXPECT_OUTCOME(run_check("net.bond", host_with(state, status)), Status::pass,
                   "bond0 balance-rr miimon 100: nic1 up, nic2 up");
}

TEST(NetBondWithoutProfile, SkipsWhenTheHostHasNoBonds) {
    StaticHostFacts facts;
    facts.network_fact = NetworkState{};
    EXPECT_OUTCOME(run_check("net.bond", facts), Status::skip, "no bonds on this host");
}

TEST(NetBondProfile, SkipsWhenNeitherTheProfileNorTheHostHasBonds) {
    Expectations expectations;
    StaticHostFacts facts;
    facts.network_fact = NetworkState{};
    EXPECT_OUTCOME(run_check("net.bond", facts, &expectations), Status::skip,
                   "the profile lists no bonds and the host has none");
}

TEST(NetBondProfile, ModeAndMiimonComeFromTheDriverWhenNetlinkLacksThem) {
    auto state = bonded_bridge();
    find_link(state, "bond0").bond.reset();
    const auto expectations = bonded_bridge_profile();
    EXPECT_OUTCOME(run_check("net.bond", host_with(state), &expectations), Status::pass,
                   "bond0 active-backup miimon 100");
}

}  // namespace
}  // namespace checks
