// NetworkManager keyfiles from a desired state: the exact text for the system tier's bond-under-bridge-with-VLAN
// profile, and the rules (what comes from the host, gateways and routes, removals, refusals) case by case.
#include "netconfig/nm_keyfile.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "profile/profile.h"
#include "tests/unit/netconfig/plan_test_support.h"

namespace netconfig {
namespace {

using namespace netconfig::testing;

Interface* find(NetworkState& state, const std::string& name) { return state.find(IfName(name)); }

const NmKeyfile& file_for(const NmKeyfileSet& set, const std::string& name) {
    for (const auto& file : set.files)
        if (file.interface.str() == name) return file;
    throw std::runtime_error("no keyfile for " + name);
}

std::vector<std::string> names(const NmKeyfileSet& set) {
    std::vector<std::string> out;
    for (const auto& file : set.files) out.push_back(file.interface.str());
    return out;
}

// A guest like the system tier's: nic0 on the uplink with a DHCP lease, nic1 and nic2 spare.
NetworkState guest_host() {
    NetworkState state;
    state.interfaces.push_back(observed("lo", InterfaceType::other, "00:00:00:00:00:00", {address("127.0.0.1", 8)}));
    state.interfaces.back().other_kind = "loopback";
    state.interfaces.push_back(
        observed("nic0", InterfaceType::ethernet, "52:54:00:4b:00:00", {address("10.0.2.15", 24, true)}));
    state.interfaces.push_back(observed("nic1", InterfaceType::ethernet, "52:54:00:4b:00:01", {}, InterfaceState::down));
    state.interfaces.push_back(observed("nic2", InterfaceType::ethernet, "52:54:00:4b:00:02", {}, InterfaceState::down));
    state.routes.push_back(route("0.0.0.0/0", "10.0.2.2", "nic0", 100, "dhcp"));
    return state;
}

const std::string k_bond_bridge_vlan = R"(
  interfaces:
  - name: bond0
    type: bond
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br0
    type: linux-bridge
    mac-address: from-port
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    ipv6:
      enabled: false
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: bond0}]
  - name: br0.20
    type: vlan
    vlan: {base-iface: br0, id: 20}
    ipv4:
      enabled: false
  routes:
    config:
    - {destination: 198.51.100.0/24, next-hop-address: 192.0.2.254, next-hop-interface: br0}
)";

TEST(NmKeyfile, BondUnderBridgeWithVlanIsWrittenExactly) {
    const auto set = nm_keyfiles(desired_from_yaml(k_bond_bridge_vlan), guest_host());
    ASSERT_TRUE(set.ok()) << set.error().message;

    // Controllers before their ports, bases before their VLANs.
    EXPECT_EQ(names(*set), (std::vector<std::string>{"br0", "bond0", "br0.20", "nic1", "nic2"}));
    EXPECT_TRUE(set->removed.empty());

    EXPECT_EQ(file_for(*set, "br0").file_name, "kvm-agent-br0.nmconnection");
    EXPECT_EQ(file_for(*set, "br0").id, "kvm-agent-br0");
    EXPECT_FALSE(file_for(*set, "br0").is_port);
    EXPECT_EQ(file_for(*set, "br0").content, R"(# Written by kvm-agent from the host profile; the next apply replaces changes made here.

[connection]
id=kvm-agent-br0
uuid=edc79717-d27c-5ef1-90a5-5f8d9cedca1d
type=bridge
interface-name=br0
autoconnect=true
autoconnect-priority=100
autoconnect-slaves=1

[ethernet]
cloned-mac-address=52:54:00:4B:00:01

[bridge]
stp=false

[ipv4]
method=manual
address1=192.0.2.10/24
route1=198.51.100.0/24,192.0.2.254

[ipv6]
method=disabled
)");

    EXPECT_TRUE(file_for(*set, "bond0").is_port);
    EXPECT_EQ(file_for(*set, "bond0").content, R"(# Written by kvm-agent from the host profile; the next apply replaces changes made here.

[connection]
id=kvm-agent-bond0
uuid=779290ed-aab8-59c7-b724-b12510736b97
type=bond
interface-name=bond0
autoconnect=true
autoconnect-priority=100
master=edc79717-d27c-5ef1-90a5-5f8d9cedca1d
slave-type=bridge
autoconnect-slaves=1

[ethernet]
cloned-mac-address=52:54:00:4B:00:01

[bond]
mode=active-backup
miimon=100
)");

    EXPECT_EQ(file_for(*set, "nic1").content, R"(# Written by kvm-agent from the host profile; the next apply replaces changes made here.

[connection]
id=kvm-agent-nic1
uuid=2b56580b-2751-5963-b92f-958ea2e274d8
type=ethernet
interface-name=nic1
autoconnect=true
autoconnect-priority=100
master=779290ed-aab8-59c7-b724-b12510736b97
slave-type=bond
)");

    EXPECT_EQ(file_for(*set, "br0.20").content, R"(# Written by kvm-agent from the host profile; the next apply replaces changes made here.

[connection]
id=kvm-agent-br0.20
uuid=f5464e59-21fb-501b-b410-433b98f96384
type=vlan
interface-name=br0.20
autoconnect=true
autoconnect-priority=100

[vlan]
parent=br0
id=20

[ipv4]
method=disabled

[ipv6]
method=link-local
addr-gen-mode=eui64
)");
}

TEST(NmKeyfile, UuidsAreVersion5OfTheInterfaceName) {
    // Reference values: Python's uuid.uuid5(UUID("c21eb364-fc3e-49ef-94e6-1d0a5c7976bc"), name).
    EXPECT_EQ(nm_profile_uuid(IfName("br0")), "edc79717-d27c-5ef1-90a5-5f8d9cedca1d");
    EXPECT_EQ(nm_profile_uuid(IfName("eno1")), "e9fdd776-73d7-55e1-9f81-96b5e5fbbdc3");
    EXPECT_EQ(nm_profile_uuid(IfName("nic2")), "e9aa332f-9e4a-5ea0-929c-374bb03a7eef");
    EXPECT_NE(nm_profile_uuid(IfName("br0")), nm_profile_uuid(IfName("br1")));
    EXPECT_EQ(nm_keyfile_name(IfName("br0.20")), "kvm-agent-br0.20.nmconnection");
}

// The guest after applying k_bond_bridge_vlan, as the kernel reports it: the bond took nic1's MAC and gave it
// to nic2, br0 took the bond's (from-port), the ports have path costs, STP timers have their defaults.
NetworkState after_bond_bridge_vlan() {
    auto state = guest_host();
    const std::string mac1 = "52:54:00:4b:00:01";
    auto bond = observed("bond0", InterfaceType::bond, mac1);
    bond.bond->mode = BondMode::active_backup;
    bond.bond->options.miimon = 100;
    bond.bond->options.updelay = 0;
    bond.bond->options.downdelay = 0;
    bond.bond->options.xmit_hash_policy = XmitHashPolicy::layer2;
    bond.bond->ports = {IfName("nic1"), IfName("nic2")};
    bond.controller = IfName("br0");
    auto bridge = observed("br0", InterfaceType::linux_bridge, mac1, {address("192.0.2.10", 24)});
    bridge.bridge->options.stp = {false, 15, 2, 20, 32768};
    bridge.bridge->ports->push_back({IfName("bond0"), 100, 32});
    auto vlan = observed("br0.20", InterfaceType::vlan, mac1, {address("fe80::5054:ff:fe4b:1", 64)});
    vlan.vlan = VlanConfig{IfName("br0"), 20};
    for (const char* port : {"nic1", "nic2"}) {
        find(state, port)->controller = IfName("bond0");
        find(state, port)->state = InterfaceState::up;
        find(state, port)->mac_address = MacAddress::parse(mac1);
    }
    state.interfaces.push_back(bond);
    state.interfaces.push_back(bridge);
    state.interfaces.push_back(vlan);
    state.routes.push_back(route("192.0.2.0/24", "", "br0", 0, "kernel"));
    state.routes.push_back(route("198.51.100.0/24", "192.0.2.254", "br0", 0, "static"));
    return state;
}

TEST(NmKeyfile, ApplyingTheSameProfileAgainWritesTheSameFiles) {
    const auto desired = desired_from_yaml(k_bond_bridge_vlan);
    const auto before = guest_host();
    const auto first = nm_keyfiles(desired, before);
    const auto again = nm_keyfiles(desired, before);
    const auto after = nm_keyfiles(desired, after_bond_bridge_vlan());
    ASSERT_TRUE(first.ok() && again.ok() && after.ok());
    ASSERT_EQ(first->files.size(), again->files.size());
    ASSERT_EQ(first->files.size(), after->files.size());
    for (std::size_t i = 0; i < first->files.size(); ++i) {
        EXPECT_EQ(first->files[i].content, again->files[i].content);
        // Read against the host before or after the apply, the files are the same.
        EXPECT_EQ(first->files[i].content, after->files[i].content) << first->files[i].file_name;
    }
}

// The firewall section's zone for an interface is in its profile: the firewall step then finds it set, and
// NetworkManager never rewrites our file in its own words.
TEST(NmKeyfile, TheFirewallZoneOfAnInterfaceIsItsProfilesZone) {
    const auto set = nm_keyfiles(desired_from_yaml(k_bond_bridge_vlan), guest_host(), {{"br0", "internal"}});
    ASSERT_TRUE(set.ok()) << set.error().message;
    const auto& bridge = file_for(*set, "br0").content;
    const auto start = bridge.find("[connection]\n");
    ASSERT_NE(start, std::string::npos) << bridge;
    const auto connection = bridge.substr(start, bridge.find("\n\n", start) - start + 1);
    EXPECT_NE(connection.find("\nzone=internal\n"), std::string::npos) << bridge;
    for (const auto& file : set->files) {
        if (file.interface.str() != "br0") {
            EXPECT_EQ(file.content.find("zone="), std::string::npos) << file.file_name;
        }
    }
}

TEST(NmKeyfile, ABridgeThatFollowsItsPortKeepsTheMacTheApplyGaveIt) {
    // udev gives a bond made by the apply a MAC of its own (MACAddressPolicy=persistent) and its ports take it;
    // the planner gave br0 nic1's own MAC all the same. The keyfile pins what br0 has, not the bond's MAC.
    auto host = after_bond_bridge_vlan();
    const auto udev_mac = MacAddress::parse("72:5c:89:13:e3:66");
    find(host, "bond0")->mac_address = udev_mac;
    find(host, "nic1")->mac_address = udev_mac;
    find(host, "nic2")->mac_address = udev_mac;
    const auto set = nm_keyfiles(desired_from_yaml(k_bond_bridge_vlan), host);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_NE(file_for(*set, "br0").content.find("cloned-mac-address=52:54:00:4B:00:01\n"), std::string::npos)
        << file_for(*set, "br0").content;
}

TEST(NmKeyfile, WhatTheProfileLeavesOpenIsTakenFromTheHost) {
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: br0
    type: linux-bridge
    bridge:
      port: [{name: nic1}]
  - name: nic0
    type: ethernet
)");
    auto host = guest_host();
    auto br0 = observed("br0", InterfaceType::linux_bridge, "52:54:00:4b:00:01",
                        {address("192.0.2.10", 24), address("2001:db8::10", 64, true)});
    br0.bridge->options.stp = {true, 4, 2, 20, 4096};
    br0.bridge->ports->push_back({IfName("nic1"), 7, 3});
    host.interfaces.push_back(br0);
    host.routes.push_back(route("203.0.113.0/24", "192.0.2.253", "br0", 50, "static"));
    host.routes.push_back(route("192.0.2.0/24", "", "br0", 0, "kernel"));

    const auto set = nm_keyfiles(desired, host);
    ASSERT_TRUE(set.ok()) << set.error().message;
    const auto& bridge = file_for(*set, "br0").content;
    EXPECT_NE(bridge.find("[bridge]\nstp=true\nforward-delay=4\npriority=4096\n"),
              std::string::npos) << bridge;
    // A static address stays static; a dynamic IPv6 one means autoconfiguration. The static route the host has
    // on br0 comes back after a reboot; the kernel's prefix route needs no entry.
    EXPECT_NE(bridge.find("[ipv4]\nmethod=manual\naddress1=192.0.2.10/24\nroute1=203.0.113.0/24,192.0.2.253,50\n"),
              std::string::npos) << bridge;
    EXPECT_NE(bridge.find("[ipv6]\nmethod=auto\naddr-gen-mode=eui64\n"), std::string::npos) << bridge;
    EXPECT_NE(file_for(*set, "nic1").content.find("[bridge-port]\npath-cost=7\npriority=3\n"), std::string::npos);
    // nic0's DHCP lease means DHCP.
    EXPECT_NE(file_for(*set, "nic0").content.find("[ipv4]\nmethod=auto\n"), std::string::npos)
        << file_for(*set, "nic0").content;
}

TEST(NmKeyfile, TheDefaultRouteBecomesTheGatewayOfItsInterface) {
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: br0
    type: linux-bridge
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    ipv6:
      enabled: true
      address: [{ip: 2001:db8::10, prefix-length: 64}]
    bridge:
      port: [{name: nic1, stp-path-cost: 10, stp-priority: 5}]
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.1, next-hop-interface: br0, metric: 150}
    - {destination: ::/0, next-hop-address: 2001:db8::1, next-hop-interface: br0}
    - {destination: 10.10.0.0/16, next-hop-address: 192.0.2.2, table-id: 100}
    - {destination: 10.20.0.0/16, next-hop-interface: br0, metric: 20}
    - {destination: 10.30.0.0/16, next-hop-address: 192.0.2.3, next-hop-interface: br0, state: absent}
)");
    const auto set = nm_keyfiles(desired, guest_host());
    ASSERT_TRUE(set.ok()) << set.error().message;
    const auto& bridge = file_for(*set, "br0").content;
    EXPECT_NE(bridge.find(R"([ipv4]
method=manual
address1=192.0.2.10/24
gateway=192.0.2.1
route-metric=150
route1=10.10.0.0/16,192.0.2.2
route1_options=table=100
route2=10.20.0.0/16,,20

[ipv6]
method=manual
address1=2001:db8::10/64
gateway=2001:db8::1
addr-gen-mode=eui64
)"),
              std::string::npos)
        << bridge;
    // A new bridge without STP settings runs STP, as nmstate and NetworkManager have it (the apply turns it on).
    EXPECT_NE(bridge.find("[bridge]\nstp=true\n\n"), std::string::npos) << bridge;
    EXPECT_NE(file_for(*set, "nic1").content.find("[bridge-port]\npath-cost=10\npriority=5\n"), std::string::npos);
    EXPECT_EQ(file_for(*set, "nic1").content.find("[ipv4]"), std::string::npos);
}

TEST(NmKeyfile, BondOptionsAreWrittenOnlyForModesThatUseThem) {
    struct Case {
        std::string mode_and_options;
        std::string section;
    };
    const std::vector<Case> cases = {
        {"mode: 802.3ad\n      options: {miimon: 100, lacp_rate: fast, xmit_hash_policy: layer3+4}",
         "[bond]\nmode=802.3ad\nmiimon=100\nlacp_rate=fast\nxmit_hash_policy=layer3+4\n"},
        {"mode: active-backup\n      options: {miimon: 100, updelay: 200, downdelay: 0, primary: nic1}",
         "[bond]\nmode=active-backup\nmiimon=100\nupdelay=200\ndowndelay=0\nprimary=nic1\n"},
        {"mode: balance-alb\n      options: {miimon: 50}", "[bond]\nmode=balance-alb\nmiimon=50\n"},
        {"options: {miimon: 100}", "[bond]\nmode=balance-rr\nmiimon=100\n"},
    };
    for (const auto& c : cases) {
        const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: bond0
    type: bond
    link-aggregation:
      )" + c.mode_and_options + R"(
      port: [nic1, nic2]
)");
        const auto set = nm_keyfiles(desired, guest_host());
        ASSERT_TRUE(set.ok()) << set.error().message;
        const auto& bond = file_for(*set, "bond0").content;
        EXPECT_NE(bond.find(c.section), std::string::npos) << c.mode_and_options << "\n" << bond;
    }
}

TEST(NmKeyfile, MtuStateDownAndExplicitMacAreKept) {
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: nic1
    type: ethernet
    state: down
    mtu: 9000
    mac-address: 02:00:00:00:00:01
    ipv4: {enabled: true, dhcp: true}
    ipv6: {enabled: true, dhcp: true}
)");
    const auto set = nm_keyfiles(desired, guest_host());
    ASSERT_TRUE(set.ok()) << set.error().message;
    const auto& nic = file_for(*set, "nic1");
    EXPECT_FALSE(nic.autoconnect);
    EXPECT_NE(nic.content.find("autoconnect=false\n"), std::string::npos);
    EXPECT_NE(nic.content.find("[ethernet]\nmtu=9000\ncloned-mac-address=02:00:00:00:00:01\n"), std::string::npos)
        << nic.content;
    EXPECT_NE(nic.content.find("[ipv4]\nmethod=auto\n"), std::string::npos);
    EXPECT_NE(nic.content.find("[ipv6]\nmethod=dhcp\n"), std::string::npos);
}

// nmstate's down on a controller: its profile and its ports' profiles stay, none of them activated at boot
// (NetworkManager would bring the controller up with an autoconnecting port).
TEST(NmKeyfile, ADownBridgeAndItsPortsKeepProfilesThatDoNotAutoconnect) {
    const auto desired = desired_from_yaml(R"(
  interfaces:
  - name: br0
    type: linux-bridge
    state: down
    bridge: {options: {stp: {enabled: false}}, port: [{name: nic1}]}
)");
    const auto set = nm_keyfiles(desired, guest_host());
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_FALSE(file_for(*set, "br0").autoconnect);
    EXPECT_FALSE(file_for(*set, "nic1").autoconnect);
    EXPECT_NE(file_for(*set, "nic1").content.find("autoconnect=false\n"), std::string::npos);
}

TEST(NmKeyfile, AbsentInterfacesAndReleasedPortsLoseTheirFiles) {
    auto host = guest_host();
    auto br0 = observed("br0", InterfaceType::linux_bridge, "52:54:00:4b:00:01");
    br0.bridge->ports = {{IfName("nic1"), 100, 32}, {IfName("nic2"), 100, 32}};
    host.interfaces.push_back(br0);
    for (auto& iface : host.interfaces)
        if (iface.name.str() == "nic1" || iface.name.str() == "nic2") iface.controller = IfName("br0");
    auto old = observed("old0", InterfaceType::linux_bridge, "52:54:00:4b:00:09");
    host.interfaces.push_back(old);

    const auto set = nm_keyfiles(desired_from_yaml(R"(
  interfaces:
  - name: br0
    type: linux-bridge
    bridge:
      port: [{name: nic1}]
  - name: old0
    state: absent
)"),
                                 host);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_EQ(names(*set), (std::vector<std::string>{"br0", "nic1"}));
    std::vector<std::string> removed;
    for (const auto& name : set->removed) removed.push_back(name.str());
    std::sort(removed.begin(), removed.end());
    EXPECT_EQ(removed, (std::vector<std::string>{"nic2", "old0"}));
}

// The ports of a bond that goes lose their profiles too: NetworkManager would create the bond again for them.
TEST(NmKeyfile, ThePortsOfAnAbsentControllerLoseTheirFiles) {
    auto host = guest_host();
    auto bond = observed("bond0", InterfaceType::bond, "52:54:00:4b:00:01");
    bond.bond->ports = {IfName("nic1"), IfName("nic2")};
    host.interfaces.push_back(bond);
    for (auto& iface : host.interfaces)
        if (iface.name.str() == "nic1" || iface.name.str() == "nic2") iface.controller = IfName("bond0");
    const auto set = nm_keyfiles(desired_from_yaml("  interfaces: [{name: bond0, state: absent}]\n"), host);
    ASSERT_TRUE(set.ok()) << set.error().message;
    std::vector<std::string> removed;
    for (const auto& name : set->removed) removed.push_back(name.str());
    std::sort(removed.begin(), removed.end());
    EXPECT_EQ(removed, (std::vector<std::string>{"bond0", "nic1", "nic2"}));
}

TEST(NmKeyfile, WhatCannotBePersistedIsRefusedWithTheReason) {
    struct Case {
        std::string yaml;
        std::string message;
    };
    const std::vector<Case> cases = {
        {R"(
  interfaces:
  - name: br0
    type: linux-bridge
  routes:
    config:
    - {destination: 10.0.0.0/8, next-hop-address: 10.0.2.3, next-hop-interface: nic0}
)",
         "cannot persist the network for NetworkManager: route to 10.0.0.0/8: nic0 is not an interface of the "
         "profile (list it to persist the route)"},
        {R"(
  interfaces:
  - name: br0
    type: linux-bridge
    ipv4: {enabled: true, address: [{ip: 192.0.2.10, prefix-length: 24}]}
  routes:
    config:
    - {destination: 10.0.0.0/8, next-hop-address: 198.51.100.1}
)",
         "cannot persist the network for NetworkManager: route to 10.0.0.0/8 via 198.51.100.1: no interface of "
         "the profile has an address in the gateway's subnet"},
        {R"(
  interfaces:
  - name: br0
    type: linux-bridge
    ipv4: {enabled: false}
  routes:
    config:
    - {destination: 10.0.0.0/8, next-hop-interface: br0}
)",
         "cannot persist the network for NetworkManager: br0: routes through it need ipv4, which the profile "
         "disables"},
    };
    for (const auto& c : cases) {
        const auto set = nm_keyfiles(desired_from_yaml(c.yaml), guest_host());
        ASSERT_FALSE(set.ok()) << c.yaml;
        EXPECT_EQ(set.error().message, c.message);
    }

    // A kind NetworkManager profiles are not written for, and one with no type at all.
    auto host = guest_host();
    auto vx = observed("vx0", InterfaceType::other, "52:54:00:4b:00:0a");
    vx.other_kind = "vxlan";
    host.interfaces.push_back(vx);
    NetworkState desired;
    desired.interfaces.emplace_back().name = IfName("vx0");
    auto refused = nm_keyfiles(desired, host);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message, "cannot persist the network for NetworkManager: vx0: NetworkManager keyfiles "
                                       "for interfaces of kind 'vxlan' are not written by kvm-agent");
    desired.interfaces.front().name = IfName("ghost0");
    refused = nm_keyfiles(desired, host);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message, "cannot persist the network for NetworkManager: ghost0: its type is not "
                                       "given and it does not exist on the host");
}

TEST(NmKeyfile, DummyInterfacesAndVethPairsHaveProfiles) {
    auto host = guest_host();
    NetworkState desired;
    auto& dummy = desired.interfaces.emplace_back();
    dummy.name = IfName("dummy0");
    dummy.type = InterfaceType::other;
    dummy.other_kind = "dummy";
    auto& veth = desired.interfaces.emplace_back();
    veth.name = IfName("veth0");
    veth.type = InterfaceType::veth;
    veth.veth = VethConfig{IfName("veth0p")};
    const auto set = nm_keyfiles(desired, host);
    ASSERT_TRUE(set.ok()) << set.error().message;
    EXPECT_NE(file_for(*set, "dummy0").content.find("type=dummy\n"), std::string::npos);
    EXPECT_NE(file_for(*set, "veth0").content.find("type=veth\n"), std::string::npos);
    EXPECT_NE(file_for(*set, "veth0").content.find("[veth]\npeer=veth0p\n"), std::string::npos);
}

// Before NetworkManager activates our bond profile, the ports the apply enslaved leave the bond (NetworkManager
// sets the bond's options first, which the kernel refuses while it has ports); once the profile runs, nothing
// is released, so a re-apply does not bounce the bond.
TEST(NmKeyfile, BondPortsAreReleasedOnlyWhileTheBondsProfileIsNotActive) {
    const auto desired = desired_from_yaml(k_bond_bridge_vlan);
    const auto host = after_bond_bridge_vlan();
    const auto set = nm_keyfiles(desired, host);
    ASSERT_TRUE(set.ok()) << set.error().message;

    // bond0 is a port of br0 too, but a bridge takes options with ports: it stays.
    EXPECT_EQ(bond_ports_to_release(*set, host, {}), (std::vector<IfName>{IfName("nic1"), IfName("nic2")}));
    EXPECT_EQ(bond_ports_to_release(*set, host, {nm_profile_uuid(IfName("br0"))}),
              (std::vector<IfName>{IfName("nic1"), IfName("nic2")}));
    EXPECT_TRUE(bond_ports_to_release(*set, host, {nm_profile_uuid(IfName("bond0"))}).empty());

    // A port not enslaved yet (the apply stopped before it) has nothing to leave.
    auto partly = host;
    find(partly, "nic2")->controller.reset();
    EXPECT_EQ(bond_ports_to_release(*set, partly, {}), (std::vector<IfName>{IfName("nic1")}));
}

}  // namespace
}  // namespace netconfig

namespace netconfig {
namespace {

TEST(NmKeyfileChanges, NamesEachKeyThatDiffersWithItsOldAndNewValue) {
    const std::string before = "# Written by kvm-agent\n[connection]\nid=kvm-agent-br0\n\n[ipv4]\nmethod=manual\n"
                               "address1=192.0.2.10/24\n\n[ipv6]\nmethod=link-local\n";
    const std::string after = "# Written by kvm-agent, again\n[connection]\nid=kvm-agent-br0\n\n[ipv4]\nmethod=auto\n\n"
                              "[ipv6]\nmethod=auto\naddr-gen-mode=eui64\n";
    EXPECT_EQ(nm_keyfile_changes(before, after),
              (std::vector<std::string>{"ipv4.method manual -> auto", "ipv6.method link-local -> auto",
                                        "ipv6.addr-gen-mode (none) -> eui64", "ipv4.address1 192.0.2.10/24 -> (none)"}));
    EXPECT_TRUE(nm_keyfile_changes(before, "# another comment\n" + before).empty());
    EXPECT_EQ(nm_keyfile_changes("not a keyfile", "[ipv4]\nmethod=auto\n"),
              (std::vector<std::string>{"ipv4.method (none) -> auto"}));
}

}  // namespace
}  // namespace netconfig
