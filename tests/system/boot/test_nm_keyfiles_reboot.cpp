// NetworkManager persistence across a reboot, in a guest of its own: nic1 first has a profile of the host's
// own ("spare-nic1", autoconnect), then becomes a port of bond0 under br0 and NmPersistence persists the
// result. After the reboot NetworkManager brings back the same bond ports, bridge address and MAC and VLAN,
// connected to our profiles, ours winning nic1 over spare-nic1 by autoconnect-priority. restore() then
// removes our files and gives nic1 back to spare-nic1.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/process.h"
#include "tests/system/support/nm_guest.h"

namespace {

namespace fs = std::filesystem;
using namespace tests::system;

class NmReboot : public ::testing::Test {
protected:
    std::optional<GuestVm> boot() {
        const char* root = std::getenv("KVM_SYSTEM_STATE_ROOT");
        if (root == nullptr) {
            ADD_FAILURE() << "KVM_SYSTEM_STATE_ROOT is not set: run through ctest -L system";
            return std::nullopt;
        }
        BootOptions options;
        options.image_dir = recorded_image_dir(root);
        if (options.image_dir.empty()) {
            m_skip_reason = unavailable_reason(root);
            if (m_skip_reason.empty()) ADD_FAILURE() << "no guest image recorded under " << root;
            return std::nullopt;
        }
        if (!tests::have_program("qemu-system-x86_64")) {
            m_skip_reason = "qemu-system-x86_64 is not installed";
            return std::nullopt;
        }
        options.state_dir = fs::path(root) / ::testing::UnitTest::GetInstance()->current_test_info()->name();
        options.build_dir = KVM_SYSTEM_BUILD_DIR;
        return GuestVm::boot(options);
    }
    std::string m_skip_reason;
};

bool has_address(const nlohmann::json& link, const std::string& address, int prefix_length) {
    for (const auto& info : link.at("addr_info"))
        if (info.at("local") == address && info.at("prefixlen") == prefix_length) return true;
    return false;
}

TEST_F(NmReboot, TheBondBridgeAndVlanComeBackConnectedToOurProfiles) {
    auto guest = boot();
    if (!guest) GTEST_SKIP() << m_skip_reason;
    must_run(*guest, {"nm-online", "-s", "-q", "-t", "120"});

    // The host's own profile on nic1, active before the apply.
    activate_spare_nic1_profile(*guest);
    ASSERT_EQ(nm_device(*guest, "nic1"), "100 (connected)\nspare-nic1");

    make_links_like_an_apply(*guest);
    const auto persisted = persist_in(*guest);
    ASSERT_EQ(persisted.process.exit_code, 0) << persisted.process.out << persisted.process.err;
    const auto& displaced = persisted.result.at("network_manager").at("displaced");
    ASSERT_EQ(displaced.size(), 1u) << persisted.result.dump(2);
    EXPECT_EQ(displaced[0].at("profile"), "spare-nic1");
    EXPECT_EQ(displaced[0].at("interface"), "nic1");
    EXPECT_EQ(nm_device(*guest, "nic1"), "100 (connected)\nkvm-agent-nic1");
    must_run(*guest, {"sync"});

    const auto boot_before = guest->boot_id();
    guest->reboot();
    ASSERT_NE(guest->boot_id(), boot_before);
    must_run(*guest, {"nm-online", "-s", "-q", "-t", "120"});

    // Everything comes back connected to our profiles; nic1's own profile stays inactive.
    for (const auto& device : k_nm_interfaces)
        EXPECT_EQ(wait_for_device(*guest, device, "kvm-agent-" + device), "100 (connected)\nkvm-agent-" + device)
            << device;
    const auto bonding = guest->read_file("/proc/net/bonding/bond0");
    EXPECT_NE(bonding.find("Bonding Mode: fault-tolerance (active-backup)"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("MII Polling Interval (ms): 100"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic1"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic2"), std::string::npos) << bonding;
    const auto br0 = nlohmann::json::parse(guest->run({"ip", "-j", "addr", "show", "br0"}).out);
    ASSERT_EQ(br0.size(), 1u);
    EXPECT_TRUE(has_address(br0[0], "192.0.2.10", 24)) << br0.dump();
    EXPECT_EQ(br0[0].at("address"), "52:54:00:4b:00:01");
    const auto bridge = nlohmann::json::parse(guest->run({"ip", "-j", "-d", "link", "show", "br0"}).out);
    EXPECT_EQ(bridge[0].at("linkinfo").at("info_data").at("stp_state"), 0) << bridge.dump();
    const auto vlan = nlohmann::json::parse(guest->run({"ip", "-j", "-d", "link", "show", "br0.20"}).out);
    ASSERT_EQ(vlan.size(), 1u);
    EXPECT_EQ(vlan[0].at("linkinfo").at("info_data").at("id"), 20) << vlan.dump();
    EXPECT_EQ(vlan[0].at("link"), "br0");
    const auto bond = nlohmann::json::parse(guest->run({"ip", "-j", "-d", "link", "show", "bond0"}).out);
    EXPECT_EQ(bond[0].at("master"), "br0");

    // The rollback after the reboot: our files go, nic1 is spare-nic1's again.
    const auto restored = nm_helper(*guest, {"restore", k_nm_test_dir + "/result.json", "90"});
    ASSERT_EQ(restored.process.exit_code, 0) << restored.process.out << restored.process.err;
    EXPECT_EQ(nm_device(*guest, "nic1"), "100 (connected)\nspare-nic1") << restored.result.dump(2);
    EXPECT_EQ(guest->run({"ls", k_keyfile_dir}).out.find("kvm-agent-"), std::string::npos);
}

}  // namespace
