// The product's headline case, in a guest of its own: a host whose installer left the uplink nic0 on DHCP,
// owned by NetworkManager (the image's `uplink` profile, ipv4.method auto; QEMU's user network serves the lease
// and router advertisements), moved onto br0 by docs/kickstart.md's network section as shipped.
// - A change whose gateway stops answering on br0 is rolled back, and the host is exactly as before: the NIC's
//   own profile active again, `ip -j -d addr` and `ip -j route` equal to the ones from before but for lease
//   lifetimes.
// - kvm-agent killed in the middle of that change is undone by NetworkManager's checkpoint: the lease back on
//   nic0 through its own profile. Killed again, the next apply has NetworkManager roll back at once.
// - The kickstart profile converges, with router advertisements arriving while NetworkManager re-attaches nic0:
//   br0 has nic0's MAC and the same lease, the default route goes through br0 and the gateway answers there,
//   nic0 carries no address, `plan` is in sync, and a reboot keeps all of it.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/kickstart_profile.h"
#include "tests/system/support/nm_guest.h"

namespace {

using namespace tests::system;

constexpr const char* k_uplink_mac = "52:54:00:4b:00:00";
constexpr const char* k_lease = "10.0.2.15";
constexpr const char* k_gateway = "10.0.2.2";
const std::string k_router_solicit_helper = "/mnt/build/tests/system/router-solicit-helper";

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
        m_guest->write_file(k_guest_profile_path, profile);
        EXPECT_EQ(m_guest->run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
        return m_guest->run({k_guest_agent, "apply", "--profile", k_guest_profile_path, "--only", "network", "--output",
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
        const auto port = ip_json({"addr", "show", "dev", "nic0"});
        ASSERT_EQ(port.size(), 1u);
        EXPECT_EQ(port[0].value("master", ""), "br0");
        for (const auto& address : port[0].at("addr_info"))
            EXPECT_EQ(address.value("scope", ""), "link") << "nic0 is a port and keeps an address: " << port.dump();
        const auto routes = ip_json({"-4", "route", "show", "default"});
        ASSERT_EQ(routes.size(), 1u) << routes.dump();
        EXPECT_EQ(routes[0].value("dev", ""), "br0");
        EXPECT_EQ(routes[0].value("gateway", ""), k_gateway);
        EXPECT_EQ(m_guest->run({"ping", "-c", "1", "-W", "5", "-I", "br0", k_gateway}).exit_code, 0);
        EXPECT_EQ(nm_device(*m_guest, "br0"), "100 (connected)\nkvm-agent-br0");
        const auto plan = m_guest->run({k_guest_agent, "plan", "--profile", k_guest_profile_path});
        EXPECT_EQ(plan.exit_code, 0) << "plan is not in sync:\n" << plan.out << plan.err;
    }

    // nic0's entry of `addresses()`.
    static nlohmann::json nic0_of(const nlohmann::json& links) {
        for (const auto& link : links)
            if (link.value("ifname", "") == "nic0") return link;
        return nullptr;
    }

    // Starts an apply of the kickstart profile and kills it with SIGKILL once our profile runs on br0 with the
    // lease: the apply is past the change then, waiting for the (silenced) gateway to answer on br0.
    void kill_apply_mid_change() const {
        m_guest->write_file(k_guest_profile_path, kickstart_network("20s"));
        must_run(*m_guest, {"chmod", "600", k_guest_profile_path});
        const auto started = m_guest->run(
            {"sh", "-c", std::string("setsid ") + k_guest_agent + " apply --profile " + k_guest_profile_path +
                             " --only network </dev/null >/root/killed.out 2>&1 & echo $!"});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        const std::string pid = started.out.substr(0, started.out.find('\n'));
        bool verifying = false;
        for (int tenth = 0; tenth < 600 && !verifying; ++tenth) {
            verifying = nm_device(*m_guest, "br0") == "100 (connected)\nkvm-agent-br0";
            if (!verifying) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ASSERT_TRUE(verifying) << m_guest->read_file("/root/killed.out");
        ASSERT_EQ(m_guest->run({"kill", "-9", pid}).exit_code, 0) << "the apply ended before it was killed:\n"
                                                                  << m_guest->read_file("/root/killed.out");
    }

    void expect_killed_apply_undone_by_network_manager(const nlohmann::json& addresses_before,
                                                       const nlohmann::json& routes_before) const {
        kill_apply_mid_change();
        if (::testing::Test::HasFatalFailure()) return;
        // NetworkManager's window: the verification's bound (two gateways, 20 s each) and the 30 s margin.
        bool back = false;
        for (int second = 0; second < 180 && !back; ++second) {
            back = nm_device(*m_guest, "nic0") == "100 (connected)\nuplink" &&
                   m_guest->run({"sh", "-c", "ip -4 route show default | grep -q 'dev nic0'"}).exit_code == 0;
            if (!back) std::this_thread::sleep_for(std::chrono::seconds(1));
        }
        ASSERT_TRUE(back) << "nic0 did not get its own profile back:\n" << m_guest->run({"nmcli", "device"}).out;
        EXPECT_EQ(nic0_of(addresses()), nic0_of(addresses_before)) << "the lease is back on nic0 as it was";
        EXPECT_EQ(routes("-4"), routes_before);
        EXPECT_EQ(m_guest->run({"sh", "-c", "ls " + k_keyfile_dir + " | grep kvm-agent"}).out, "")
            << "NetworkManager deleted the profiles the apply added";
        EXPECT_EQ(m_guest->run({"ping", "-c", "1", "-W", "5", "-I", "nic0", k_gateway}).exit_code, 0);
        // What NetworkManager does not know it should delete: the bridge the apply made with netlink stays,
        // empty and without addresses, for the next apply to take up or an admin to delete.
        const auto bridge = ip_json({"addr", "show", "br0"});
        if (!bridge.empty()) {
            EXPECT_TRUE(bridge[0].at("addr_info").empty()) << bridge.dump();
        }
        EXPECT_TRUE(ip_json({"link", "show", "master", "br0"}).empty());
        m_guest->run({"ip", "link", "del", "br0"});
    }

    // What NetworkManager did, for a failure that only shows now and then.
    void TearDown() override {
        if (!HasFailure() || !m_guest) return;
        try {
            std::cout << "NetworkManager's journal in the guest:\n"
                      << m_guest->run({"journalctl", "-b", "-u", "NetworkManager", "-o", "short-monotonic",
                                       "--no-pager", "-n", "300"})
                             .out;
        } catch (const std::exception& error) {
            std::cout << "no journal from the guest: " << error.what() << "\n";
        }
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

    // 2. kvm-agent killed with SIGKILL in the middle of the change, while it waits for the (silenced) gateway
    //    on br0 to answer: NetworkManager's checkpoint puts the host back by itself, the NIC's own profile
    //    with its lease and the default route through it, and our profiles gone.
    expect_killed_apply_undone_by_network_manager(addresses_before, routes_before);

    // 3. Killed again, and the next apply starts before NetworkManager's window has passed: it has
    //    NetworkManager roll back at once, waits for nic0's lease, and plans from the host as it was.
    kill_apply_mid_change();
    must_run(*m_guest, {"nft", "delete", "table", "inet", "kvmtest"});

    // 4. The kickstart profile as shipped converges, and a second apply changes nothing. Router advertisements
    //    keep coming meanwhile: NetworkManager releases nic0 from br0 and attaches it again when it activates
    //    nic0's profile, and one arriving in between has the kernel autoconfigure an address on nic0 that it then
    //    keeps as a port. The apply removes it before verifying.
    const auto solicit = m_guest->run({"sh", "-c", "setsid " + k_router_solicit_helper +
                                                       " nic0 20 120000 </dev/null >/dev/null 2>&1 & echo $!"});
    ASSERT_EQ(solicit.exit_code, 0) << solicit.err;
    const auto applied = apply(kickstart_network("60s"));
    m_guest->run({"kill", solicit.out.substr(0, solicit.out.find('\n'))});
    // 2: applied, and the guest's readiness is NOT_READY for reasons of its own (its small disk, TCG).
    EXPECT_TRUE(applied.exit_code == 0 || applied.exit_code == 2) << applied.out << applied.err;
    const auto network = nlohmann::json::parse(applied.out).at("network");
    EXPECT_EQ(network.at("outcome"), "applied") << applied.out;
    EXPECT_NE(network.value("recovered", "").find("NetworkManager rolled back"), std::string::npos) << applied.out;
    EXPECT_NE(network.at("steps").dump().find("remove address 10.0.2.15/24 from nic0"), std::string::npos)
        << "planned from nic0 with its lease back: " << applied.out;
    expect_converged("after the apply");
    const auto again = apply(kickstart_network("60s"));
    EXPECT_EQ(nlohmann::json::parse(again.out).at("network").at("outcome"), "in-sync") << again.out;

    // 5. A reboot brings it back from the persisted profiles.
    m_guest->reboot();
    must_run(*m_guest, {"nm-online", "-s", "-q", "-t", "120"});
    expect_converged("after a reboot");
}

}  // namespace
