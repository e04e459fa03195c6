// The product's headline case, in a guest of its own: a host whose installer left the uplink nic0 on DHCP,
// owned by NetworkManager (the image's `uplink` profile, ipv4.method auto; QEMU's user network serves the lease
// and router advertisements), moved onto br0 by docs/kickstart.md's network section as shipped.
// - A change whose gateway stops answering on br0 is rolled back, and the host is exactly as before: the NIC's
//   own profile active again, `ip -j -d addr` and `ip -j route` equal to the ones from before but for lease
//   lifetimes.
// - The kickstart profile converges: br0 has nic0's MAC and the same lease, the default route goes through br0
//   and the gateway answers there, `plan` is in sync, and a reboot keeps all of it.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/nm_guest.h"

namespace {

using namespace tests::system;

constexpr const char* k_profile_path = "/etc/kvm-agent/host.yaml";
constexpr const char* k_uplink_mac = "52:54:00:4b:00:00";
constexpr const char* k_lease = "10.0.2.15";
constexpr const char* k_gateway = "10.0.2.2";

// docs/kickstart.md's network section, its `eno1` renamed to this guest's uplink.
std::string kickstart_network(const std::string& rollback_after) {
    return R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    state: up
    mac-address: from-port
    ipv4: {enabled: true, dhcp: true}
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: nic0}]
  verify:
    probe: [gateway]
    rollback-after: )" + rollback_after + "\n";
}

// Drops the gateway's echo replies arriving on br0 only: it answers before the change (on nic0), not after.
constexpr const char* k_silence_gateway_on_br0 = R"(table inet kvmtest {
  chain input {
    type filter hook input priority -300; policy accept;
    iifname "br0" ip saddr 10.0.2.2 icmp type echo-reply drop
  }
}
)";

class DhcpUplink : public FreshGuestTest {
protected:
    nlohmann::json ip_json(const std::vector<std::string>& args) const { return guest_ip_json(*m_guest, args); }

    // `ip -j -d addr` without what a lease renewal changes by itself.
    nlohmann::json addresses() const {
        // An address still in duplicate address detection would differ by its `tentative` flag alone.
        for (int second = 0; second < 30 && !m_guest->run({"ip", "addr", "show", "tentative"}).out.empty(); ++second)
            std::this_thread::sleep_for(std::chrono::seconds(1));
        auto links = ip_json({"-d", "addr"});
        for (auto& link : links)
            for (auto& address : link["addr_info"]) {
                address.erase("valid_life_time");
                address.erase("preferred_life_time");
            }
        return links;
    }

    // `ip -j route` of a family without the expiry countdown of routes learnt from router advertisements.
    nlohmann::json routes(const std::string& family) const {
        auto routes = ip_json({family, "route"});
        for (auto& route : routes) route.erase("expires");
        return routes;
    }

    tests::ProcessResult apply(const std::string& profile) const {
        m_guest->write_file(k_profile_path, profile);
        EXPECT_EQ(m_guest->run({"chmod", "600", k_profile_path}).exit_code, 0);
        return m_guest->run({k_guest_agent, "apply", "--profile", k_profile_path, "--only", "network", "--output",
                             "json"});
    }

    // What an admin looks at on a host that converged: br0 with nic0's MAC and the same lease, the default
    // route through br0, the gateway answering there, and NetworkManager running our profile on br0.
    void expect_converged(const std::string& when) const {
        SCOPED_TRACE(when);
        const auto bridge = ip_json({"-d", "addr", "show", "br0"});
        ASSERT_EQ(bridge.size(), 1u) << "no br0";
        EXPECT_EQ(bridge[0].value("address", ""), k_uplink_mac);
        bool leased = false;
        for (const auto& address : bridge[0].at("addr_info"))
            leased |= address.value("local", "") == k_lease && address.value("prefixlen", 0) == 24 &&
                      address.value("dynamic", false);
        EXPECT_TRUE(leased) << bridge.dump();
        EXPECT_EQ(ip_json({"link", "show", "nic0"})[0].value("master", ""), "br0");
        const auto routes = ip_json({"-4", "route", "show", "default"});
        ASSERT_EQ(routes.size(), 1u) << routes.dump();
        EXPECT_EQ(routes[0].value("dev", ""), "br0");
        EXPECT_EQ(routes[0].value("gateway", ""), k_gateway);
        EXPECT_EQ(m_guest->run({"ping", "-c", "1", "-W", "5", "-I", "br0", k_gateway}).exit_code, 0);
        EXPECT_EQ(nm_device(*m_guest, "br0"), "100 (connected)\nkvm-agent-br0");
        const auto plan = m_guest->run({k_guest_agent, "plan", "--profile", k_profile_path});
        EXPECT_EQ(plan.exit_code, 0) << "plan is not in sync:\n" << plan.out << plan.err;
    }

    std::optional<GuestVm> m_guest;
};

TEST_F(DhcpUplink, TheKickstartBridgeTakesTheLeaseKeepsItAcrossARebootAndALostGatewayRollsBackExactly) {
    m_guest = boot_guest();
    if (!m_guest) GTEST_SKIP() << m_skip_reason;
    must_run(*m_guest, {"nm-online", "-s", "-q", "-t", "120"});
    must_run(*m_guest, {"mkdir", "-p", "/etc/kvm-agent"});
    ASSERT_EQ(nm_device(*m_guest, "nic0"), "100 (connected)\nuplink");

    // 1. The gateway answers on nic0 but not on br0: the change is rolled back, to exactly the host before.
    m_guest->write_file("/root/silence.nft", k_silence_gateway_on_br0);
    must_run(*m_guest, {"nft", "-f", "/root/silence.nft"});
    const auto addresses_before = addresses();
    const auto routes_before = routes("-4");
    const auto routes6_before = routes("-6");
    const auto rolled = apply(kickstart_network("20s"));
    EXPECT_EQ(rolled.exit_code, 1) << rolled.out << rolled.err;
    const auto report = nlohmann::json::parse(rolled.out);
    EXPECT_EQ(report.at("network").at("outcome"), "rolled-back") << rolled.out;
    EXPECT_NE(report.at("network").at("failures").dump().find("gateway 10.0.2.2 on br0 does not answer"),
              std::string::npos)
        << rolled.out;
    EXPECT_TRUE(ip_json({"link", "show", "br0"}).empty());
    EXPECT_EQ(nm_device(*m_guest, "nic0"), "100 (connected)\nuplink");
    EXPECT_EQ(addresses(), addresses_before);
    EXPECT_EQ(routes("-4"), routes_before);
    EXPECT_EQ(routes("-6"), routes6_before);
    EXPECT_EQ(m_guest->run({"test", "-e", k_keyfile_dir + "kvm-agent-br0.nmconnection"}).exit_code, 1);
    must_run(*m_guest, {"nft", "delete", "table", "inet", "kvmtest"});

    // 2. The kickstart profile as shipped converges, and a second apply changes nothing.
    const auto applied = apply(kickstart_network("60s"));
    // 2: applied, and the guest's readiness is NOT_READY for reasons of its own (its small disk, TCG).
    EXPECT_TRUE(applied.exit_code == 0 || applied.exit_code == 2) << applied.out << applied.err;
    EXPECT_EQ(nlohmann::json::parse(applied.out).at("network").at("outcome"), "applied") << applied.out;
    expect_converged("after the apply");
    const auto again = apply(kickstart_network("60s"));
    EXPECT_EQ(nlohmann::json::parse(again.out).at("network").at("outcome"), "in-sync") << again.out;

    // 3. A reboot brings it back from the persisted profiles.
    m_guest->reboot();
    must_run(*m_guest, {"nm-online", "-s", "-q", "-t", "120"});
    expect_converged("after a reboot");
}

}  // namespace
