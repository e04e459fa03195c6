#pragma once
// What the host profile says the host must have, for the checks that judge against it (net.bridge, net.bond,
// firewall.zones). Plain data: agent/ builds it from the decoded profile. A check run without a profile gets
// no Expectations at all (a null pointer), which is not the same as a profile that lists nothing.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace checks {

struct ExpectedBridge {
    std::string name;
    std::optional<std::vector<std::string>> ports;  // the whole port set; nullopt: the profile leaves the ports alone
    std::vector<std::string> addresses;              // static addresses, "192.0.2.10/24"
};

struct ExpectedBond {
    std::string name;
    std::optional<std::string> mode;                 // the kernel's name: "active-backup", "802.3ad"...
    std::optional<std::uint32_t> miimon;             // ms
    std::optional<std::vector<std::string>> ports;   // the whole port set; nullopt: left alone
};

struct ExpectedZone {
    std::string name;
    std::vector<std::string> interfaces;
    std::optional<bool> masquerade;  // nullopt: left alone
    std::vector<std::string> services;
    std::vector<std::string> ports;  // "5900-5999/tcp"
};

// storage.images: where the profile puts guest images. The facts are read for this path and pool
// (agent::HostSettings), and the storage.* and libvirt.storage-pool checks judge against the rest.
struct ExpectedImages {
    std::string path;
    std::string pool;
    std::uint64_t min_free_bytes = 0;
    std::string selinux_type;
    bool own_filesystem = false;  // the profile names a device to mount at the path
};

struct Expectations {
    std::string profile;  // the profile's path as given, for fixes ("kvm-agent apply --profile PATH ...")
    std::vector<ExpectedBridge> bridges;
    std::vector<ExpectedBond> bonds;
    std::vector<ExpectedZone> zones;
    std::optional<ExpectedImages> images;  // nullopt: the profile leaves storage to the defaults
    bool default_network_absent = false;   // libvirt.default-network: absent
};

}  // namespace checks
