// The Ansible collection on a real host: ansible-playbook -c local in the shared guest (Debian's Ansible), its
// kvm_host module running kvm-agent against real NetworkManager. Check mode plans and changes nothing, the
// first run is changed, the second ok and unchanged, a bad profile fails with its FILE:LINE:COLUMN message.
// Read back with ip, nmcli and Ansible's own recap. Every play costs ~40 s of a guest under TCG, so the role,
// which adds nothing the guest would show that the module does not, is run in the netns tier alone.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/ansible.h"
#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/nm_guest.h"

namespace {

using namespace tests::system;
namespace ansible = tests::ansible;

const std::string k_ansible_dir = "/tmp/kvm-ansible";
const std::string k_keyfiles[] = {k_keyfile_dir + "kvm-agent-br7.nmconnection",
                                  k_keyfile_dir + "kvm-agent-nic2.nmconnection"};

// A bridge over one of the guest's spare NICs, with an address of its own: the uplink is not touched.
const nlohmann::json k_ansible_profile = {
    {"network",
     {{"interfaces",
       {{{"name", "br7"},
         {"type", "linux-bridge"},
         {"state", "up"},
         {"ipv4", {{"enabled", true}, {"dhcp", false}, {"address", {{{"ip", "198.51.100.7"}, {"prefix-length", 24}}}}}},
         {"bridge", {{"options", {{"stp", {{"enabled", false}}}}}, {"port", {{{"name", "nic2"}}}}}}},
        {{"name", "nic2"}, {"ipv4", {{"enabled", false}}}}}}}}};

class AnsibleInGuest : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        clean();
        ASSERT_EQ(m_guest->run({"mkdir", "-p", k_ansible_dir + "/etc"}).exit_code, 0);
        for (const auto& command : ansible::link_collection_commands(k_ansible_dir + "/collections", "/mnt/src"))
            ASSERT_EQ(m_guest->run(command).exit_code, 0);
    }
    void TearDown() override {
        if (m_guest) clean();
    }
    void clean() const {
        for (const auto& keyfile : k_keyfiles) m_guest->run({"rm", "-f", keyfile});
        m_guest->run({"nmcli", "connection", "reload"});
        m_guest->run({"ip", "link", "del", "br7"});
        m_guest->run({"ip", "link", "set", "nic2", "nomaster"});
        m_guest->run({"ip", "link", "set", "nic2", "down"});
        m_guest->run({"rm", "-rf", k_ansible_dir});
    }

    tests::ProcessResult playbook(const std::string& name, const nlohmann::json& vars, bool check = false) const {
        return m_guest->run(ansible::playbook_argv(k_ansible_dir + "/collections",
                                                   "/mnt/src/tests/fixtures/ansible/" + name, vars, check),
                            std::chrono::seconds(600));
    }
    nlohmann::json module_vars(const nlohmann::json& profile) const {
        return {{"profile", profile},
                {"only", {"network"}},
                {"state_dir", k_ansible_dir + "/state"},
                {"kvm_agent", "/mnt/build/kvm-agent"},
                {"result_file", k_ansible_dir + "/result.json"}};
    }
    nlohmann::json result() const {
        return nlohmann::json::parse(m_guest->read_file(k_ansible_dir + "/result.json"), nullptr, false);
    }
    bool exists(const std::string& path) const { return m_guest->run({"test", "-e", path}).exit_code == 0; }
    std::string br7_addresses() const {
        return m_guest->run({"ip", "-br", "-4", "addr", "show", "dev", "br7"}).out;
    }
};

TEST_F(AnsibleInGuest, TheModulePlansInCheckModeChangesOnceThenIsOkAndABadProfileFailsWithItsLine) {
    // Check mode, the profile inline: planned, changed, and nothing on the host.
    const auto check = playbook("module.yml", module_vars(k_ansible_profile), true);
    auto recap = ansible::play_recap(check.out);
    ASSERT_TRUE(recap) << check.out << check.err;
    EXPECT_EQ(recap->changed, 1) << check.out;
    EXPECT_EQ(recap->failed, 0) << check.out;
    EXPECT_NE(check.out.find("+ create bridge br7"), std::string::npos) << check.out;
    EXPECT_NE(m_guest->run({"ip", "link", "show", "br7"}).exit_code, 0) << "check mode created br7";
    EXPECT_FALSE(exists(k_keyfiles[0]));

    // The first run: changed, br7 up with its address, connected to our NetworkManager profile.
    const auto first = playbook("module.yml", module_vars(k_ansible_profile));
    recap = ansible::play_recap(first.out);
    ASSERT_TRUE(recap) << first.out << first.err;
    EXPECT_EQ(recap->changed, 1) << first.out;
    ASSERT_EQ(recap->failed, 0) << first.out;
    EXPECT_NE(br7_addresses().find("198.51.100.7/24"), std::string::npos) << br7_addresses();
    EXPECT_NE(m_guest->run({"ip", "-d", "link", "show", "nic2"}).out.find("master br7"), std::string::npos);
    EXPECT_EQ(nm_device(*m_guest, "br7"), "100 (connected)\nkvm-agent-br7");
    EXPECT_TRUE(exists(k_keyfiles[0]));
    const auto applied = result();
    EXPECT_TRUE(applied.contains("verdict")) << applied.dump(2);
    EXPECT_TRUE(applied["checks_not_passed"].is_array()) << applied.dump(2);

    // The second run: ok, unchanged, the bridge the same one.
    const auto index = m_guest->run({"cat", "/sys/class/net/br7/ifindex"}).out;
    const auto second = playbook("module.yml", module_vars(k_ansible_profile));
    recap = ansible::play_recap(second.out);
    ASSERT_TRUE(recap) << second.out << second.err;
    EXPECT_EQ(recap->changed, 0) << second.out;
    EXPECT_EQ(recap->failed, 0) << second.out;
    EXPECT_EQ(m_guest->run({"cat", "/sys/class/net/br7/ifindex"}).out, index);

    // A bad profile file: failed, with kvm-agent's FILE:LINE:COLUMN message; the host as it was.
    m_guest->write_file(k_ansible_dir + "/etc/bad.yaml",
                        "network:\n  interfaces:\n  - name: br7\n    type: linux-bridg\n");
    ASSERT_EQ(m_guest->run({"chmod", "600", k_ansible_dir + "/etc/bad.yaml"}).exit_code, 0);
    const auto bad = playbook("module.yml", module_vars(k_ansible_dir + "/etc/bad.yaml"));
    recap = ansible::play_recap(bad.out);
    ASSERT_TRUE(recap) << bad.out << bad.err;
    EXPECT_EQ(recap->failed, 1) << bad.out;
    const std::string message = result().value("msg", "");
    EXPECT_NE(message.find(k_ansible_dir + "/etc/bad.yaml:4:11:"), std::string::npos) << message;
    EXPECT_NE(br7_addresses().find("198.51.100.7/24"), std::string::npos) << br7_addresses();
}

}  // namespace
