#include "netconfig/model.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace netconfig {
namespace {

TEST(NetconfigIfName, AcceptsWhatTheKernelAccepts) {
    for (const char* name : {"eno1", "br0.20", "bond-uplink", "x", "enp129s0f0np0ab", "virbr0-nic", "veth@1"})
        EXPECT_TRUE(IfName::make(name).ok()) << name;
}

TEST(NetconfigIfName, RefusesWhatTheKernelRefusesAndSaysWhy) {
    struct Case {
        std::string name;
        const char* message;
    };
    for (const auto& c : {
             Case{"", "interface name \"\" is empty"},
             Case{"enp129s0f0np0abc", "interface name \"enp129s0f0np0abc\" is 16 bytes long, the kernel allows at most 15"},
             Case{"br/0", "interface name \"br/0\" contains '/'"},
             Case{"eth0:1", "interface name \"eth0:1\" contains ':'"},
             Case{"br 0", "interface name \"br 0\" contains whitespace"},
             Case{"br\t0", "interface name \"br\t0\" contains whitespace"},
             Case{".", "interface name \".\" is not allowed"},
             Case{"..", "interface name \"..\" is not allowed"},
         }) {
        const auto made = IfName::make(c.name);
        ASSERT_FALSE(made.ok()) << c.name;
        EXPECT_EQ(made.error().message, c.message) << c.name;
    }
    EXPECT_EQ(IfName::problem(std::string("a\0b", 3)), "contains a NUL byte");
    EXPECT_THROW(IfName("br/0"), std::invalid_argument);
    EXPECT_TRUE(IfName().empty());
}

TEST(NetconfigIfName, OrdersAndComparesByName) {
    EXPECT_LT(IfName("br0"), IfName("eno1"));
    EXPECT_EQ(IfName("br0"), IfName("br0"));
    EXPECT_EQ(IfName("br0").str(), "br0");
}

TEST(NetconfigNames, MapEveryEnumValueBothWays) {
    for (const auto& [value, name] : k_bond_modes) {
        EXPECT_EQ(to_string(value), name);
        EXPECT_EQ(value_of(name, k_bond_modes), value);
    }
    EXPECT_EQ(static_cast<int>(BondMode::ieee_802_3ad), 4) << "the kernel's number";
    EXPECT_EQ(to_string(BondMode::ieee_802_3ad), "802.3ad");
    EXPECT_EQ(to_string(XmitHashPolicy::layer3_4), "layer3+4");
    EXPECT_EQ(to_string(InterfaceType::linux_bridge), "linux-bridge");
    EXPECT_EQ(value_of("active_backup", k_bond_modes), std::nullopt);
}

TEST(NetconfigMacAddress, ParsesEitherCaseAndPrintsUpperCase) {
    const auto mac = MacAddress::parse("52:54:00:ab:CD:ef");
    ASSERT_TRUE(mac);
    EXPECT_EQ(mac->to_string(), "52:54:00:AB:CD:EF");
    for (const char* bad : {"", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:01", "52-54-00-ab-cd-ef", "5254.00ab.cdef",
                            "52:54:00:ab:cd:eg", "52:54:00:ab:cd:e"})
        EXPECT_FALSE(MacAddress::parse(bad)) << bad;
}

TEST(NetconfigIpAddress, ParsesAndPrintsCanonically) {
    struct Case {
        const char* text;
        const char* canonical;
    };
    for (const auto& c : {
             Case{"192.0.2.10", "192.0.2.10"},
             Case{"0.0.0.0", "0.0.0.0"},
             Case{"255.255.255.255", "255.255.255.255"},
             Case{"2001:db8::1", "2001:db8::1"},
             Case{"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
             Case{"::", "::"},
             Case{"::1", "::1"},
             Case{"fe80::", "fe80::"},
             Case{"2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"},
             Case{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
             Case{"2001:db8:1:1:1:1:1:0", "2001:db8:1:1:1:1:1:0"},
             Case{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
             Case{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},
             Case{"64:ff9b::192.0.2.1", "64:ff9b::c000:201"},
         }) {
        const auto ip = IpAddress::parse(c.text);
        ASSERT_TRUE(ip) << c.text;
        EXPECT_EQ(ip->to_string(), c.canonical) << c.text;
    }
}

TEST(NetconfigIpAddress, RefusesWhatInetPtonRefuses) {
    for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.1.5", "192.0.02.1", "192.0.2.-1", "1.2.3.4 ",
                            "::1::", "1::2::3", ":1", "1:", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8:9", "12345::",
                            "g::", "::192.0.2", "1:2:3:4:5:6:7:1.2.3.4", "[::1]", "fe80::1%eth0"})
        EXPECT_FALSE(IpAddress::parse(bad)) << bad;
}

TEST(NetconfigIpAddress, KnowsLinkLocal) {
    EXPECT_TRUE(IpAddress::parse("fe80::1")->is_link_local());
    EXPECT_TRUE(IpAddress::parse("169.254.1.1")->is_link_local());
    EXPECT_FALSE(IpAddress::parse("fec0::1")->is_link_local());
    EXPECT_FALSE(IpAddress::parse("192.0.2.1")->is_link_local());
}

TEST(NetconfigIpNetwork, NeedsALengthAndZeroHostBits) {
    EXPECT_EQ(IpNetwork::parse("0.0.0.0/0")->to_string(), "0.0.0.0/0");
    EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0")->is_default());
    EXPECT_EQ(IpNetwork::parse("2001:db8::/32")->to_string(), "2001:db8::/32");
    EXPECT_EQ(IpNetwork::parse("192.0.2.1/32")->to_string(), "192.0.2.1/32");
    for (const char* bad : {"192.0.2.0", "192.0.2.1/24", "192.0.2.0/33", "192.0.2.0/", "192.0.2.0/-1",
                            "192.0.2.0/2a", "::1/129", "2001:db8::1/32", "0.0.0.0/0000"})
        EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
}

TEST(NetconfigProbe, PrintsIpv6TargetsInBrackets) {
    EXPECT_EQ(Probe{}.to_string(), "gateway");
    EXPECT_EQ((Probe{Probe::Kind::host_port, "192.0.2.1", 22}).to_string(), "192.0.2.1:22");
    EXPECT_EQ((Probe{Probe::Kind::host_port, "2001:db8::1", 443}).to_string(), "[2001:db8::1]:443");
}

TEST(NetconfigNetworkState, FindsInterfacesByName) {
    NetworkState state;
    state.interfaces.push_back(Interface{});
    state.interfaces.back().name = IfName("br0");
    ASSERT_NE(state.find(IfName("br0")), nullptr);
    EXPECT_EQ(state.find(IfName("br1")), nullptr);
    state.find(IfName("br0"))->mtu = 9000;
    EXPECT_EQ(state.interfaces[0].mtu, 9000u);
}

}  // namespace
}  // namespace netconfig
