// NmPersistence on an offline root (a temporary directory): the keyfiles land 0600 where NetworkManager reads
// them, a second persist changes nothing, absent interfaces lose their files, a failing write puts back what
// was written before it, and restore() undoes everything. NetworkManager itself is asked in the system tier.
#include "host/networkmanager/nm_persistence.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "netconfig/nm_keyfile.h"

namespace host::networkmanager {
namespace {

namespace fs = std::filesystem;
using netconfig::IfName;
using netconfig::Interface;
using netconfig::InterfaceType;
using netconfig::NetworkState;
using Action = netconfig::PersistedFile::Action;

const std::string k_dir = "/etc/NetworkManager/system-connections/";

Interface ethernet(const std::string& name, const std::string& mac) {
    Interface iface;
    iface.name = IfName(name);
    iface.type = InterfaceType::ethernet;
    iface.mac_address = netconfig::MacAddress::parse(mac);
    iface.permanent_mac_address = iface.mac_address;
    return iface;
}

NetworkState host_with_two_nics() {
    NetworkState state;
    state.interfaces.push_back(ethernet("nic1", "52:54:00:4b:00:01"));
    state.interfaces.push_back(ethernet("nic2", "52:54:00:4b:00:02"));
    return state;
}

// br0 over bond0 (nic1, nic2) with a static address.
NetworkState bridge_over_bond() {
    NetworkState desired;
    auto& bond = desired.interfaces.emplace_back();
    bond.name = IfName("bond0");
    bond.type = InterfaceType::bond;
    bond.bond.emplace().mode = netconfig::BondMode::active_backup;
    bond.bond->ports = std::vector<IfName>{IfName("nic1"), IfName("nic2")};
    auto& bridge = desired.interfaces.emplace_back();
    bridge.name = IfName("br0");
    bridge.type = InterfaceType::linux_bridge;
    bridge.bridge.emplace().ports = std::vector<netconfig::BridgePort>{{IfName("bond0"), std::nullopt, std::nullopt}};
    bridge.ipv4.addresses = std::vector<netconfig::InterfaceAddress>{{*netconfig::IpAddress::parse("192.0.2.10"), 24}};
    return desired;
}

class NmPersistenceTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/kvm-nm-persist-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        m_root = pattern;
    }
    void TearDown() override {
        std::error_code ignored;
        fs::remove_all(m_root, ignored);
    }
    NmPersistence persistence() const {
        NmPersistenceOptions options;
        options.root = m_root;
        return NmPersistence(options);
    }
    fs::path at(const std::string& host_path) const { return m_root / host_path.substr(1); }
    std::string read(const std::string& host_path) const {
        std::ifstream in(at(host_path));
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    std::vector<std::string> keyfiles() const {
        std::vector<std::string> names;
        if (!fs::exists(at(k_dir))) return names;
        for (const auto& entry : fs::directory_iterator(at(k_dir))) names.push_back(entry.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    fs::path m_root;
};

TEST_F(NmPersistenceTest, KeyfilesAreWrittenWhereNetworkManagerReadsThemAndItIsNotAskedOffline) {
    auto persist = persistence();
    const auto result = persist.persist(bridge_over_bond(), host_with_two_nics());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(keyfiles(), (std::vector<std::string>{"kvm-agent-bond0.nmconnection", "kvm-agent-br0.nmconnection",
                                                    "kvm-agent-nic1.nmconnection", "kvm-agent-nic2.nmconnection"}));
    ASSERT_EQ(result->files.size(), 4u);
    for (const auto& file : result->files) {
        EXPECT_EQ(file.action, Action::created) << file.path;
        struct stat st {};
        ASSERT_EQ(::stat(at(file.path).c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 07777, 0600u) << file.path;
    }
    EXPECT_EQ(result->files[0].path, k_dir + "kvm-agent-br0.nmconnection");
    EXPECT_EQ(result->files[0].interface, IfName("br0"));
    const auto expected = netconfig::nm_keyfiles(bridge_over_bond(), host_with_two_nics());
    EXPECT_EQ(read(k_dir + "kvm-agent-br0.nmconnection"), expected->files[0].content);

    EXPECT_FALSE(result->network_manager.asked);
    EXPECT_EQ(result->network_manager.reason,
              "the files were written under " + m_root.string() + ", not on the running system");
    EXPECT_TRUE(result->ok());
}

TEST_F(NmPersistenceTest, PersistingTheSameStateAgainChangesNoFile) {
    auto persist = persistence();
    ASSERT_TRUE(persist.persist(bridge_over_bond(), host_with_two_nics()).ok());
    const auto again = persist.persist(bridge_over_bond(), host_with_two_nics());
    ASSERT_TRUE(again.ok());
    for (const auto& file : again->files) EXPECT_EQ(file.action, Action::unchanged) << file.path;
}

TEST_F(NmPersistenceTest, RestoreTakesEveryFileBackToWhatItWas) {
    auto persist = persistence();
    // A previous apply's profile for br0 with another address, and one for old0 that is now absent.
    auto earlier = bridge_over_bond();
    earlier.interfaces[1].ipv4.addresses->front().ip = *netconfig::IpAddress::parse("192.0.2.99");
    auto old = ethernet("old0", "52:54:00:4b:00:09");
    earlier.interfaces.push_back(old);
    auto observed = host_with_two_nics();
    observed.interfaces.push_back(old);
    ASSERT_TRUE(persist.persist(earlier, observed).ok());
    const auto br0_before = read(k_dir + "kvm-agent-br0.nmconnection");
    const auto old_before = read(k_dir + "kvm-agent-old0.nmconnection");

    auto desired = bridge_over_bond();
    auto& gone = desired.interfaces.emplace_back();
    gone.name = IfName("old0");
    gone.state = netconfig::InterfaceState::absent;
    desired.interfaces.push_back(ethernet("nic3", "52:54:00:4b:00:03"));
    observed.interfaces.push_back(ethernet("nic3", "52:54:00:4b:00:03"));
    const auto persisted = persist.persist(desired, observed);
    ASSERT_TRUE(persisted.ok()) << persisted.error().message;
    std::map<std::string, Action> actions;
    for (const auto& file : persisted->files) actions[file.interface.str()] = file.action;
    EXPECT_EQ(actions, (std::map<std::string, Action>{{"br0", Action::replaced}, {"bond0", Action::unchanged},
                                                      {"nic1", Action::unchanged}, {"nic2", Action::unchanged},
                                                      {"nic3", Action::created}, {"old0", Action::removed}}));
    EXPECT_FALSE(fs::exists(at(k_dir + "kvm-agent-old0.nmconnection")));

    const auto restored = persist.restore(*persisted);
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    EXPECT_EQ(read(k_dir + "kvm-agent-br0.nmconnection"), br0_before);
    EXPECT_EQ(read(k_dir + "kvm-agent-old0.nmconnection"), old_before);
    EXPECT_FALSE(fs::exists(at(k_dir + "kvm-agent-nic3.nmconnection")));
    EXPECT_FALSE(restored->network_manager.asked);
}

TEST_F(NmPersistenceTest, AFileThatCannotBeWrittenPutsBackTheOnesWrittenBeforeIt) {
    auto persist = persistence();
    // nic1's keyfile path is taken by a directory: the third file of four cannot be written.
    fs::create_directories(at(k_dir + "kvm-agent-nic1.nmconnection"));
    const auto result = persist.persist(bridge_over_bond(), host_with_two_nics());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "writing " + k_dir + "kvm-agent-nic1.nmconnection: refusing to replace " +
                                          at(k_dir + "kvm-agent-nic1.nmconnection").string() + ": not a regular file");
    EXPECT_EQ(keyfiles(), std::vector<std::string>{"kvm-agent-nic1.nmconnection"});
}

TEST_F(NmPersistenceTest, AKeyfileThePlanCannotReadIsTheHostsFailure) {
    auto persist = persistence();
    const std::string observing(netconfig::k_observing_files);
    // A file to write (nic1's) and a file to remove (old0's), each taken by a directory.
    fs::create_directories(at(k_dir + "kvm-agent-nic1.nmconnection"));
    auto pending = persist.pending(bridge_over_bond(), host_with_two_nics());
    ASSERT_FALSE(pending.ok());
    EXPECT_EQ(pending.error().message, observing + "reading " + k_dir + "kvm-agent-nic1.nmconnection: refusing to " +
                                           "replace " + at(k_dir + "kvm-agent-nic1.nmconnection").string() +
                                           ": not a regular file");
    fs::remove(at(k_dir + "kvm-agent-nic1.nmconnection"));

    fs::create_directories(at(k_dir + "kvm-agent-old0.nmconnection"));
    auto desired = bridge_over_bond();
    auto& gone = desired.interfaces.emplace_back();
    gone.name = IfName("old0");
    gone.state = netconfig::InterfaceState::absent;
    pending = persist.pending(desired, host_with_two_nics());
    ASSERT_FALSE(pending.ok());
    EXPECT_EQ(pending.error().message, observing + "reading " + k_dir + "kvm-agent-old0.nmconnection: refusing to " +
                                           "replace " + at(k_dir + "kvm-agent-old0.nmconnection").string() +
                                           ": not a regular file");
}

TEST_F(NmPersistenceTest, CheckRefusesWhatCannotBePersistedWithoutWritingAnything) {
    auto persist = persistence();
    NetworkState desired;
    desired.interfaces.emplace_back().name = IfName("ghost0");
    const auto checked = persist.check(desired, host_with_two_nics());
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.error().message, "cannot persist the network for NetworkManager: ghost0: its type is not "
                                       "given and it does not exist on the host");
    EXPECT_FALSE(persist.persist(desired, host_with_two_nics()).ok());
    EXPECT_TRUE(keyfiles().empty());
    EXPECT_TRUE(persist.check(bridge_over_bond(), host_with_two_nics()).ok());
}

}  // namespace
}  // namespace host::networkmanager
