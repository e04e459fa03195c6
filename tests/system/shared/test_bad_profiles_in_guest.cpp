// Bad host sections on a real host: every hostile profile of the kvm, packages, libvirt, sysctl, firewall and
// storage sections, applied in the guest with kvm-agent, exits 3 with its exact message, and the host is
// unchanged: no file under /etc or /var/lib/kvm-agent is written, and the network, the modules, libvirt's
// unit files, networks and pools, firewalld's zones and ip_forward read back as before. A profile whose network
// section is good but whose storage section is not changes nothing either: the whole profile is checked
// before any step runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/system/support/guest_doctor.h"
#include "tests/system/support/guest_fixtures.h"

namespace {

using namespace tests::system;

constexpr const char* k_bad_profiles_dir = "/tmp/kvm-bad-profiles";
constexpr const char* k_stamp = "/tmp/kvm-bad-profiles.stamp";

const std::vector<std::string> k_sections = {"kvm-", "packages-", "libvirt-", "sysctl-", "firewall-", "storage-"};

// A good network section (a new bridge) beside a storage section that names a relative path.
constexpr const char* k_good_network_bad_storage = R"(network:
  interfaces:
  - name: br7
    type: linux-bridge
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.70, prefix-length: 24}]
sysctl:
  net.ipv4.ip_forward: 1
storage:
  images:
    path: images
    device: /dev/vdb
)";

std::string read_host_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class BadProfilesInGuest : public SharedGuestTest {
protected:
    std::string out(const std::vector<std::string>& argv) { return m_guest->run(argv).out; }

    // What the admin's tools show of everything a step could change.
    std::map<std::string, std::string> snapshot() {
        const std::vector<std::vector<std::string>> reads = {
            {"ip", "-j", "-d", "link", "show"},
            {"ip", "-j", "addr", "show"},
            {"ip", "-j", "route", "show", "table", "all"},
            {"sysctl", "-n", "net.ipv4.ip_forward"},
            {"cut", "-d", " ", "-f", "1", "/proc/modules"},
            {"systemctl", "is-enabled", "libvirtd.service", "libvirtd.socket"},
            {"virsh", "-c", "qemu:///system", "net-list", "--all"},
            {"virsh", "-c", "qemu:///system", "pool-list", "--all"},
            {"firewall-cmd", "--list-all-zones"},
            {"firewall-cmd", "--permanent", "--list-all-zones"},
            {"findmnt", "-J"},
        };
        std::map<std::string, std::string> state;
        for (const auto& argv : reads) {
            std::string key;
            for (const auto& word : argv) key += word + " ";
            state[key] = argv[1] == "-j" ? without_lifetimes(out(argv)) : out(argv);
        }
        return state;
    }

    // ip's JSON without what counts down by itself (address lifetimes, a route's expiry).
    static std::string without_lifetimes(const std::string& text) {
        auto json = nlohmann::json::parse(text, nullptr, false);
        if (json.is_discarded()) return text;
        strip(json);
        return json.dump();
    }
    static void strip(nlohmann::json& json) {
        if (json.is_object()) {
            for (const char* key : {"valid_life_time", "preferred_life_time", "expires"}) json.erase(key);
            for (auto& [key, value] : json.items()) strip(value);
        } else if (json.is_array()) {
            for (auto& value : json) strip(value);
        }
    }

    // The host-section entries of the hostile table: NAME -> MESSAGE.
    static std::map<std::string, std::string> host_section_cases() {
        const auto hostile = std::filesystem::path(KVM_FIXTURES_DIR) / "profiles" / "hostile";
        std::map<std::string, std::string> cases;
        std::istringstream table(read_host_file(hostile / "expected.txt"));
        for (std::string line; std::getline(table, line);) {
            const auto gap = line.find("  ");
            if (line.empty() || line.front() == '#' || gap == std::string::npos) continue;
            const auto name = line.substr(0, gap);
            for (const auto& prefix : k_sections)
                if (name.rfind(prefix, 0) == 0) cases[name] = line.substr(line.find_first_not_of(' ', gap));
        }
        return cases;
    }
};

TEST_F(BadProfilesInGuest, EachBadHostSectionExitsThreeWithItsMessageAndTheHostIsUnchanged) {
    const auto cases = host_section_cases();
    ASSERT_GE(cases.size(), 12u);
    const auto hostile = std::filesystem::path(KVM_FIXTURES_DIR) / "profiles" / "hostile";
    ASSERT_EQ(m_guest->run({"rm", "-rf", k_bad_profiles_dir}).exit_code, 0);
    for (const auto& [name, message] : cases) {
        ASSERT_EQ(m_guest->run({"mkdir", "-p", std::string(k_bad_profiles_dir) + "/" + name}).exit_code, 0);
        m_guest->write_file(std::string(k_bad_profiles_dir) + "/" + name + "/host.yaml",
                            read_host_file(hostile / (name + ".yaml")));
    }
    ASSERT_EQ(m_guest->run({"mkdir", "-p", std::string(k_bad_profiles_dir) + "/mixed"}).exit_code, 0);
    m_guest->write_file(std::string(k_bad_profiles_dir) + "/mixed/host.yaml", k_good_network_bad_storage);
    // The profile drives root actions: kvm-agent refuses one that others may write.
    ASSERT_EQ(m_guest->run({"chmod", "-R", "go-w", k_bad_profiles_dir}).exit_code, 0);

    const auto before = snapshot();
    ASSERT_EQ(m_guest->run({"touch", k_stamp}).exit_code, 0);
    for (const auto& [name, message] : cases) {
        const std::string profile = std::string(k_bad_profiles_dir) + "/" + name + "/host.yaml";
        const auto run = m_guest->run({k_guest_agent, "apply", "--profile", profile});
        EXPECT_EQ(run.exit_code, 3) << name << ": " << run.out << run.err;
        EXPECT_EQ(run.err, "kvm-agent apply: " + std::string(k_bad_profiles_dir) + "/" + name + "/" + message + "\n")
            << name;
    }
    const auto mixed =
        m_guest->run({k_guest_agent, "apply", "--profile", std::string(k_bad_profiles_dir) + "/mixed/host.yaml"});
    EXPECT_EQ(mixed.exit_code, 3) << mixed.out << mixed.err;
    EXPECT_EQ(mixed.err, "kvm-agent apply: " + std::string(k_bad_profiles_dir) +
                             "/mixed/host.yaml:12:11: storage.images: path must be an absolute directory, not \"images\"\n");

    // (resolv.conf is NetworkManager's to rewrite when a lease renews.)
    const auto written = out({"find", "/etc", "/var/lib/kvm-agent", "-newer", k_stamp, "-not", "-path", "/etc/resolv.conf"});
    EXPECT_EQ(written, "") << "files written by a refused profile";
    const auto after = snapshot();
    for (const auto& [read, state] : before) EXPECT_EQ(after.at(read), state) << read;
    m_guest->run({"rm", "-rf", k_bad_profiles_dir, k_stamp});
}

}  // namespace
