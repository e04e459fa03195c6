// The Ansible collection (packaging/ansible) over a network-only profile, as an admin's play runs it:
// ansible-playbook -c local under `ip netns exec`, its module running the built kvm-agent in a throwaway
// namespace. Check mode plans and changes nothing, the first run is changed, the second is ok, a bad profile
// fails with its FILE:LINE:COLUMN message; the role drops the profile and fails the play on NOT_READY.
// Results are read back with `ip -j` and from Ansible's own output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/netns/netns_fixture.h"
#include "tests/support/ansible.h"

namespace tests::netns {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* k_bridge_profile = R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    state: up
    ipv4:
      enabled: true
      dhcp: false
      address: [{ip: 198.51.100.1, prefix-length: 24}]
    bridge:
      port: [{name: eno2}]
)";

// A typo in the type, on line 4, column 11.
constexpr const char* k_bad_profile = R"(network:
  interfaces:
  - name: br0
    type: linux-bridg
)";

class AnsibleCollection : public NetnsTest {
protected:
    void SetUp() override {
        NetnsTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        if (!have_program("/usr/bin/ansible-playbook")) GTEST_SKIP() << "ansible-playbook is not installed (Debian: ansible-core)";
        m_dir = fs::temp_directory_path() / ("kvm-ansible-" + ns());
        fs::create_directories(m_dir / "run");
        for (const auto& command : ansible::link_collection_commands((m_dir / "collections").string(), KVM_SOURCE_DIR))
            ASSERT_EQ(run_process(command).exit_code, 0);
        add_veth("eno2", "eno3");
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
        NetnsTest::TearDown();
    }

    fs::path write_profile(const std::string& name, const std::string& text) {
        const auto path = m_dir / name;
        std::ofstream(path) << text;
        fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
        return path;
    }

    // ansible-playbook in the namespace: kvm-agent's lock under the test's directory, its network files under
    // a root of the test's own (this machine's /etc is not the test's to change), its report in the test's
    // state directory.
    ProcessResult playbook(const std::string& name, nlohmann::json vars, bool check = false) {
        const auto playbook_path = std::string(KVM_SOURCE_DIR) + "/tests/fixtures/ansible/" + name;
        auto argv = ansible::playbook_argv((m_dir / "collections").string(), playbook_path, vars, check);
        argv.insert(argv.begin(), {"ip", "netns", "exec", ns()});
        // env runs inside the namespace, so the lock directory joins its environment there.
        argv.insert(argv.begin() + 5, "KVM_AGENT_RUN_DIR=" + (m_dir / "run").string());
        return run_process(argv, 180s);
    }
    nlohmann::json module_vars(const fs::path& profile) const {
        return {{"profile", profile.string()},          {"only", {"network"}},
                {"config_root", (m_dir / "root").string()}, {"state_dir", (m_dir / "state").string()},
                {"kvm_agent", KVM_AGENT_BINARY},          {"result_file", result_file().string()}};
    }
    fs::path result_file() const { return m_dir / "result.json"; }
    // The module's registered result, as the playbook wrote it.
    nlohmann::json result() const {
        std::ifstream in(result_file());
        std::stringstream text;
        text << in.rdbuf();
        return nlohmann::json::parse(text.str(), nullptr, false);
    }
    std::vector<std::string> bridge_addresses() { return addresses("br0"); }

    fs::path m_dir;
};

TEST_F(AnsibleCollection, CheckModePlansTheFirstRunChangesTheSecondIsOkAndABadProfileFailsWithItsLine) {
    const auto profile = write_profile("host.yaml", k_bridge_profile);

    // Check mode: kvm-agent plan. Changed, with the planned steps as the diff, and nothing in the namespace.
    const auto check = playbook("module.yml", module_vars(profile), true);
    auto recap = ansible::play_recap(check.out);
    ASSERT_TRUE(recap) << check.out << check.err;
    EXPECT_EQ(check.exit_code, 0) << check.out;
    EXPECT_EQ(recap->changed, 1) << check.out;
    EXPECT_EQ(recap->failed, 0) << check.out;
    EXPECT_NE(check.out.find("+ create bridge br0"), std::string::npos) << "no diff of the plan:\n" << check.out;
    EXPECT_TRUE(link("br0").is_null()) << "check mode created br0";
    EXPECT_FALSE(fs::exists(m_dir / "root/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection"));
    EXPECT_EQ(result()["exit_status"], 2);

    // The first run: kvm-agent apply makes the bridge, with its address and port, and says it changed.
    const auto first = playbook("module.yml", module_vars(profile));
    recap = ansible::play_recap(first.out);
    ASSERT_TRUE(recap) << first.out << first.err;
    EXPECT_EQ(recap->changed, 1) << first.out;
    EXPECT_EQ(recap->failed, 0) << first.out;
    ASSERT_FALSE(link("br0").is_null()) << first.out;
    EXPECT_EQ(link("br0")["linkinfo"]["info_kind"], "bridge");
    EXPECT_EQ(link("eno2")["master"], "br0");
    EXPECT_EQ(bridge_addresses(), std::vector<std::string>{"198.51.100.1/24"});
    EXPECT_TRUE(fs::exists(m_dir / "root/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection"));
    // The readiness after the apply: this machine's verdict, and each check that did not pass with its fix.
    const auto applied = result();
    ASSERT_TRUE(applied.contains("verdict")) << applied.dump(2);
    EXPECT_TRUE(applied["verdict"] == "READY" || applied["verdict"] == "DEGRADED" || applied["verdict"] == "NOT_READY");
    int problems = 0;  // what keeps a host from READY
    for (const auto& check_result : applied["checks_not_passed"]) {
        EXPECT_NE(check_result["status"], "PASS");
        EXPECT_FALSE(check_result["id"].get<std::string>().empty());
        if (check_result["status"] != "SKIP") ++problems;
    }
    EXPECT_EQ(applied["verdict"] == "READY", problems == 0) << applied.dump(2);

    // The second run: in sync, so ok and unchanged, and the namespace as it was.
    const auto links_before = ip_json({"-d", "link", "show", "br0"});
    const auto second = playbook("module.yml", module_vars(profile));
    recap = ansible::play_recap(second.out);
    ASSERT_TRUE(recap) << second.out << second.err;
    EXPECT_EQ(recap->changed, 0) << second.out;
    EXPECT_EQ(recap->failed, 0) << second.out;
    EXPECT_EQ(result()["changed"], false);
    EXPECT_EQ(ip_json({"-d", "link", "show", "br0"})[0]["ifindex"], links_before[0]["ifindex"]);

    // A bad profile: the task fails with kvm-agent's FILE:LINE:COLUMN message, and nothing changes.
    const auto bad_path = write_profile("bad.yaml", k_bad_profile);
    const auto bad = playbook("module.yml", module_vars(bad_path));
    recap = ansible::play_recap(bad.out);
    ASSERT_TRUE(recap) << bad.out << bad.err;
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_EQ(recap->failed, 1) << bad.out;
    const std::string message = result().value("msg", "");
    EXPECT_NE(message.find(bad_path.string() + ":4:11:"), std::string::npos) << message;
    EXPECT_NE(message.find("linux-bridge"), std::string::npos) << message;
    EXPECT_EQ(bridge_addresses(), std::vector<std::string>{"198.51.100.1/24"});
}

TEST_F(AnsibleCollection, TheRoleDropsTheProfileAppliesItAndFailsThePlayOnTheVerdictsItIsGiven) {
    nlohmann::json vars{{"kvm_host_install", false},
                        {"kvm_host_profile_path", (m_dir / "etc/host.yaml").string()},
                        {"kvm_host_only", {"network"}},
                        {"kvm_host_config_root", (m_dir / "root").string()},
                        {"kvm_host_state_dir", (m_dir / "state").string()},
                        {"kvm_host_executable", KVM_AGENT_BINARY},
                        {"kvm_host_profile",
                         {{"network",
                           {{"interfaces",
                             {{{"name", "br0"},
                               {"type", "linux-bridge"},
                               {"state", "up"},
                               {"ipv4", {{"enabled", true}, {"dhcp", false},
                                         {"address", {{{"ip", "198.51.100.1"}, {"prefix-length", 24}}}}}},
                               {"bridge", {{"port", {{{"name", "eno2"}}}}}}}}}}}}}};

    // Check mode: nothing is written, and the module plans against the profile the play would drop.
    const auto check = playbook("role.yml", vars, true);
    ASSERT_TRUE(ansible::play_recap(check.out)) << check.out << check.err;
    EXPECT_EQ(ansible::play_recap(check.out)->failed, 0) << check.out;
    EXPECT_FALSE(fs::exists(m_dir / "etc/host.yaml"));
    EXPECT_TRUE(link("br0").is_null());

    // Failing on every verdict, the play must fail whatever this machine is, and say which verdict it met.
    vars["kvm_host_fail_on_verdicts"] = {"READY", "DEGRADED", "NOT_READY"};
    const auto strict = playbook("role.yml", vars);
    ASSERT_TRUE(ansible::play_recap(strict.out)) << strict.out << strict.err;
    EXPECT_EQ(ansible::play_recap(strict.out)->failed, 1) << strict.out;
    EXPECT_NE(strict.out.find("The host is "), std::string::npos) << strict.out;
    // The profile was dropped, root's alone, and applied.
    ASSERT_TRUE(fs::exists(m_dir / "etc/host.yaml"));
    EXPECT_EQ(fs::status(m_dir / "etc/host.yaml").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(bridge_addresses(), std::vector<std::string>{"198.51.100.1/24"});

    // Failing on none, the same play succeeds and changes nothing more.
    vars["kvm_host_fail_on_verdicts"] = nlohmann::json::array();
    const auto lenient = playbook("role.yml", vars);
    ASSERT_TRUE(ansible::play_recap(lenient.out)) << lenient.out << lenient.err;
    EXPECT_EQ(ansible::play_recap(lenient.out)->failed, 0) << lenient.out;
    EXPECT_EQ(ansible::play_recap(lenient.out)->changed, 0) << lenient.out;

    // A bad profile never replaces the good one: `kvm-agent validate` refuses it while it is a temporary.
    vars["kvm_host_profile"]["network"]["interfaces"][0]["type"] = "linux-bridg";
    const auto bad = playbook("role.yml", vars);
    ASSERT_TRUE(ansible::play_recap(bad.out)) << bad.out << bad.err;
    EXPECT_EQ(ansible::play_recap(bad.out)->failed, 1) << bad.out;
    EXPECT_NE(bad.out.find("unknown interface type \\\"linux-bridg\\\""), std::string::npos) << bad.out;
    std::ifstream kept(m_dir / "etc/host.yaml");
    std::stringstream text;
    text << kept.rdbuf();
    EXPECT_NE(text.str().find("linux-bridge"), std::string::npos) << text.str();
}

}  // namespace
}  // namespace tests::netns
