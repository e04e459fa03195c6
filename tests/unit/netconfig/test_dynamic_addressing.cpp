#include "netconfig/dynamic_addressing.h"

#include <gtest/gtest.h>

#include "netconfig/verify.h"
#include "profile/profile.h"
#include "tests/unit/netconfig/plan_test_support.h"

namespace netconfig {
namespace {

using namespace netconfig::testing;
using Lines = std::vector<std::string>;

// docs/kickstart.md's network section over the guest's uplink.
const std::string k_kickstart_bridge = R"(  interfaces:
  - name: br0
    type: linux-bridge
    mac-address: from-port
    ipv4: {enabled: true, dhcp: true}
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: nic0}]
)";

// A freshly installed host: nic0 on DHCP (and SLAAC), default routes through it.
NetworkState dhcp_host() {
    NetworkState state;
    state.interfaces.push_back(loopback());
    state.interfaces.push_back(observed("nic0", InterfaceType::ethernet, "52:54:00:4b:00:00",
                                        {address("10.0.2.15", 24, true), address("fec0::5054:ff:fe4b:0", 64, true),
                                         address("fe80::5054:ff:fe4b:0", 64)}));
    state.routes.push_back(route("0.0.0.0/0", "10.0.2.2", "nic0", 100, "dhcp"));
    state.routes.push_back(route("::/0", "fe80::2", "nic0", 1024, "ra"));
    return state;
}

// The host once br0 holds nic0 and the network service gave br0 the lease.
NetworkState bridged_with_lease(bool ipv6_too) {
    NetworkState state;
    state.interfaces.push_back(loopback());
    auto nic0 = observed("nic0", InterfaceType::ethernet, "52:54:00:4b:00:00", {address("fe80::5054:ff:fe4b:0", 64)});
    nic0.controller = IfName("br0");
    state.interfaces.push_back(nic0);
    std::vector<InterfaceAddress> addresses{address("10.0.2.15", 24, true)};
    if (ipv6_too) addresses.push_back(address("fec0::5054:ff:fe4b:0", 64, true));
    auto br0 = observed("br0", InterfaceType::linux_bridge, "52:54:00:4b:00:00", addresses);
    br0.bridge->options.stp.enabled = false;
    state.interfaces.push_back(br0);
    state.routes.push_back(route("0.0.0.0/0", "10.0.2.2", "br0", 425, "dhcp"));
    if (ipv6_too) state.routes.push_back(route("::/0", "fe80::2", "br0", 425, "ra"));
    return state;
}

TEST(DynamicAddressing, AnInterfaceAskingForDhcpOrAutoconfIsARequestUnlessTheFamilyIsDisabled) {
    const auto desired = desired_from_yaml(R"(  interfaces:
  - {name: br0, type: linux-bridge, ipv4: {dhcp: true}, ipv6: {autoconf: true}}
  - {name: br1, type: linux-bridge, ipv4: {enabled: false, dhcp: true}, ipv6: {dhcp: true}}
  - {name: br2, type: linux-bridge, ipv4: {address: [{ip: 192.0.2.1, prefix-length: 24}]}}
  - {name: br3, type: linux-bridge, state: absent}
)");
    const auto requests = dynamic_requests(desired);
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].interface.str(), "br0");
    EXPECT_TRUE(requests[0].ipv4);
    EXPECT_TRUE(requests[0].ipv6);
    EXPECT_EQ(requests[1].interface.str(), "br1");
    EXPECT_FALSE(requests[1].ipv4);
    EXPECT_TRUE(requests[1].ipv6);
}

TEST(DynamicAddressing, ABridgeSilentAboutAFamilyTakesOverTheDhcpAndAutoconfOfItsUplink) {
    const auto effective = with_inherited_addressing(desired_from_yaml(k_kickstart_bridge), dhcp_host());
    const auto* br0 = effective.find(IfName("br0"));
    ASSERT_NE(br0, nullptr);
    EXPECT_EQ(br0->ipv4.dhcp, true);             // said by the profile
    EXPECT_EQ(br0->ipv6.autoconf, true);         // nic0 had a SLAAC address: br0 keeps the host on it
    EXPECT_FALSE(br0->ipv6.dhcp.has_value());
}

TEST(DynamicAddressing, WhatTheProfileSaysAboutAFamilyIsNeverOverridden) {
    const auto effective = with_inherited_addressing(desired_from_yaml(R"(  interfaces:
  - name: br0
    type: linux-bridge
    ipv4: {address: [{ip: 192.0.2.10, prefix-length: 24}]}
    ipv6: {enabled: false}
    bridge: {port: [{name: nic0}]}
)"),
                                                     dhcp_host());
    const auto* br0 = effective.find(IfName("br0"));
    EXPECT_FALSE(br0->ipv4.dhcp.has_value());
    EXPECT_FALSE(br0->ipv6.autoconf.has_value());
    EXPECT_EQ(br0->ipv6.enabled, false);
}

TEST(DynamicAddressing, OnlyTheTopOfAStackInheritsABondPortsLease) {
    const auto effective = with_inherited_addressing(desired_from_yaml(R"(  interfaces:
  - {name: bond0, type: bond, link-aggregation: {mode: active-backup, port: [nic0]}}
  - {name: br0, type: linux-bridge, bridge: {port: [{name: bond0}]}}
)"),
                                                     dhcp_host());
    EXPECT_FALSE(effective.find(IfName("bond0"))->ipv4.dhcp.has_value());  // a port carries no addresses
    EXPECT_EQ(effective.find(IfName("br0"))->ipv4.dhcp, true);
    EXPECT_EQ(effective.find(IfName("br0"))->ipv6.autoconf, true);
}

TEST(DynamicAddressing, APortWithStaticAddressesPassesNoDhcpOn) {
    auto host = dhcp_host();
    host.interfaces[1].ipv4.addresses = {address("192.0.2.10", 24)};
    host.interfaces[1].ipv6.addresses = {address("fe80::5054:ff:fe4b:0", 64)};
    const auto effective = with_inherited_addressing(desired_from_yaml(k_kickstart_bridge), host);
    EXPECT_FALSE(effective.find(IfName("br0"))->ipv6.autoconf.has_value());
}

// nmstate's DHCP-to-static: `dhcp: false` without addresses keeps the lease's address and default route.
TEST(DynamicAddressing, TurningDhcpOffWithoutAddressesKeepsTheLeasedAddressAndDefaultRouteAsStatic) {
    const auto effective = with_dynamic_kept_static(desired_from_yaml(R"(  interfaces:
  - name: nic0
    type: ethernet
    ipv4: {enabled: true, dhcp: false}
)"),
                                                    dhcp_host());
    const auto& nic0 = *effective.find(IfName("nic0"));
    ASSERT_TRUE(nic0.ipv4.addresses);
    EXPECT_EQ(*nic0.ipv4.addresses, (std::vector<InterfaceAddress>{address("10.0.2.15", 24)}));
    EXPECT_FALSE(nic0.ipv6.addresses) << "IPv6 was not mentioned: left alone";
    ASSERT_EQ(effective.routes.size(), 1u);
    EXPECT_EQ(effective.routes[0].destination.to_string(), "0.0.0.0/0");
    EXPECT_EQ(effective.routes[0].next_hop_address, IpAddress::parse("10.0.2.2"));
    EXPECT_EQ(effective.routes[0].metric, 100u);
    EXPECT_FALSE(effective.routes[0].protocol) << "added as ours: static";
}

TEST(DynamicAddressing, AddressesOrRoutesTheProfileGivesAreNotReplacedByTheLease) {
    const auto effective = with_dynamic_kept_static(desired_from_yaml(R"(  interfaces:
  - name: nic0
    type: ethernet
    ipv4: {enabled: true, dhcp: false, address: [{ip: 10.0.2.50, prefix-length: 24}]}
    ipv6: {enabled: true, dhcp: false, autoconf: false}
  routes:
    config:
    - {destination: ::/0, next-hop-interface: nic0, state: absent}
)"),
                                                    dhcp_host());
    const auto& nic0 = *effective.find(IfName("nic0"));
    EXPECT_EQ(*nic0.ipv4.addresses, (std::vector<InterfaceAddress>{address("10.0.2.50", 24)}));
    EXPECT_EQ(*nic0.ipv6.addresses, (std::vector<InterfaceAddress>{address("fec0::5054:ff:fe4b:0", 64)}));
    EXPECT_EQ(effective.routes.size(), 1u) << "the absent IPv6 default route stays the profile's only route";
}

TEST(DynamicAddressing, TheLeaseAndTheDefaultRouteThroughTheBridgeMustArrive) {
    const auto desired = with_inherited_addressing(desired_from_yaml(k_kickstart_bridge), dhcp_host());
    const auto requests = dynamic_requests(desired);

    auto nothing_yet = bridged_with_lease(false);
    nothing_yet.interfaces[2].ipv4.addresses->clear();
    nothing_yet.routes.clear();
    EXPECT_EQ(missing_dynamic_addressing(requests, desired, dhcp_host(), nothing_yet),
              (Lines{"br0: no DHCP (IPv4) address arrived", "br0: no DHCPv6 or autoconf (IPv6) address arrived"}));

    auto no_ipv6_route = bridged_with_lease(true);
    no_ipv6_route.routes.pop_back();
    EXPECT_EQ(missing_dynamic_addressing(requests, desired, dhcp_host(), no_ipv6_route),
              (Lines{"br0: no IPv6 default route through it arrived (the host had one before)"}));

    EXPECT_TRUE(missing_dynamic_addressing(requests, desired, dhcp_host(), bridged_with_lease(true)).empty());
}

TEST(DynamicAddressing, AStaticAddressIsNoLease) {
    const auto desired = desired_from_yaml(k_kickstart_bridge + "    ipv6: {enabled: false}\n");
    auto now = bridged_with_lease(false);
    now.interfaces[2].ipv4.addresses = {address("10.0.2.15", 24, false)};
    EXPECT_EQ(missing_dynamic_addressing(dynamic_requests(desired), desired, dhcp_host(), now),
              (Lines{"br0: no DHCP (IPv4) address arrived"}));
}

TEST(DynamicAddressing, TheLeasesOfAStateAreItsDynamicAddressesButNotLinkLocalOnes) {
    const auto leases = dynamic_addresses(dhcp_host());
    ASSERT_EQ(leases.size(), 2u);
    EXPECT_EQ(leases[0].first.str(), "nic0");
    EXPECT_EQ(leases[0].second.to_string(), "10.0.2.15/24");
    EXPECT_EQ(leases[1].second.to_string(), "fec0::5054:ff:fe4b:0/64");
}

// Answers for the gateways named, and records every question.
class ScriptedProber : public ConnectivityProber {
public:
    explicit ScriptedProber(std::set<std::string> answering) : m_answering(std::move(answering)) {}
    OpResult ping_gateway(const IfName& via, const IpAddress& gateway, std::chrono::milliseconds) override {
        asked.push_back(gateway.to_string() + " on " + via.str());
        if (m_answering.count(gateway.to_string())) return std::monostate{};
        return common::make_error("no echo reply");
    }
    OpResult connect_tcp(const std::string&, std::uint16_t, std::chrono::milliseconds) override { return std::monostate{}; }
    Lines asked;

private:
    std::set<std::string> m_answering;
};

TEST(GatewayProbe, AGatewayThatNeverAnsweredIsReportedAndNotRequired) {
    ScriptedProber prober({"10.0.2.2"});
    const auto baseline = probe_gateways_before(dhcp_host(), prober, std::chrono::milliseconds(10));
    EXPECT_EQ(prober.asked, (Lines{"10.0.2.2 on nic0", "fe80::2 on nic0"}));
    EXPECT_TRUE(baseline.answered.count(*IpAddress::parse("10.0.2.2")));
    EXPECT_TRUE(baseline.silent.count(*IpAddress::parse("fe80::2")));

    prober.asked.clear();
    const auto desired = with_inherited_addressing(desired_from_yaml(k_kickstart_bridge), dhcp_host());
    const auto report = verify(desired, {}, dhcp_host(), bridged_with_lease(true), prober,
                               std::chrono::milliseconds(10), &baseline);
    EXPECT_TRUE(report.ok()) << report.failures.front();
    EXPECT_EQ(prober.asked, (Lines{"10.0.2.2 on br0"}));
    EXPECT_EQ(report.passed, (Lines{"gateway 10.0.2.2 on br0 answers",
                                    "gateway fe80::2 on br0 not asked: it did not answer before the change either"}));
}

TEST(GatewayProbe, AGatewayThatAnsweredBeforeAndNoLongerDoesFailsTheApply) {
    ScriptedProber before_change({"10.0.2.2", "fe80::2"});
    const auto baseline = probe_gateways_before(dhcp_host(), before_change, std::chrono::milliseconds(10));
    ScriptedProber after_change({"fe80::2"});
    const auto desired = with_inherited_addressing(desired_from_yaml(k_kickstart_bridge), dhcp_host());
    const auto report = verify(desired, {}, dhcp_host(), bridged_with_lease(true), after_change,
                               std::chrono::milliseconds(10), &baseline);
    EXPECT_EQ(report.failures, (Lines{"gateway 10.0.2.2 on br0 does not answer: no echo reply"}));
}

TEST(GatewayProbe, WithoutABaselineEveryGatewayMustAnswer) {
    ScriptedProber prober({"10.0.2.2"});
    const auto desired = with_inherited_addressing(desired_from_yaml(k_kickstart_bridge), dhcp_host());
    const auto report =
        verify(desired, {}, dhcp_host(), bridged_with_lease(true), prober, std::chrono::milliseconds(10));
    EXPECT_EQ(report.failures, (Lines{"gateway fe80::2 on br0 does not answer: no echo reply"}));
}

}  // namespace
}  // namespace netconfig
