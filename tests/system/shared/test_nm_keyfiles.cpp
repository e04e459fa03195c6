// NetworkManager persistence in the shared guest: after an apply has made a bond of nic1+nic2 under br0 with
// a VLAN on top, NmPersistence writes our keyfiles, has NetworkManager load and activate them, and the devices
// are connected to our profiles (not externally); persisting again changes and bounces nothing; restore()
// takes it all back; a change an admin made to our profile in NetworkManager's memory only gives way to our
// file. The reboot half is tests/system/boot/test_nm_reboot.cpp.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/system/support/guest_fixtures.h"
#include "tests/system/support/nm_guest.h"

namespace {

using namespace tests::system;

// k_nm_profile with br0 at `address`/24 (a failure when k_nm_profile no longer has br0 at 192.0.2.10).
std::string nm_profile_with_br0_at(const std::string& address) {
    auto profile = k_nm_profile;
    const auto at = profile.find("192.0.2.10");
    if (at == std::string::npos) ADD_FAILURE() << "k_nm_profile has no 192.0.2.10 to move:\n" << profile;
    else profile.replace(at, std::string("192.0.2.10").size(), address);
    return profile;
}

// NetworkManager's Flags of the profile `id` (NMSettingsConnectionFlags: 0x1 unsaved), as busctl prints them.
std::string nm_profile_flags(const GuestVm& guest, const std::string& id) {
    std::istringstream profiles(guest.run({"nmcli", "-g", "NAME,DBUS-PATH", "connection", "show"}).out);
    for (std::string line; std::getline(profiles, line);)
        if (line.rfind(id + ":", 0) == 0)
            return guest.run({"busctl", "get-property", "org.freedesktop.NetworkManager", line.substr(id.size() + 1),
                              "org.freedesktop.NetworkManager.Settings.Connection", "Flags"}).out;
    return "no profile " + id;
}

class NmKeyfiles : public SharedGuestTest {
protected:
    void SetUp() override {
        SharedGuestTest::SetUp();
        if (IsSkipped() || HasFatalFailure()) return;
        clean_nm_guest(*m_guest);
    }
    void TearDown() override {
        if (m_guest) clean_nm_guest(*m_guest);
    }
};

TEST_F(NmKeyfiles, BondBridgeAndVlanAreConnectedToOurProfilesAndRestoreTakesThemBack) {
    make_links_like_an_apply(*m_guest);
    const auto persisted = persist_in(*m_guest);
    ASSERT_EQ(persisted.process.exit_code, 0) << persisted.process.out << persisted.process.err;
    EXPECT_EQ(persisted.result.at("network_manager").at("asked"), true) << persisted.result.dump(2);
    ASSERT_EQ(persisted.result.at("network_manager").at("activations").size(), 5u) << persisted.result.dump(2);
    for (const auto& activation : persisted.result.at("network_manager").at("activations"))
        EXPECT_EQ(activation.at("activated"), true) << activation.dump();

    // NetworkManager shows every device connected to our profile, not "connected (externally)".
    for (const auto& device : k_nm_interfaces)
        EXPECT_EQ(nm_device(*m_guest, device), "100 (connected)\nkvm-agent-" + device) << device;
    for (const auto& device : k_nm_interfaces)
        EXPECT_EQ(m_guest->run({"stat", "-c", "%a %U", k_keyfile_dir + "kvm-agent-" + device + ".nmconnection"}).out,
                  "600 root\n");
    const auto bonding = m_guest->read_file("/proc/net/bonding/bond0");
    EXPECT_NE(bonding.find("Bonding Mode: fault-tolerance (active-backup)"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("MII Polling Interval (ms): 100"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic1"), std::string::npos) << bonding;
    EXPECT_NE(bonding.find("Slave Interface: nic2"), std::string::npos) << bonding;
    const auto addresses = nlohmann::json::parse(m_guest->run({"ip", "-j", "addr", "show", "br0"}).out);
    ASSERT_EQ(addresses.size(), 1u);
    bool found = false;
    for (const auto& info : addresses[0].at("addr_info"))
        found = found || (info.at("local") == "192.0.2.10" && info.at("prefixlen") == 24);
    EXPECT_TRUE(found) << addresses.dump();
    EXPECT_EQ(addresses[0].at("address"), "52:54:00:4b:00:01");

    // The same profile again: every file unchanged, every profile left active as it was.
    const auto again = persist_in(*m_guest, "again.json");
    ASSERT_EQ(again.process.exit_code, 0) << again.process.out << again.process.err;
    for (const auto& file : again.result.at("files")) EXPECT_EQ(file.at("action"), "unchanged") << file.dump();
    for (const auto& activation : again.result.at("network_manager").at("activations"))
        EXPECT_EQ(activation.at("detail"), "already active, unchanged") << activation.dump();

    // Restore with what the first persist did: our files go, NetworkManager drops our profiles.
    const auto restored = nm_helper(*m_guest, {"restore", k_nm_test_dir + "/result.json", "60"});
    ASSERT_EQ(restored.process.exit_code, 0) << restored.process.out << restored.process.err;
    for (const auto& file : restored.result.at("files")) EXPECT_EQ(file.at("action"), "removed") << file.dump();
    const auto profiles = m_guest->run({"nmcli", "-t", "-f", "NAME", "connection", "show"}).out;
    EXPECT_EQ(profiles.find("kvm-agent-"), std::string::npos) << profiles;
    EXPECT_EQ(m_guest->run({"ls", k_keyfile_dir}).out.find("kvm-agent-"), std::string::npos);
}

// NetworkManager loads the files again only when they may differ from what it runs: not on a re-apply that
// changes nothing, but after a run that wrote them and never reached the reload (killed, or NetworkManager not
// running then), even when that run left the files as the profile wants them and our profiles active.
TEST_F(NmKeyfiles, TheFilesAreLoadedAgainOnlyWhenNetworkManagerMayNotRunThem) {
    make_links_like_an_apply(*m_guest);
    const auto first = persist_in(*m_guest);
    ASSERT_EQ(first.process.exit_code, 0) << first.process.out << first.process.err;
    EXPECT_EQ(first.result.at("network_manager").at("reloaded"), true) << first.result.dump(2);

    const auto again = persist_in(*m_guest, "again.json");
    ASSERT_EQ(again.process.exit_code, 0) << again.process.out << again.process.err;
    EXPECT_EQ(again.result.at("network_manager").at("reloaded"), false) << again.result.dump(2);
    for (const auto& activation : again.result.at("network_manager").at("activations"))
        EXPECT_EQ(activation.at("detail"), "already active, unchanged") << activation.dump();

    // A run for br0 at 192.0.2.20 killed after writing br0's file: the file is what that profile wants, the
    // profile NetworkManager runs still has 192.0.2.10.
    const auto br0_file = k_keyfile_dir + "kvm-agent-br0.nmconnection";
    must_run(*m_guest, {"sed", "-i", "s|192\\.0\\.2\\.10/24|192.0.2.20/24|", br0_file});
    ASSERT_EQ(m_guest->run({"nmcli", "-g", "ipv4.addresses", "connection", "show", "kvm-agent-br0"}).out,
              "192.0.2.10/24\n");
    const auto after_kill = persist_in(*m_guest, "after-kill.json", nm_profile_with_br0_at("192.0.2.20"));
    ASSERT_EQ(after_kill.process.exit_code, 0) << after_kill.process.out << after_kill.process.err;
    for (const auto& file : after_kill.result.at("files")) EXPECT_EQ(file.at("action"), "unchanged") << file.dump();
    EXPECT_EQ(after_kill.result.at("network_manager").at("reloaded"), true) << after_kill.result.dump(2);
    EXPECT_EQ(m_guest->run({"nmcli", "-g", "ipv4.addresses", "connection", "show", "kvm-agent-br0"}).out,
              "192.0.2.20/24\n");
}

// An admin tries an address on br0 without saving it (`nmcli connection modify --temporary`): NetworkManager holds
// that copy in memory, and no reload replaces it. The next persist has NetworkManager forget it and run our file,
// whether the file changes with it or not.
TEST_F(NmKeyfiles, AnAdminsInMemoryChangeToOurProfileGivesWayToOurFile) {
    make_links_like_an_apply(*m_guest);
    const auto first = persist_in(*m_guest);
    ASSERT_EQ(first.process.exit_code, 0) << first.process.out << first.process.err;
    const auto br0_file = k_keyfile_dir + "kvm-agent-br0.nmconnection";
    const auto addresses_of_br0_profile = [&] {
        return m_guest->run({"nmcli", "-g", "ipv4.addresses", "connection", "show", "kvm-agent-br0"}).out;
    };
    const auto has_address = [&](const std::string& address) {
        for (const auto& link : guest_ip_json(*m_guest, {"addr", "show", "br0"}))
            for (const auto& info : link.at("addr_info"))
                if (info.at("local") == address) return true;
        return false;
    };

    // First the profile moves br0 to 192.0.2.20 (its file changes), then the same profile again (it does not).
    struct Round {
        const char* what;
        bool file_changes;
    };
    for (const Round round : {Round{"br0 moved to 192.0.2.20", true}, Round{"the same profile again", false}}) {
        SCOPED_TRACE(round.what);
        must_run(*m_guest, {"nmcli", "connection", "modify", "--temporary", "kvm-agent-br0", "ipv4.addresses",
                            "192.0.2.99/24"});
        ASSERT_EQ(addresses_of_br0_profile(), "192.0.2.99/24\n");
        ASSERT_EQ(nm_profile_flags(*m_guest, "kvm-agent-br0"), "u 1\n") << "NetworkManager holds it unsaved";
        const std::string file_before = m_guest->read_file(br0_file);

        const auto persisted = persist_in(*m_guest, "after-temporary.json", nm_profile_with_br0_at("192.0.2.20"));
        ASSERT_EQ(persisted.process.exit_code, 0) << persisted.process.out << persisted.process.err;
        EXPECT_EQ(addresses_of_br0_profile(), "192.0.2.20/24\n");
        EXPECT_EQ(nm_profile_flags(*m_guest, "kvm-agent-br0"), "u 0\n");
        const std::string file_after = m_guest->read_file(br0_file);
        EXPECT_EQ(file_after != file_before, round.file_changes) << file_before << "---\n" << file_after;
        EXPECT_NE(file_after.find("192.0.2.20/24"), std::string::npos) << file_after;
        EXPECT_EQ(m_guest->run({"stat", "-c", "%a %U", br0_file}).out, "600 root\n");
        bool noted = false;
        for (const auto& activation : persisted.result.at("network_manager").at("activations")) {
            EXPECT_EQ(activation.at("activated"), true) << activation.dump();
            if (activation.at("profile") == "kvm-agent-br0")
                noted = activation.at("detail") == "its in-memory changes (nmcli --temporary) replaced by its file";
        }
        EXPECT_TRUE(noted) << persisted.result.dump(2);
        for (const auto& device : k_nm_interfaces)
            EXPECT_EQ(wait_for_device(*m_guest, device, "kvm-agent-" + device), "100 (connected)\nkvm-agent-" + device);
        EXPECT_TRUE(has_address("192.0.2.20")) << guest_ip_json(*m_guest, {"addr", "show", "br0"}).dump();
        EXPECT_FALSE(has_address("192.0.2.99"));
    }

    // Nothing held in memory any more: the same profile again changes and bounces nothing.
    const auto again = persist_in(*m_guest, "again.json", nm_profile_with_br0_at("192.0.2.20"));
    ASSERT_EQ(again.process.exit_code, 0) << again.process.out << again.process.err;
    EXPECT_EQ(again.result.at("network_manager").at("reloaded"), false) << again.result.dump(2);
    for (const auto& activation : again.result.at("network_manager").at("activations"))
        EXPECT_EQ(activation.at("detail"), "already active, unchanged") << activation.dump();
}

}  // namespace
