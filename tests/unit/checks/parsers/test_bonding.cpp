#include "checks/parsers/bonding.h"

#include <gtest/gtest.h>

#include <string>

namespace checks {
namespace {

// As a 6.1 kernel prints an active-backup bond of two NICs (the system tier's guest).
constexpr const char* k_active_backup = R"(Ethernet Channel Bonding Driver: v6.1.0-18-amd64

Bonding Mode: fault-tolerance (active-backup)
Primary Slave: None
Currently Active Slave: nic1
MII Status: up
MII Polling Interval (ms): 100
Up Delay (ms): 0
Down Delay (ms): 0
Peer Notification Delay (ms): 0

Slave Interface: nic1
MII Status: up
Speed: 1000 Mbps
Duplex: full
Link Failure Count: 0
Permanent HW addr: 52:54:00:12:34:01
Slave queue ID: 0

Slave Interface: nic2
MII Status: down
Speed: Unknown
Duplex: Unknown
Link Failure Count: 3
Permanent HW addr: 52:54:00:12:34:02
Slave queue ID: 0
)";

// 802.3ad with an active aggregator, and one port in another aggregator (its switch port not in the group).
constexpr const char* k_lacp = "Ethernet Channel Bonding Driver: v5.14.0-362.el9.x86_64\n\n"
                               "Bonding Mode: IEEE 802.3ad Dynamic link aggregation\n"
                               "Transmit Hash Policy: layer3+4 (1)\n"
                               "MII Status: up\n"
                               "MII Polling Interval (ms): 100\n"
                               "Up Delay (ms): 0\n"
                               "Down Delay (ms): 0\n"
                               "Peer Notification Delay (ms): 0\n\n"
                               "802.3ad info\n"
                               "LACP active: on\n"
                               "LACP rate: fast\n"
                               "Min links: 0\n"
                               "Aggregator selection policy (ad_select): stable\n"
                               "System priority: 65535\n"
                               "System MAC address: 52:54:00:aa:bb:cc\n"
                               "Active Aggregator Info:\n"
                               "\tAggregator ID: 1\n"
                               "\tNumber of ports: 1\n"
                               "\tActor Key: 9\n"
                               "\tPartner Key: 1\n"
                               "\tPartner Mac Address: 00:00:00:00:00:00\n\n"
                               "Slave Interface: eno1\n"
                               "MII Status: up\n"
                               "Speed: 10000 Mbps\n"
                               "Duplex: full\n"
                               "Link Failure Count: 0\n"
                               "Permanent HW addr: 52:54:00:aa:bb:cc\n"
                               "Slave queue ID: 0\n"
                               "Aggregator ID: 1\n"
                               "Actor Churn State: none\n"
                               "details actor lacp pdu:\n"
                               "    system priority: 65535\n"
                               "    Aggregator ID: 7\n"
                               "    port state: 61\n\n"
                               "Slave Interface: eno2\n"
                               "MII Status: up\n"
                               "Link Failure Count: 1\n"
                               "Aggregator ID: 2\n";

TEST(ParseProcNetBonding, ReadsAnActiveBackupBond) {
    const auto status = parse_proc_net_bonding(k_active_backup);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->mode, "active-backup");
    EXPECT_EQ(status->mode_description, "fault-tolerance (active-backup)");
    EXPECT_EQ(status->mii_status, "up");
    EXPECT_EQ(status->miimon, 100u);
    EXPECT_EQ(status->primary, std::nullopt);
    EXPECT_TRUE(status->reports_active);
    EXPECT_EQ(status->active, "nic1");
    ASSERT_EQ(status->ports.size(), 2u);
    EXPECT_EQ(status->ports[0].name, "nic1");
    EXPECT_EQ(status->ports[0].mii_status, "up");
    EXPECT_EQ(status->ports[0].link_failures, 0u);
    EXPECT_EQ(status->ports[1].name, "nic2");
    EXPECT_EQ(status->ports[1].mii_status, "down");
    EXPECT_EQ(status->ports[1].link_failures, 3u);
    ASSERT_NE(status->find("nic2"), nullptr);
    EXPECT_EQ(status->find("nic3"), nullptr);
}

TEST(ParseProcNetBonding, ReadsTheActiveAggregatorAndEachPortsOfAnLacpBond) {
    const auto status = parse_proc_net_bonding(k_lacp);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->mode, "802.3ad");
    EXPECT_FALSE(status->reports_active);
    EXPECT_EQ(status->active_aggregator, 1u);
    ASSERT_EQ(status->ports.size(), 2u);
    // The indented "Aggregator ID: 7" of the LACP PDU details is not the port's aggregator.
    EXPECT_EQ(status->ports[0].aggregator_id, 1u);
    EXPECT_EQ(status->ports[1].aggregator_id, 2u);
    EXPECT_EQ(status->ports[1].link_failures, 1u);
}

struct ModeCase {
    const char* printed;
    const char* name;
};

class BondingModes : public ::testing::TestWithParam<ModeCase> {};

TEST_P(BondingModes, MapTheKernelsDescriptionToTheModeName) {
    const auto status = parse_proc_net_bonding(std::string("Bonding Mode: ") + GetParam().printed + "\n");
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->mode, GetParam().name);
    EXPECT_EQ(status->mode_description, GetParam().printed);
}

INSTANTIATE_TEST_SUITE_P(Table, BondingModes,
                         ::testing::Values(ModeCase{"load balancing (round-robin)", "balance-rr"},
                                           ModeCase{"fault-tolerance (active-backup)", "active-backup"},
                                           ModeCase{"load balancing (xor)", "balance-xor"},
                                           ModeCase{"fault-tolerance (broadcast)", "broadcast"},
                                           ModeCase{"IEEE 802.3ad Dynamic link aggregation", "802.3ad"},
                                           ModeCase{"transmit load balancing", "balance-tlb"},
                                           ModeCase{"adaptive load balancing", "balance-alb"},
                                           ModeCase{"some future mode", ""}));

TEST(ParseProcNetBonding, ReadsAPrimaryWithItsReselectPolicyAndNoActivePort) {
    const auto status = parse_proc_net_bonding("Bonding Mode: fault-tolerance (active-backup)\n"
                                               "Primary Slave: nic1 (primary_reselect always)\n"
                                               "Currently Active Slave: None\n"
                                               "MII Status: down\n");
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->primary, "nic1");
    EXPECT_TRUE(status->reports_active);
    EXPECT_EQ(status->active, std::nullopt);
    EXPECT_EQ(status->mii_status, "down");
    EXPECT_TRUE(status->ports.empty());
}

// --- hostile input: never throws, never reads past the text, refuses what no kernel prints ---

struct HostileCase {
    const char* name;
    std::string text;
    bool ok;
    const char* error;  // a part of the message when not ok
};

class HostileBonding : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileBonding, IsParsedOrRefusedWithAReason) {
    const auto& c = GetParam();
    common::Result<BondingStatus> status = common::make_error("not run");
    ASSERT_NO_THROW(status = parse_proc_net_bonding(c.text));
    EXPECT_EQ(status.ok(), c.ok) << (status.ok() ? "parsed" : status.error().message);
    if (!c.ok && !status.ok()) {
        EXPECT_NE(status.error().message.find(c.error), std::string::npos) << status.error().message;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, HostileBonding,
    ::testing::Values(
        HostileCase{"Empty", "", false, "no \"Bonding Mode\" line"},
        HostileCase{"NotABond", "MemTotal: 1 kB\nMemFree: 0 kB\n", false, "no \"Bonding Mode\" line"},
        HostileCase{"TruncatedMidKey", "Bonding Mode: fault-tolerance (active-backup)\nCurrently Acti", true, ""},
        HostileCase{"TruncatedAfterColon", "Bonding Mode: load balancing (xor)\nSlave Interface:", false,
                    "a port name the kernel would refuse"},
        HostileCase{"PortNameWithSlash", "Bonding Mode: x\nSlave Interface: ../../etc\n", false,
                    "a port name the kernel would refuse"},
        HostileCase{"PortNameTooLong", "Bonding Mode: x\nSlave Interface: abcdefghijklmnop\n", false,
                    "a port name the kernel would refuse"},
        HostileCase{"PortListedTwice", "Bonding Mode: x\nSlave Interface: nic1\nSlave Interface: nic1\n", false,
                    "port nic1 is listed twice"},
        HostileCase{"CrLfLines", "Bonding Mode: fault-tolerance (active-backup)\r\nCurrently Active Slave: nic1\r\n", true,
                    ""},
        HostileCase{"NoColons", "Bonding Mode: x\n\n\nno colon here\n\t\t\n", true, ""},
        HostileCase{"ControlCharactersInAName", std::string("Bonding Mode: x\nSlave Interface: ni\x01" "c\n"), false,
                    "a port name the kernel would refuse"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(HostileBondingNumbers, OverflowingOrNegativeNumbersAreUnknownNotWrapped) {
    const auto status = parse_proc_net_bonding("Bonding Mode: fault-tolerance (active-backup)\n"
                                               "MII Polling Interval (ms): 99999999999999999999999\n"
                                               "Slave Interface: nic1\n"
                                               "Link Failure Count: -1\n"
                                               "Aggregator ID: N/A\n");
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->miimon, std::nullopt);
    ASSERT_EQ(status->ports.size(), 1u);
    EXPECT_EQ(status->ports[0].link_failures, std::nullopt);
    EXPECT_EQ(status->ports[0].aggregator_id, std::nullopt);
    EXPECT_EQ(parse_proc_net_bonding("Bonding Mode: x\nMII Polling Interval (ms): 4294967296\n")->miimon, std::nullopt);
}

TEST(HostileBondingNumbers, AnActivePortThatIsNoInterfaceNameIsNone) {
    const auto status = parse_proc_net_bonding("Bonding Mode: x\nCurrently Active Slave: a/b\n");
    ASSERT_TRUE(status.ok());
    EXPECT_TRUE(status->reports_active);
    EXPECT_EQ(status->active, std::nullopt);
}

TEST(HostileBondingNumbers, AHugeFileOfPortsParsesInFull) {
    std::string text = "Bonding Mode: load balancing (round-robin)\n";
    for (int i = 0; i < 2000; ++i) text += "\nSlave Interface: p" + std::to_string(i) + "\nMII Status: up\n";
    const auto status = parse_proc_net_bonding(text);
    ASSERT_TRUE(status.ok()) << status.error().message;
    EXPECT_EQ(status->ports.size(), 2000u);
}

}  // namespace
}  // namespace checks
