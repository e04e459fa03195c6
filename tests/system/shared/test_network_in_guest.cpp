// kvm-agent's network step on a real host kernel (bonding, 802.1Q), read back with ip, bridge and
// /proc/net/bonding: a bond of the two spare NICs under a bridge that carries the address, a VLAN on top; the
// same bond under a bridge on DHCP and SLAAC from the segment's own server (dnsmasq); and a change that cuts
// the host off its gateway, rolled back by itself.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/nm_guest.h"

namespace {

using namespace tests::system;

// The spare NICs nic1 and nic2 share an isolated segment: a bond of them, a bridge over it with the host's
// LAN address, a VLAN for guests on top.
constexpr const char* k_bond_bridge_vlan = R"(network:
  interfaces:
  - name: bond0
    type: bond
    state: up
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br0
    type: linux-bridge
    state: up
    mac-address: from-port
    ipv4:
      enabled: true
      dhcp: false
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: bond0}]
  - name: br0.20
    type: vlan
    state: up
    vlan: {base-iface: br0, id: 20}
    ipv4:
      enabled: true
      address: [{ip: 198.51.100.10, prefix-length: 24}]
  verify:
    rollback-after: 20s
)";

constexpr const char* k_remove_bond_bridge_vlan = R"(network:
  interfaces:
  - {name: br0.20, state: absent}
  - {name: br0, state: absent}
  - {name: bond0, state: absent}
)";

// The isolated segment's own DHCP and router-advertisement server: the third NIC on it, moved into network
// namespace `segment` as seg0 (198.51.100.1/24, fd00:51::1/64), with dnsmasq handing out leases and
// advertising fd00:51::/64 for SLAAC. No router option: the host's default route stays on nic0.
constexpr const char* k_start_segment_server = R"sh(set -e
nic=$(ip -o link | awk '/52:54:00:4b:00:03/ {sub(":", "", $2); print $2}')
ip netns add segment
ip link set "$nic" netns segment
ip -n segment link set "$nic" name seg0
ip -n segment addr add 198.51.100.1/24 dev seg0
ip -n segment addr add fd00:51::1/64 dev seg0 nodad
ip -n segment link set lo up
ip -n segment link set seg0 up
ip netns exec segment dnsmasq --port=0 --interface=seg0 --bind-interfaces --no-resolv --no-hosts \
  --dhcp-range=198.51.100.50,198.51.100.59,255.255.255.0,1h --dhcp-option=option:router \
  --enable-ra --dhcp-range=fd00:51::,ra-only,64,1h \
  --dhcp-leasefile=/run/segment-dnsmasq.leases --pid-file=/run/segment-dnsmasq.pid
)sh";
constexpr const char* k_stop_segment_server = R"sh(kill "$(cat /run/segment-dnsmasq.pid)" 2>/dev/null
ip netns del segment 2>/dev/null
rm -f /run/segment-dnsmasq.leases /run/segment-dnsmasq.pid
true
)sh";

// A bond of the two NICs on that segment under a bridge that takes its address from the segment's DHCP
// server and router advertisements, as nmstate writes it.
constexpr const char* k_bond_under_dhcp_bridge = R"(network:
  interfaces:
  - name: bond1
    type: bond
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br1
    type: linux-bridge
    mac-address: from-port
    ipv4: {enabled: true, dhcp: true}
    ipv6: {enabled: true, autoconf: true}
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: bond1}]
  verify:
    rollback-after: 30s
)";

constexpr const char* k_remove_bond_under_dhcp_bridge = R"(network:
  interfaces:
  - {name: br1, state: absent}
  - {name: bond1, state: absent}
)";

class GuestNetwork : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(m_guest->run({"mkdir", "-p", "/etc/kvm-agent"}).exit_code, 0);
    }

    tests::ProcessResult apply(const std::string& profile, std::vector<std::string> extra = {}) {
        m_guest->write_file(k_guest_profile_path, profile);
        EXPECT_EQ(m_guest->run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
        // The network section alone: the guest's readiness verdict (its small disk) is not the network's.
        std::vector<std::string> argv = {k_guest_agent, "apply", "--profile", k_guest_profile_path, "--only",
                                         "network"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return m_guest->run(argv);
    }

    nlohmann::json ip_json(const std::vector<std::string>& args) { return guest_ip_json(*m_guest, args); }
    // The last journal entry kvm-agent wrote with this MESSAGE_ID (kvm-agent(8)), as journalctl -o json gives it.
    nlohmann::json last_journal_entry(const std::string& message_id) {
        m_guest->run({"journalctl", "--sync"});
        const auto read = m_guest->run({"journalctl", "-o", "json", "--no-pager", "-n", "1", "SYSLOG_IDENTIFIER=kvm-agent",
                                        "MESSAGE_ID=" + message_id});
        return read.out.empty() ? nlohmann::json::object() : nlohmann::json::parse(read.out);
    }
};

TEST_F(GuestNetwork, BondOfTwoNicsUnderABridgeWithAVlanAndASecondApplyChangesNothing) {
    const auto applied = apply(k_bond_bridge_vlan);
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;

    const auto bonding = m_guest->read_file("/proc/net/bonding/bond0");
    EXPECT_NE(bonding.find("Bonding Mode: fault-tolerance (active-backup)"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("MII Polling Interval (ms): 100"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic1"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic2"), std::string::npos) << bonding;

    const auto bond = ip_json({"-d", "link", "show", "bond0"});
    ASSERT_EQ(bond.size(), 1u);
    EXPECT_EQ(bond[0].value("master", ""), "br0");
    const auto bridge_ports = nlohmann::json::parse(m_guest->run({"bridge", "-j", "link", "show"}).out);
    bool bond_is_port = false;
    for (const auto& port : bridge_ports) bond_is_port |= port.value("ifname", "") == "bond0" && port.value("master", "") == "br0";
    EXPECT_TRUE(bond_is_port) << bridge_ports.dump();

    const auto vlan = ip_json({"-d", "link", "show", "br0.20"});
    ASSERT_EQ(vlan.size(), 1u);
    EXPECT_EQ(vlan[0].at("linkinfo").at("info_kind"), "vlan");
    EXPECT_EQ(vlan[0].at("linkinfo").at("info_data").at("id"), 20);
    EXPECT_EQ(vlan[0].value("link", ""), "br0");

    const auto bridge_addresses = ip_json({"addr", "show", "br0"});
    ASSERT_EQ(bridge_addresses.size(), 1u);
    bool has_address = false;
    for (const auto& address : bridge_addresses[0].at("addr_info"))
        has_address |= address.value("local", "") == "192.0.2.10" && address.value("prefixlen", 0) == 24;
    EXPECT_TRUE(has_address) << bridge_addresses.dump();
    // The bridge took its port's MAC, which the bond took from its first NIC.
    EXPECT_EQ(ip_json({"link", "show", "br0"})[0].value("address", "?"),
              ip_json({"link", "show", "bond0"})[0].value("address", "!"));

    const auto again = apply(k_bond_bridge_vlan, {"--output", "json"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    const auto report = nlohmann::json::parse(again.out);
    EXPECT_EQ(report.at("network").at("outcome"), "in-sync") << again.out;

    const auto removed = apply(k_remove_bond_bridge_vlan);
    EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
    EXPECT_TRUE(ip_json({"link", "show", "br0"}).empty());
    EXPECT_TRUE(ip_json({"link", "show", "bond0"}).empty());
    EXPECT_EQ(m_guest->run({"test", "-e", "/proc/net/bonding/bond0"}).exit_code, 1);
    // Nothing of ours is left for NetworkManager to bring the bond back with, now or at boot: the ports'
    // profiles went with their bond's.
    const auto profiles = m_guest->run({"nmcli", "-t", "-f", "NAME", "connection", "show"});
    EXPECT_EQ(profiles.out.find("kvm-agent-"), std::string::npos) << profiles.out;
}

TEST_F(GuestNetwork, ABondOfTwoNicsUnderABridgeTakesItsLeaseAndSlaacAddressFromTheSegment) {
    m_guest->run({"sh", "-c", k_stop_segment_server});
    const auto server = m_guest->run({"sh", "-c", k_start_segment_server});
    ASSERT_EQ(server.exit_code, 0) << server.out << server.err;
    const auto nic1_mac = ip_json({"link", "show", "nic1"})[0].value("address", "?");

    const auto applied = apply(k_bond_under_dhcp_bridge, {"--output", "json"});
    EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    const auto report = nlohmann::json::parse(applied.out);
    EXPECT_EQ(report.at("network").at("outcome"), "applied") << applied.out;

    const auto bonding = m_guest->read_file("/proc/net/bonding/bond1");
    EXPECT_NE(bonding.find("Slave Interface: nic1"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic2"), std::string::npos) << bonding;
    EXPECT_EQ(ip_json({"link", "show", "bond1"})[0].value("master", ""), "br1");
    const auto bridge = ip_json({"addr", "show", "br1"});
    ASSERT_EQ(bridge.size(), 1u);
    EXPECT_EQ(bridge[0].value("address", ""), nic1_mac) << "br1 takes the bond's MAC, the bond its first NIC's";
    std::string lease;
    bool slaac = false;
    for (const auto& address : bridge[0].at("addr_info")) {
        const auto local = address.value("local", "");
        if (address.value("family", "") == "inet" && address.value("dynamic", false)) lease = local;
        slaac |= local.rfind("fd00:51::", 0) == 0 && address.value("prefixlen", 0) == 64 &&
                 address.value("dynamic", false);
    }
    EXPECT_EQ(lease.rfind("198.51.100.5", 0), 0u) << bridge.dump();
    EXPECT_TRUE(slaac) << "a SLAAC address from the segment's advertisement: " << bridge.dump();
    // The server saw br1's MAC, the NIC's: a DHCP server keyed on it gives the same lease.
    const auto leases = m_guest->read_file("/run/segment-dnsmasq.leases");
    EXPECT_NE(leases.find(nic1_mac), std::string::npos) << leases;
    EXPECT_EQ(m_guest->run({"ping", "-c", "1", "-W", "5", "-I", "br1", "198.51.100.1"}).exit_code, 0);
    EXPECT_EQ(nm_device(*m_guest, "br1"), "100 (connected)\nkvm-agent-br1");
    const auto plan = m_guest->run({k_guest_agent, "plan", "--profile", k_guest_profile_path});
    EXPECT_EQ(plan.exit_code, 0) << "plan is not in sync:\n" << plan.out << plan.err;

    const auto removed = apply(k_remove_bond_under_dhcp_bridge);
    EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
    EXPECT_TRUE(ip_json({"link", "show", "br1"}).empty());
    EXPECT_TRUE(ip_json({"link", "show", "bond1"}).empty());
    const auto profiles = m_guest->run({"nmcli", "-t", "-f", "NAME", "connection", "show"});
    EXPECT_EQ(profiles.out.find("kvm-agent-"), std::string::npos) << profiles.out;
    m_guest->run({"sh", "-c", k_stop_segment_server});
}

// At boot NetworkManager is busy starting devices and may answer CheckpointCreate after kvm-agent stopped waiting;
// it makes the checkpoint still. That checkpoint guards the change and goes with it: none is left to hold the
// devices and refuse the next run ("device 'lo' is already included in checkpoint ..."), or to roll the host
// back by itself when its timeout runs out. A 1 us wait ($KVM_AGENT_CHECKPOINT_ANSWER_US, a test hook) always
// overruns.
TEST_F(GuestNetwork, ACheckpointNetworkManagerAnswersLateGuardsTheChangeAndIsNotLeftBehind) {
    const auto checkpoints = [&] {
        return m_guest->run({"busctl", "get-property", "org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager",
                             "org.freedesktop.NetworkManager", "Checkpoints"}).out;
    };
    const auto audit_lines = [&](const std::string& op) {
        const auto journal = m_guest->run({"journalctl", "-u", "NetworkManager", "--no-pager", "-o", "cat"}).out;
        const std::string needle = "op=\"" + op + "\"";
        std::size_t count = 0;
        for (auto at = journal.find(needle); at != std::string::npos; at = journal.find(needle, at + 1)) ++count;
        return count;
    };
    ASSERT_EQ(checkpoints(), "ao 0\n");
    const auto created_before = audit_lines("checkpoint-create");
    const auto destroyed_before = audit_lines("checkpoint-destroy");

    m_guest->write_file(k_guest_profile_path, k_bond_bridge_vlan);
    ASSERT_EQ(m_guest->run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
    const auto applied = m_guest->run({"env", "KVM_AGENT_CHECKPOINT_ANSWER_US=1", k_guest_agent, "apply", "--profile",
                                       k_guest_profile_path, "--only", "network", "--output", "json"});
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    EXPECT_EQ(nlohmann::json::parse(applied.out).at("network").at("outcome"), "applied") << applied.out;
    EXPECT_EQ(ip_json({"link", "show", "br0.20"}).size(), 1u);
    EXPECT_EQ(checkpoints(), "ao 0\n");
    EXPECT_EQ(audit_lines("checkpoint-create"), created_before + 1) << "one checkpoint, the late one, not a second";
    EXPECT_EQ(audit_lines("checkpoint-destroy"), destroyed_before + 1) << "released with the change kept";

    // The next run is not refused by a checkpoint left behind, and finds nothing to do.
    const auto again = apply(k_bond_bridge_vlan, {"--output", "json"});
    EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(nlohmann::json::parse(again.out).at("network").at("outcome"), "in-sync") << again.out;

    const auto removed = apply(k_remove_bond_bridge_vlan);
    EXPECT_EQ(removed.exit_code, 0) << removed.out << removed.err;
    EXPECT_TRUE(ip_json({"link", "show", "br0"}).empty());
}

TEST_F(GuestNetwork, AChangeThatCutsTheHostOffItsGatewayIsRolledBack) {
    // Moves the uplink nic0 under a bridge whose default route points at a gateway that is not there.
    const auto before_routes = ip_json({"route", "show", "default"});
    ASSERT_FALSE(before_routes.empty()) << "the guest has no default route to lose";
    const std::string gateway = before_routes[0].at("gateway");
    const auto before_addresses = ip_json({"-4", "addr", "show", "nic0"});
    ASSERT_FALSE(before_addresses.empty());
    const std::string address = before_addresses[0].at("addr_info")[0].at("local");
    const int prefix = before_addresses[0].at("addr_info")[0].at("prefixlen");

    const std::string cut_off = R"(network:
  interfaces:
  - name: brup
    type: linux-bridge
    mac-address: from-port
    ipv4: {enabled: true, address: [{ip: )" + address + ", prefix-length: " + std::to_string(prefix) + R"(}]}
    bridge: {options: {stp: {enabled: false}}, port: [{name: nic0}]}
  - name: nic0
    ipv4: {enabled: false}
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 10.0.2.99, next-hop-interface: brup}
  verify:
    rollback-after: 5s
)";
    const auto applied = apply(cut_off, {"--output", "json"});
    EXPECT_EQ(applied.exit_code, 1) << applied.out << applied.err;
    const auto report = nlohmann::json::parse(applied.out);
    EXPECT_EQ(report.at("network").at("outcome"), "rolled-back") << applied.out;
    EXPECT_NE(report.at("network").at("failures").dump().find("10.0.2.99 on brup does not answer"), std::string::npos);

    EXPECT_TRUE(ip_json({"link", "show", "brup"}).empty());
    const auto routes = ip_json({"route", "show", "default"});
    ASSERT_FALSE(routes.empty());
    EXPECT_EQ(routes[0].value("gateway", ""), gateway);
    EXPECT_EQ(routes[0].value("dev", ""), "nic0");
    const auto addresses = ip_json({"-4", "addr", "show", "nic0"});
    ASSERT_FALSE(addresses.empty());
    EXPECT_EQ(addresses[0].at("addr_info")[0].value("local", ""), address);
    EXPECT_EQ(m_guest->run({"ping", "-c", "1", "-W", "5", gateway}).exit_code, 0) << "the gateway answers again";

    // The journal says so: the network step failed (err), and its change was rolled back (warning), with why.
    const auto failed = last_journal_entry("c1d3a9d0f52649c5b6c77d07fda48ddf");
    EXPECT_EQ(failed.value("PRIORITY", ""), "3") << failed.dump();
    EXPECT_EQ(failed.value("KVM_SECTION", ""), "network") << failed.dump();
    const auto rolled_back = last_journal_entry("37f9ab308b6a4c74834ed3a941ed335f");
    EXPECT_EQ(rolled_back.value("PRIORITY", ""), "4") << rolled_back.dump();
    EXPECT_EQ(rolled_back.value("KVM_ROLLBACK", ""), "done") << rolled_back.dump();
    EXPECT_NE(rolled_back.value("KVM_ERROR", "").find("10.0.2.99 on brup does not answer"), std::string::npos)
        << rolled_back.dump();
}

}  // namespace
