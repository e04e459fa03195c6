// kvm-agent's libvirt and firewall steps on a real host, read back with the admins' tools: libvirtd disabled
// and stopped comes back enabled and active over systemd's D-Bus API and libvirt's NAT network `default` goes
// away (systemctl, virsh); a zone with an interface, masquerade, a service and a port lands in firewalld's
// runtime and permanent configurations and in the NetworkManager profile of the interface (firewall-cmd,
// nmcli). A second apply changes nothing; each test puts the guest back as it found it.
#include <gtest/gtest.h>

#include <functional>
#include <iostream>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/guest_doctor.h"

namespace {

using namespace tests::system;

const std::vector<std::string> k_libvirtd_units = {"libvirtd.service", "libvirtd.socket", "libvirtd-ro.socket",
                                                   "libvirtd-admin.socket"};

// "yes" from virsh's "Active:         yes" line.
std::string field(const std::string& text, const std::string& name) {
    const auto start = text.find(name + ":");
    if (start == std::string::npos) return "";
    const auto end = text.find('\n', start);
    std::string value = text.substr(start + name.size() + 1, end == std::string::npos ? std::string::npos : end - start - name.size() - 1);
    value.erase(0, value.find_first_not_of(' '));
    return trimmed(value);
}

// Runs `undo` when the test leaves, whether its expectations held or not: the next test gets the guest as found.
class Finally {
public:
    explicit Finally(std::function<void()> undo) : m_undo(std::move(undo)) {}
    ~Finally() { m_undo(); }
    Finally(const Finally&) = delete;
    Finally& operator=(const Finally&) = delete;

private:
    std::function<void()> m_undo;
};

class GuestProvisionSteps : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        ASSERT_EQ(run({"mkdir", "-p", "/etc/kvm-agent"}).exit_code, 0);
    }

    tests::ProcessResult run(const std::vector<std::string>& argv) const { return m_guest->run(argv); }
    std::string out(const std::vector<std::string>& argv) const { return trimmed(run(argv).out); }

    // `kvm-agent apply --only SECTION` with `profile`: its exit code 0 says the section converged (the whole
    // host's readiness is not this test's business), and its JSON report.
    nlohmann::json apply(const std::string& section, const std::string& profile) {
        m_guest->write_file(k_guest_profile_path, profile);
        EXPECT_EQ(run({"chmod", "600", k_guest_profile_path}).exit_code, 0);
        const auto applied =
            run({k_guest_agent, "apply", "--profile", k_guest_profile_path, "--only", section, "--output", "json"});
        EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
        EXPECT_EQ(tests::schema_violations(applied.out, "apply"), "") << applied.out;
        try {
            return nlohmann::json::parse(applied.out);
        } catch (const nlohmann::json::exception&) {
            ADD_FAILURE() << "kvm-agent apply printed no JSON: " << applied.out << applied.err;
            return nlohmann::json::object();
        }
    }

    static nlohmann::json changed(const nlohmann::json& report, const std::string& section) {
        return report.value("sections", nlohmann::json::object())
            .value(section, nlohmann::json::object())
            .value("changed", nlohmann::json::array());
    }

    static long elapsed_ms(const nlohmann::json& report, const std::string& section) {
        return report.value("sections", nlohmann::json::object())
            .value(section, nlohmann::json::object())
            .value("elapsed_ms", -1L);
    }

};

TEST_F(GuestProvisionSteps, LibvirtdDisabledAndStoppedIsEnabledAndStartedAndTheDefaultNetworkRemoved) {
    // How the guest has the network now, to put it back afterwards.
    const auto info = run({"virsh", "-q", "net-info", "default"});
    const bool had_network = info.exit_code == 0;
    const bool network_was_active = field(info.out, "Active") == "yes";
    const bool network_autostarted = field(info.out, "Autostart") == "yes";

    const Finally put_back([&] {
        std::vector<std::string> enable = {"systemctl", "enable", "--now"};
        enable.insert(enable.end(), k_libvirtd_units.begin(), k_libvirtd_units.end());
        run(enable);
        if (!had_network || run({"virsh", "-q", "net-info", "default"}).exit_code == 0) return;
        run({"virsh", "net-define", "/usr/share/libvirt/networks/default.xml"});
        if (network_autostarted) run({"virsh", "net-autostart", "default"});
        if (network_was_active) run({"virsh", "net-start", "default"});
    });
    std::vector<std::string> disable = {"systemctl", "disable", "--now"};
    disable.insert(disable.end(), k_libvirtd_units.begin(), k_libvirtd_units.end());
    ASSERT_EQ(run(disable).exit_code, 0);
    ASSERT_EQ(out({"systemctl", "is-active", "libvirtd.service"}), "inactive");

    const std::string profile = "libvirt: {daemons: libvirtd, default-network: absent}\n";
    const auto first = apply("libvirt", profile);
    EXPECT_FALSE(changed(first, "libvirt").empty()) << first.dump(2);
    for (const auto& unit : k_libvirtd_units) {
        EXPECT_EQ(out({"systemctl", "is-enabled", unit}), "enabled") << unit;
        EXPECT_EQ(out({"systemctl", "is-active", unit}), "active") << unit;
    }
    const auto networks = run({"virsh", "net-list", "--all", "--name"});
    EXPECT_EQ(networks.exit_code, 0) << networks.err;
    EXPECT_EQ(networks.out.find("default"), std::string::npos) << networks.out;

    const auto second = apply("libvirt", profile);
    EXPECT_TRUE(changed(second, "libvirt").empty()) << second.dump(2);
    std::cout << "libvirt: first apply " << elapsed_ms(first, "libvirt") << " ms, second (no-op) "
              << elapsed_ms(second, "libvirt") << " ms\n";
}

TEST_F(GuestProvisionSteps, AZoneWithInterfaceMasqueradeServiceAndPortInRuntimePermanentAndTheNmProfile) {
    const std::string connection = "kvm-test-nic1";
    const auto zone_of_nic1 = run({"firewall-cmd", "--get-zone-of-interface=nic1"});
    const std::string zone_before = zone_of_nic1.exit_code == 0 ? trimmed(zone_of_nic1.out) : "";
    const bool zone_file_before = run({"test", "-e", "/etc/firewalld/zones/internal.xml"}).exit_code == 0;
    const Finally put_back([&] {
        // nic1 without a profile first, or firewall-cmd would hand nic1's zone to NetworkManager.
        run({"nmcli", "connection", "delete", connection});
        for (const std::string permanent : {"", "--permanent"})
            for (const std::string undo : {"--remove-interface=nic1", "--remove-masquerade", "--remove-service=libvirt",
                                           "--remove-port=5900-5999/tcp", "--remove-service=http",
                                           "--remove-port=8443/tcp"}) {
                std::vector<std::string> argv = {"firewall-cmd", "--zone=internal", undo};
                if (!permanent.empty()) argv.insert(argv.begin() + 1, permanent);
                run(argv);
            }
        // The zone's file in /etc came with the first permanent change: back to the one firewalld ships.
        if (!zone_file_before) run({"firewall-cmd", "--permanent", "--load-zone-defaults=internal"});
        if (!zone_before.empty()) run({"firewall-cmd", "--zone=" + zone_before, "--change-interface=nic1"});
    });

    // nic1 gets a NetworkManager profile of its own (the image has no-auto-default), so NetworkManager owns it.
    run({"nmcli", "connection", "delete", connection});
    ASSERT_EQ(run({"nmcli", "connection", "add", "type", "ethernet", "ifname", "nic1", "con-name", connection,
                   "ipv4.method", "disabled", "ipv6.method", "ignore"})
                  .exit_code,
              0);
    const auto up = run({"nmcli", "--wait", "30", "connection", "up", connection});
    ASSERT_EQ(up.exit_code, 0) << up.out << up.err;

    // What the admin allowed in the zone before: a zone is updated in one call with its whole lists, which must
    // keep it.
    for (const std::string permanent : {"", "--permanent"})
        for (const std::string add : {"--add-service=http", "--add-port=8443/tcp"}) {
            std::vector<std::string> argv = {"firewall-cmd", "--zone=internal", add};
            if (!permanent.empty()) argv.insert(argv.begin() + 1, permanent);
            ASSERT_EQ(run(argv).exit_code, 0) << permanent << " " << add;
        }

    const std::string profile = R"(firewall:
  zones:
  - name: internal
    interfaces: [nic1]
    masquerade: true
    services: [libvirt]
    ports: [5900-5999/tcp]
)";
    const auto first = apply("firewall", profile);
    EXPECT_FALSE(changed(first, "firewall").empty()) << first.dump(2);

    for (const std::string permanent : {"", "--permanent"}) {
        std::vector<std::string> list = {"firewall-cmd", "--zone=internal", "--list-all"};
        if (!permanent.empty()) list.insert(list.begin() + 1, permanent);
        const auto all = out(list);
        const std::string which = permanent.empty() ? "runtime" : "permanent";
        EXPECT_NE(all.find("interfaces: nic1"), std::string::npos) << which << "\n" << all;
        EXPECT_NE(all.find("masquerade: yes"), std::string::npos) << which << "\n" << all;
        EXPECT_NE(all.find("libvirt"), std::string::npos) << which << "\n" << all;
        EXPECT_NE(all.find("5900-5999/tcp"), std::string::npos) << which << "\n" << all;
        for (const std::string query : {"--query-service=http", "--query-port=8443/tcp"}) {
            std::vector<std::string> argv = {"firewall-cmd", "--zone=internal", query};
            if (!permanent.empty()) argv.insert(argv.begin() + 1, permanent);
            EXPECT_EQ(run(argv).exit_code, 0) << which << ": the admin's " << query << " was dropped\n" << all;
        }
    }
    EXPECT_EQ(out({"nmcli", "-g", "connection.zone", "connection", "show", connection}), "internal");

    const auto second = apply("firewall", profile);
    EXPECT_TRUE(changed(second, "firewall").empty()) << second.dump(2);
    std::cout << "firewall: first apply " << elapsed_ms(first, "firewall") << " ms, second (no-op) "
              << elapsed_ms(second, "firewall") << " ms\n";
}

}  // namespace
