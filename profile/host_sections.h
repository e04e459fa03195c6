#pragma once
// The decoded host sections of host.yaml other than network: (docs/profile.md has every key and default).
// Plain data; each section is decoded by profile/<section>_section.cpp and applied by agent/steps/.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace profile {

// kvm: load kvm + the CPU's kvm_intel/kvm_amd now and at boot; optionally nested virtualization.
struct KvmSection {
    std::optional<bool> nested;  // nullopt: leave the modprobe.d option as it is
};

// A package name as dnf, yum and apt take it: letters, digits and + - . _ : (an arch or epoch), starting with a
// letter or digit, so never read as an option. The decoder refuses other names, and the packages step checks
// again before it calls the package manager.
inline bool valid_package_name(std::string_view name) {
    if (name.empty() || name.size() > 255 || !std::isalnum(static_cast<unsigned char>(name.front()))) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.' || c == '_' || c == ':';
    });
}

// packages: `default` (the distribution's KVM host set) or an explicit list. Never removes anything.
struct PackagesSection {
    bool distribution_default = false;
    std::vector<std::string> names;  // when not distribution_default
};

// libvirt: which daemons run, and whether libvirt's NAT network `default` stays.
struct LibvirtSection {
    enum class Daemons { automatic, modular, monolithic };
    enum class DefaultNetwork { keep, absent };
    Daemons daemons = Daemons::automatic;
    DefaultNetwork default_network = DefaultNetwork::keep;
};

// sysctl: dotted keys and the values they must have (as written, "1", "bbr").
struct SysctlSection {
    std::map<std::string, std::string> values;
};

// firewall: zones with their interfaces, masquerade, services and ports; nullopt/empty lists: leave.
struct FirewallZone {
    std::string name;
    std::vector<std::string> interfaces;
    std::optional<bool> masquerade;
    std::vector<std::string> services;
    std::vector<std::string> ports;  // "5900-5999/tcp"
};
struct FirewallSection {
    std::vector<FirewallZone> zones;
};

// storage.images: the filesystem guest images live on.
struct ImagesStorage {
    enum class Format { never, if_blank };
    std::string path = "/var/lib/libvirt/images";
    std::optional<std::string> device;  // UUID=..., LABEL=..., /dev/disk/by-*/...; nullopt: mount nothing
    std::string filesystem = "xfs";     // xfs | ext4
    Format format = Format::never;
    std::uint64_t min_free_bytes = 20ull << 30;
    std::string selinux_type = "virt_image_t";
    std::string pool = "default";
};
struct StorageSection {
    std::optional<ImagesStorage> images;
};

// verify: proofs kvm-agent apply adds to its readiness report, beyond the checks every run makes.
struct VerifySection {
    bool guest_smoke = false;  // libvirt.guest-smoke: boot a throwaway KVM guest on the profile's bridges
};

}  // namespace profile
