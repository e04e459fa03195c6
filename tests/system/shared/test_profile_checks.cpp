// The checks that judge a host against its profile, on the guest's real kernel and firewalld: a bond of the two
// spare NICs under a bridge made with `ip`, a profile that describes them, kvm-doctor --profile: net.bridge and
// net.bond PASS; then a port leaves the bond and the other goes down, and they FAIL with the evidence. A zone
// made in both of firewalld's configurations PASSes firewall.zones; a runtime-only change makes them disagree
// and it FAILs. Everything made here is removed again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/guest_doctor.h"

namespace {

using namespace tests::system;

constexpr const char* k_checks_profile_path = "/tmp/kvm-profile-checks.yaml";

// The bond and bridge made by hand below, as a profile says them.
constexpr const char* k_network_profile = R"(network:
  interfaces:
  - name: bond9
    type: bond
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br9
    type: linux-bridge
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.90, prefix-length: 24}]
    bridge:
      port: [{name: bond9}]
)";

// A zone of its own, so the test changes nothing firewalld had; kvmz0 is a dummy interface.
constexpr const char* k_zone = "kvmcheck";
constexpr const char* k_zone_profile = R"(firewall:
  zones:
  - name: kvmcheck
    interfaces: [kvmz0]
    masquerade: true
    services: [ssh]
    ports: [5900-5999/tcp]
)";

class ProfileChecks : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        clean_up();
    }
    void TearDown() override {
        if (m_guest) clean_up();
    }

    // Leaves the guest as it was: no bond9, br9, kvmz0 or zone kvmcheck; nic1 and nic2 up and in nothing.
    void clean_up() {
        for (const char* name : {"br9", "bond9", "kvmz0"}) m_guest->run({"ip", "link", "del", name});
        for (const char* nic : {"nic1", "nic2"}) {
            m_guest->run({"ip", "link", "set", nic, "nomaster"});
            m_guest->run({"ip", "link", "set", nic, "up"});
        }
        if (m_guest->run({"firewall-cmd", "--permanent", "--get-zones"}).out.find(k_zone) != std::string::npos) {
            m_guest->run({"firewall-cmd", "--permanent", std::string("--delete-zone=") + k_zone});
            m_guest->run({"firewall-cmd", "--reload"});
        }
        m_guest->run({"rm", "-f", k_checks_profile_path});
    }

    void must(const std::vector<std::string>& argv) {
        const auto result = m_guest->run(argv);
        ASSERT_EQ(result.exit_code, 0) << argv.at(0) << " " << (argv.size() > 1 ? argv[1] : "") << " "
                                       << (argv.size() > 2 ? argv[2] : "") << ": " << result.err;
    }

    tests::DoctorRun doctor(const std::vector<std::string>& ids) {
        std::vector<std::string> args = {"--profile", k_checks_profile_path};
        for (const auto& id : ids) args.insert(args.end(), {"--check", id});
        return run_doctor_in(*m_guest, args);
    }

};

TEST_F(ProfileChecks, BridgeAndBondPassThenFailWhenTheirPortsGo) {
    // nic1 and nic2 into an active-backup bond (ports must be down to join), the bond under a bridge that
    // carries the address.
    must({"ip", "link", "add", "bond9", "type", "bond", "mode", "active-backup", "miimon", "100"});
    for (const char* nic : {"nic1", "nic2"}) {
        must({"ip", "link", "set", nic, "down"});
        must({"ip", "link", "set", nic, "master", "bond9"});
        must({"ip", "link", "set", nic, "up"});
    }
    must({"ip", "link", "add", "br9", "type", "bridge", "stp_state", "0", "forward_delay", "0"});
    must({"ip", "link", "set", "bond9", "master", "br9"});
    must({"ip", "link", "set", "bond9", "up"});
    must({"ip", "link", "set", "br9", "up"});
    must({"ip", "addr", "add", "192.0.2.90/24", "dev", "br9"});
    m_guest->write_file(k_checks_profile_path, k_network_profile);

    // The bond's ports need a moment for their MII monitor (100 ms) to see the link; the bridge none (no STP).
    m_guest->run({"sleep", "1"});
    const auto converged = doctor({"net.bridge", "net.bond", "net.persistent"});
    ASSERT_NE(converged.process.exit_code, 3) << converged.process.err;
    const auto& bridge = converged.check("net.bridge");
    EXPECT_EQ(bridge.at("status"), "PASS") << bridge.dump();
    EXPECT_NE(bridge.at("evidence").get<std::string>().find("br9 up, ports bond9 (carrier), 192.0.2.90/24"),
              std::string::npos)
        << bridge.dump();
    const auto& bond = converged.check("net.bond");
    EXPECT_EQ(bond.at("status"), "PASS") << bond.dump() << "\n" << m_guest->read_file("/proc/net/bonding/bond9");
    EXPECT_NE(bond.at("evidence").get<std::string>().find("bond9 active-backup miimon 100: nic1 up, nic2 up, active nic"),
              std::string::npos)
        << bond.dump();
    // Made with ip, not persisted: both are gone after a reboot.
    const auto& persistent = converged.check("net.persistent");
    EXPECT_EQ(persistent.at("status"), "WARN") << persistent.dump();
    for (const char* part : {"bond9 (bond) has no persistent definition", "br9 (bridge) has no persistent definition"})
        EXPECT_NE(persistent.at("evidence").get<std::string>().find(part), std::string::npos) << persistent.dump();

    // kvm-agent status --profile judges the same way.
    const auto status = m_guest->run({k_guest_agent, "status", "--profile", k_checks_profile_path, "--output", "json",
                                      "--timeout", k_guest_timeout, "--check", "net.bond"});
    const auto status_report = nlohmann::json::parse(status.out);
    EXPECT_EQ(status_report.at("checks").at(0).at("status"), "PASS") << status.out << status.err;

    // A port leaves the bond: the bond no longer has what the profile says; the bridge still has carrier.
    must({"ip", "link", "set", "nic2", "nomaster"});
    const auto released = doctor({"net.bridge", "net.bond"});
    EXPECT_EQ(released.check("net.bond").at("status"), "FAIL") << released.check("net.bond").dump();
    EXPECT_NE(released.check("net.bond").at("evidence").get<std::string>().find("nic2 is not a port of bond9"),
              std::string::npos)
        << released.check("net.bond").dump();
    EXPECT_NE(released.check("net.bond").at("fix").get<std::string>().find(
                  std::string("kvm-agent apply --profile ") + k_checks_profile_path + " --only network"),
              std::string::npos);
    EXPECT_EQ(released.check("net.bridge").at("status"), "PASS") << released.check("net.bridge").dump();
    EXPECT_EQ(released.process.exit_code, 2) << "NOT_READY";

    // And the last port goes down: the bond has no working port, the bridge no port with carrier.
    must({"ip", "link", "set", "nic1", "down"});
    m_guest->run({"sleep", "1"});
    const auto down = doctor({"net.bridge", "net.bond"});
    EXPECT_EQ(down.check("net.bond").at("status"), "FAIL") << down.check("net.bond").dump();
    EXPECT_NE(down.check("net.bond").at("evidence").get<std::string>().find("no port of bond9 is up: nic1 (down)"),
              std::string::npos)
        << down.check("net.bond").dump();
    EXPECT_EQ(down.check("net.bridge").at("status"), "FAIL") << down.check("net.bridge").dump();
    EXPECT_NE(down.check("net.bridge").at("evidence").get<std::string>().find("no port of br9 has carrier: bond9"),
              std::string::npos)
        << down.check("net.bridge").dump();
}

TEST_F(ProfileChecks, FirewallZonesPassWhenBothConfigurationsAgreeAndFailWhenOnlyTheRuntimeChanged) {
    must({"ip", "link", "add", "kvmz0", "type", "dummy"});
    must({"firewall-cmd", "--permanent", std::string("--new-zone=") + k_zone});
    const std::string zone = std::string("--zone=") + k_zone;
    for (const char* item : {"--add-interface=kvmz0", "--add-masquerade", "--add-service=ssh", "--add-port=5900-5999/tcp"})
        must({"firewall-cmd", "--permanent", zone, item});
    must({"firewall-cmd", "--reload"});
    m_guest->write_file(k_checks_profile_path, k_zone_profile);

    const auto agreed = doctor({"firewall.running", "firewall.zones"});
    ASSERT_EQ(agreed.check("firewall.running").at("status"), "PASS") << agreed.check("firewall.running").dump();
    const auto& zones = agreed.check("firewall.zones");
    EXPECT_EQ(zones.at("status"), "PASS") << zones.dump();
    EXPECT_NE(zones.at("evidence").get<std::string>().find(
                  "zone kvmcheck (kvmz0; masquerade; services ssh; ports 5900-5999/tcp): runtime and permanent agree"),
              std::string::npos)
        << zones.dump();

    // A runtime-only change: the interface moves to another zone and masquerade goes off until firewalld restarts.
    must({"firewall-cmd", "--zone=public", "--change-interface=kvmz0"});
    must({"firewall-cmd", zone, "--remove-masquerade"});
    const auto disagreed = doctor({"firewall.zones"});
    const auto& broken = disagreed.check("firewall.zones");
    EXPECT_EQ(broken.at("status"), "FAIL") << broken.dump();
    const std::string evidence = broken.at("evidence");
    EXPECT_NE(evidence.find("kvmz0 is in zone public at runtime, not in kvmcheck"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("masquerade in zone kvmcheck in the permanent configuration only"), std::string::npos)
        << evidence;
    const std::string fix = broken.at("fix");
    EXPECT_NE(fix.find("firewall-cmd --zone=kvmcheck --change-interface=kvmz0"), std::string::npos) << fix;
    EXPECT_NE(fix.find("firewall-cmd --zone=kvmcheck --add-masquerade"), std::string::npos) << fix;
    EXPECT_EQ(disagreed.process.exit_code, 2);

    // The fix it names brings them back together.
    must({"firewall-cmd", zone, "--change-interface=kvmz0"});
    must({"firewall-cmd", zone, "--add-masquerade"});
    EXPECT_EQ(doctor({"firewall.zones"}).check("firewall.zones").at("status"), "PASS");
}

TEST_F(ProfileChecks, WithoutAProfileTheyNeedItTheySkipAndSaySo) {
    const auto run = run_doctor_in(*m_guest, {"--check", "net.bridge", "--check", "firewall.zones"});
    for (const char* id : {"net.bridge", "firewall.zones"}) {
        EXPECT_EQ(run.check(id).at("status"), "SKIP") << run.check(id).dump();
        EXPECT_NE(run.check(id).at("evidence").get<std::string>().find("no profile: run with --profile FILE"),
                  std::string::npos);
    }
}

}  // namespace
