#pragma once
// Shared by the NetworkManager persistence tests (shared guest and rebooted guest): the links an apply leaves
// for a bond of nic1+nic2 under br0 with a VLAN on top, made with ip; NmPersistence run in the guest through
// nm-persist-helper; what nmcli says about a device; and the cleanup that leaves the guest as it booted.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/system/support/guest_vm.h"

namespace tests::system {

inline const std::string k_nm_test_dir = "/root/nm-persist";
inline const std::string k_nm_helper = "/mnt/build/tests/system/nm-persist-helper";
inline const std::string k_keyfile_dir = "/etc/NetworkManager/system-connections/";

// The profile of the issue's system test: active-backup bond (miimon 100) of the spare NICs under br0, which
// carries 192.0.2.10/24 and the first port's MAC, and a VLAN br0.20 on top.
inline const std::string k_nm_profile = R"(network:
  interfaces:
  - name: bond0
    type: bond
    link-aggregation:
      mode: active-backup
      options: {miimon: 100}
      port: [nic1, nic2]
  - name: br0
    type: linux-bridge
    mac-address: from-port
    ipv4:
      enabled: true
      address: [{ip: 192.0.2.10, prefix-length: 24}]
    ipv6:
      enabled: false
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: bond0}]
  - name: br0.20
    type: vlan
    vlan: {base-iface: br0, id: 20}
    ipv4:
      enabled: false
)";

// The host's own profile on nic1 ("spare-nic1", autoconnect, no addresses), as an installer or an admin leaves
// one: what our profiles displace, and what a rollback or a reboot must give nic1 back to.
inline const std::string k_spare_nic1_profile = R"([connection]
id=spare-nic1
uuid=6d0f4c2e-1f0b-4c8e-9a57-3b2f8a1c0d11
type=ethernet
interface-name=nic1
autoconnect=true

[ipv4]
method=disabled

[ipv6]
method=ignore
)";

inline const std::vector<std::string> k_nm_interfaces = {"br0", "bond0", "br0.20", "nic1", "nic2"};

inline void must_run(const GuestVm& guest, const std::vector<std::string>& argv) {
    const auto result = guest.run(argv);
    std::string line;
    for (const auto& arg : argv) line += arg + " ";
    ASSERT_EQ(result.exit_code, 0) << line << ": " << result.out << result.err;
}

// Writes spare-nic1 into NetworkManager's keyfile directory and activates it on nic1.
inline void activate_spare_nic1_profile(const GuestVm& guest) {
    guest.write_file(k_keyfile_dir + "spare-nic1.nmconnection", k_spare_nic1_profile);
    must_run(guest, {"chmod", "600", k_keyfile_dir + "spare-nic1.nmconnection"});
    must_run(guest, {"nmcli", "connection", "reload"});
    must_run(guest, {"nmcli", "connection", "up", "spare-nic1"});
}

// What the agent's netlink apply leaves before persisting: the bond, bridge and VLAN made outside
// NetworkManager, which shows them "connected (externally)" at best.
inline void make_links_like_an_apply(const GuestVm& guest) {
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"ip", "link", "add", "bond0", "type", "bond", "mode", "active-backup", "miimon", "100"},
             {"ip", "link", "set", "nic1", "down"},
             {"ip", "link", "set", "nic2", "down"},
             {"ip", "link", "set", "nic1", "master", "bond0"},
             {"ip", "link", "set", "nic2", "master", "bond0"},
             {"ip", "link", "add", "br0", "type", "bridge", "stp_state", "0"},
             {"ip", "link", "set", "br0", "address", "52:54:00:4b:00:01"},
             {"ip", "link", "set", "bond0", "master", "br0"},
             {"ip", "addr", "add", "192.0.2.10/24", "dev", "br0"},
             {"ip", "link", "add", "link", "br0", "name", "br0.20", "type", "vlan", "id", "20"},
             {"ip", "link", "set", "nic1", "up"},
             {"ip", "link", "set", "nic2", "up"},
             {"ip", "link", "set", "bond0", "up"},
             {"ip", "link", "set", "br0", "up"},
             {"ip", "link", "set", "br0.20", "up"}})
        must_run(guest, argv);
}

struct HelperRun {
    tests::ProcessResult process;
    nlohmann::json result;
};

inline HelperRun nm_helper(const GuestVm& guest, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {k_nm_helper};
    argv.insert(argv.end(), args.begin(), args.end());
    HelperRun run;
    run.process = guest.run(argv);
    try {
        run.result = nlohmann::json::parse(run.process.out);
    } catch (const nlohmann::json::exception&) {
        run.result = nlohmann::json::object();
    }
    return run;
}

// Persists `profile` in the guest; what was done is saved to k_nm_test_dir/`result_name` for a restore.
inline HelperRun persist_in(const GuestVm& guest, const std::string& result_name = "result.json",
                            const std::string& profile = k_nm_profile) {
    must_run(guest, {"mkdir", "-p", k_nm_test_dir});
    guest.write_file(k_nm_test_dir + "/host.yaml", profile);
    return nm_helper(guest, {"persist", k_nm_test_dir + "/host.yaml", k_nm_test_dir + "/" + result_name, "90"});
}

// What `ip -j ARGS` prints in the guest, parsed; an empty array when it fails or prints nothing (a link
// that does not exist).
inline nlohmann::json guest_ip_json(const GuestVm& guest, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"ip", "-j"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto result = guest.run(argv);
    if (result.exit_code != 0 || result.out.empty()) return nlohmann::json::array();
    return nlohmann::json::parse(result.out);
}

// "100 (connected)\nkvm-agent-br0" for a device connected to our profile.
inline std::string nm_device(const GuestVm& guest, const std::string& device) {
    const auto result = guest.run({"nmcli", "-t", "-f", "GENERAL.STATE,GENERAL.CONNECTION", "device", "show", device});
    std::string out;
    std::string line;
    for (char c : result.out) {
        if (c != '\n') {
            line += c;
            continue;
        }
        out += (out.empty() ? "" : "\n") + line.substr(line.find(':') + 1);
        line.clear();
    }
    return out;
}

// NetworkManager activates profiles a few seconds after systemd reports running: wait until `device` is
// connected to `connection`, or the timeout.
inline std::string wait_for_device(const GuestVm& guest, const std::string& device, const std::string& connection,
                                   std::chrono::seconds timeout = std::chrono::seconds(120)) {
    const auto expected = "100 (connected)\n" + connection;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string now;
    while (std::chrono::steady_clock::now() < deadline) {
        now = nm_device(guest, device);
        if (now == expected) break;
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return now;
}

// Everything the tests made, gone: our profiles and files, the links, the backups; nic1 and nic2 down and
// free as the guest booted them.
inline void clean_nm_guest(const GuestVm& guest) {
    for (const auto& name : k_nm_interfaces) guest.run({"rm", "-f", k_keyfile_dir + "kvm-agent-" + name + ".nmconnection"});
    guest.run({"rm", "-f", k_keyfile_dir + "spare-nic1.nmconnection"});
    guest.run({"nmcli", "connection", "reload"});
    for (const char* link : {"br0.20", "br0", "bond0"}) guest.run({"ip", "link", "del", link});
    for (const char* nic : {"nic1", "nic2"}) {
        guest.run({"ip", "link", "set", nic, "nomaster"});
        guest.run({"ip", "link", "set", nic, "down"});
    }
    guest.run({"rm", "-rf", "/var/lib/kvm-agent", k_nm_test_dir});
}

}  // namespace tests::system
