#pragma once
// The plain data the checks judge, and HostFacts: the interface that hands it to them. host/ implements
// it by reading the machine lazily (only what the selected checks ask for); unit tests fill a
// StaticHostFacts by hand. Nothing here touches the system.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checks/fact.h"
#include "checks/parsers/bonding.h"
#include "checks/parsers/cpuinfo.h"
#include "checks/parsers/mounts.h"
#include "checks/parsers/os_release.h"
#include "checks/parsers/key_value_conf.h"
#include "checks/parsers/libvirt_xml.h"
#include "checks/parsers/network_definitions.h"
#include "netconfig/model.h"

namespace checks {

enum class ModuleLoad { absent, loaded, builtin };

struct ModuleInfo {
    ModuleLoad load = ModuleLoad::absent;
    std::map<std::string, std::string> parameters;  // /sys/module/NAME/parameters/*
};

// The modules the checks ask about, by name.
struct KernelModules {
    bool has_proc_modules = true;  // false: the kernel has no loadable-module support
    std::map<std::string, ModuleInfo> modules;
    const ModuleInfo* find(const std::string& name) const {
        auto it = modules.find(name);
        return it == modules.end() ? nullptr : &it->second;
    }
    bool present(const std::string& name) const {
        const auto* m = find(name);
        return m && m->load != ModuleLoad::absent;
    }
};

struct DeviceNode {
    std::string path;
    bool exists = false;
    bool is_char_device = false;
    unsigned major = 0, minor = 0, mode = 0, uid = 0, gid = 0;
    std::string owner, group;  // names from /etc/passwd and /etc/group, or the numbers
};

// Who QEMU runs as (qemu.conf user/group, or the distro default) and what that account may open.
struct QemuIdentity {
    std::string user, group;
    std::optional<unsigned> uid, gid;
    std::set<unsigned> supplementary_gids;
    std::string source;  // "qemu.conf" or "distro default"
};

struct MemInfo {
    std::uint64_t mem_total_bytes = 0;
};

struct CgroupFacts {
    std::set<std::string> v1_controllers;  // controllers mounted as cgroup v1 hierarchies
    std::optional<std::string> v2_mount;   // where cgroup2 is mounted, if anywhere
    std::set<std::string> v2_controllers;  // cgroup.controllers of that mount
};

struct IommuFacts {
    bool dmar_table = false;  // Intel VT-d
    bool ivrs_table = false;  // AMD-Vi
    std::size_t iommu_groups = 0;
    std::string cmdline;
};

// MSRs that say whether firmware locked virtualization off.
struct FirmwareMsrs {
    std::optional<std::uint64_t> feature_control;  // Intel IA32_FEATURE_CONTROL (0x3a)
    std::optional<std::uint64_t> vm_cr;            // AMD VM_CR (0xc0010114)
    std::string unreadable_reason;                 // why neither could be read, if so
};

struct KvmProbeResult {
    bool opened = false;
    int api_version = -1;
    bool ran_to_halt = false;
    std::string failure;  // which step failed and why, empty on success
};

struct SysctlValue {
    std::optional<std::string> runtime;
    std::optional<std::string> persisted;
    std::string persisted_source;  // "file:line" of the assignment that wins at boot
};

struct SelinuxFacts {
    bool enabled = false;
    bool enforcing = false;
    std::string local_fcontext_rules;  // file_contexts.local text
};

struct ImagesDirFacts {
    std::string path;
    bool exists = false;
    std::optional<MountEntry> mount;  // the mount the directory lives on
    std::optional<std::uint64_t> total_bytes, available_bytes;
    std::string selinux_label;        // empty when unreadable or SELinux is off
};

struct MountPersistence {
    std::vector<MountEntry> fstab;
    std::set<std::string> mount_units;  // e.g. "var-lib-libvirt-images.mount"
};

struct UnitState {
    std::string load_state;       // loaded, not-found, masked
    std::string active_state;     // active, inactive, failed, activating
    std::string unit_file_state;  // enabled, disabled, static, indirect, masked, ""
};

struct SystemdFacts {
    std::map<std::string, UnitState> units;  // by unit name
};

struct FirewallFacts {
    bool on_bus = false;
    std::string state;  // firewalld's "state" property: RUNNING, FAILED, INIT
    std::string default_zone;
    std::string error;
    bool timed_out = false;  // firewalld is on the bus but did not answer within the bound: slow, not broken
};

// One of firewalld's two configurations of a zone: the runtime one, and the permanent one it loads at start.
struct FirewallZoneConfig {
    bool exists = false;
    std::set<std::string> interfaces;
    bool masquerade = false;
    std::set<std::string> services;
    std::set<std::string> ports;  // "5900-5999/tcp"
};

struct FirewallZoneFacts {
    std::string name;
    FirewallZoneConfig runtime;
    FirewallZoneConfig permanent;
};

// What a kvm-agent run's own steps read moments before its readiness checks, with nothing changed since: the
// readiness takes it as read instead of asking the daemons again (each firewalld call costs a polkit check).
struct ObservedFacts {
    std::map<std::string, FirewallZoneFacts> firewall_zones;  // by zone name
    // libvirt's daemon units as the libvirt step found them converged: the profile's daemons (libvirtd, or the
    // modular ones) read whole, the other mode's only where systemd holds them. For the libvirt.daemon check that
    // is the same answer as the 8 units HostFacts::systemd() reads: a converged mode's daemons are enabled and
    // running, so the other mode's units (absent, or stopped and disabled) do not change it.
    std::optional<SystemdFacts> libvirt_units;
    std::optional<FirewallFacts> firewall;  // firewalld's state and default zone
};

// The zone firewalld has an interface in; "" when it names none (the interface is then in the default zone).
struct InterfaceZone {
    std::string runtime;
    std::string permanent;
};

// The persistent network configuration: what brings interfaces back at boot.
struct NetworkDefinitions {
    std::vector<NetworkDefinition> definitions;  // NetworkManager keyfiles, ifcfg files, libvirt networks
};

struct LibvirtObject {
    bool defined = false, active = false, autostart = false;
    std::string detail;         // pool path or network bridge
    bool target_exists = true;  // a pool's path exists on disk
};

struct LibvirtFacts {
    std::string uri;
    bool connected = false;
    std::string client_library_error;  // libvirt's client library could not be loaded: no connection was tried
    std::string connect_error;
    std::string call_error;  // connected, but a later call failed or overran its deadline
    bool timed_out = false;  // the connection or a call overran its deadline: a slow daemon, not a refusing one
    bool x86_64_guests = false;  // capabilities offer any x86_64 guest (a QEMU emulator is installed)
    bool kvm_x86_64 = false;     // capabilities offer domain type kvm for x86_64
    std::string capabilities_summary;
    LibvirtObject default_network;
    LibvirtObject images_pool;
    std::string images_pool_name;
};

// A tap libvirt made for a NIC of the smoke guest, and the bridge the kernel had it in while the guest ran.
struct SmokeTap {
    std::string tap;
    std::string bridge;  // the bridge the domain's XML asked for
    std::string master;  // the bridge it was a port of ("" none)
};

// Where a smoke run stopped; its name leads the check's evidence ("pool: pool images is not active").
enum class SmokeStep { none, smoke_guest, lock, connect, pool, volume, start, boot };

inline const char* to_string(SmokeStep step) {
    switch (step) {
    case SmokeStep::none: return "";
    case SmokeStep::smoke_guest: return "smoke guest";
    case SmokeStep::lock: return "lock";
    case SmokeStep::connect: return "connect";
    case SmokeStep::pool: return "pool";
    case SmokeStep::volume: return "volume";
    case SmokeStep::start: return "start";
    case SmokeStep::boot: return "boot";
    }
    return "";
}

// What booting the smoke guest through libvirt showed (kvm-doctor --smoke, libvirt.guest-smoke).
struct GuestSmokeFacts {
    std::string pool, volume, domain;   // what the run made (and removed)
    std::string images_path;            // the pool's directory
    std::vector<std::string> bridges;   // the domain had a NIC on each
    SmokeStep failed_step = SmokeStep::none;  // none when the guest ran
    std::string error;                  // libvirt's message, or what went wrong
    std::string domain_type;            // the running domain's <domain type=...>
    std::string hypervisor;             // what the guest read from CPUID leaf 0x40000000 ("KVMKVMKVM")
    std::vector<SmokeTap> taps;
    std::optional<std::chrono::milliseconds> time_to_marker;  // from the start of the vCPU to the marker
    std::string xml;                    // the domain XML the run asked libvirt to start
    std::vector<std::string> leftovers_removed;  // objects of an earlier, killed run, removed first
    std::vector<std::string> cleanup_failures;   // what this run could not remove
};

// What the checks read. Each getter returns the fact, or why it is unavailable or unreadable. The checks run
// side by side (run_doctor), so an implementation answers several threads at once.
class HostFacts {
public:
    virtual ~HostFacts() = default;
    virtual const Fact<CpuInfo>& cpuinfo() const = 0;
    virtual const Fact<std::string>& kernel_arch() const = 0;
    virtual const Fact<KernelModules>& kernel_modules() const = 0;
    virtual const Fact<DeviceNode>& device(const std::string& path) const = 0;
    virtual const Fact<QemuIdentity>& qemu_identity() const = 0;
    virtual const Fact<MemInfo>& meminfo() const = 0;
    virtual const Fact<OsRelease>& os_release() const = 0;
    virtual const Fact<CgroupFacts>& cgroups() const = 0;
    virtual const Fact<IommuFacts>& iommu() const = 0;
    virtual const Fact<FirmwareMsrs>& firmware_msrs() const = 0;
    virtual const Fact<KvmProbeResult>& kvm_probe() const = 0;
    virtual const Fact<SysctlValue>& sysctl(const std::string& key) const = 0;
    virtual const Fact<KeyValueConf>& qemu_conf() const = 0;
    virtual const Fact<std::vector<DomainDefinition>>& domain_definitions() const = 0;
    virtual const Fact<std::vector<MountEntry>>& mounts() const = 0;
    virtual const Fact<MountPersistence>& mount_persistence() const = 0;
    virtual const Fact<ImagesDirFacts>& images_dir() const = 0;
    virtual const Fact<SelinuxFacts>& selinux() const = 0;
    virtual const Fact<SystemdFacts>& systemd() const = 0;
    virtual const Fact<FirewallFacts>& firewall() const = 0;
    virtual const Fact<LibvirtFacts>& libvirt() const = 0;
    // The kernel's links (with their ports and carrier), addresses and routes.
    virtual const Fact<netconfig::NetworkState>& network() const = 0;
    virtual const Fact<NetworkDefinitions>& network_definitions() const = 0;
    // /proc/net/bonding/<bond>.
    virtual const Fact<BondingStatus>& bonding(const std::string& bond) const = 0;
    virtual const Fact<FirewallZoneFacts>& firewall_zone(const std::string& zone) const = 0;
    virtual const Fact<InterfaceZone>& firewall_interface_zone(const std::string& interface) const = 0;
    // Boots the smoke guest with a NIC on each of `bridges`: it changes the host for a few seconds, and leaves
    // nothing behind. Only libvirt.guest-smoke asks, and only when the run opted in.
    virtual const Fact<GuestSmokeFacts>& guest_smoke(const std::vector<std::string>& bridges) const = 0;
};

// A HostFacts filled in by hand: for unit tests of the checks.
struct StaticHostFacts : HostFacts {
    Fact<CpuInfo> cpuinfo_fact;
    Fact<std::string> kernel_arch_fact;
    Fact<KernelModules> kernel_modules_fact;
    std::map<std::string, Fact<DeviceNode>> device_facts;
    Fact<QemuIdentity> qemu_identity_fact;
    Fact<MemInfo> meminfo_fact;
    Fact<OsRelease> os_release_fact;
    Fact<CgroupFacts> cgroups_fact;
    Fact<IommuFacts> iommu_fact;
    Fact<FirmwareMsrs> firmware_msrs_fact;
    Fact<KvmProbeResult> kvm_probe_fact;
    std::map<std::string, Fact<SysctlValue>> sysctl_facts;
    Fact<KeyValueConf> qemu_conf_fact;
    Fact<std::vector<DomainDefinition>> domain_definitions_fact;
    Fact<std::vector<MountEntry>> mounts_fact;
    Fact<MountPersistence> mount_persistence_fact;
    Fact<ImagesDirFacts> images_dir_fact;
    Fact<SelinuxFacts> selinux_fact;
    Fact<SystemdFacts> systemd_fact;
    Fact<FirewallFacts> firewall_fact;
    Fact<LibvirtFacts> libvirt_fact;
    Fact<netconfig::NetworkState> network_fact;
    Fact<NetworkDefinitions> network_definitions_fact;
    std::map<std::string, Fact<BondingStatus>> bonding_facts;
    std::map<std::string, Fact<FirewallZoneFacts>> firewall_zone_facts;
    std::map<std::string, Fact<InterfaceZone>> interface_zone_facts;
    Fact<GuestSmokeFacts> guest_smoke_fact;
    mutable std::vector<std::string> guest_smoke_bridges;  // what the check asked for

    const Fact<CpuInfo>& cpuinfo() const override { return cpuinfo_fact; }
    const Fact<std::string>& kernel_arch() const override { return kernel_arch_fact; }
    const Fact<KernelModules>& kernel_modules() const override { return kernel_modules_fact; }
    const Fact<DeviceNode>& device(const std::string& path) const override {
        static const Fact<DeviceNode> k_missing{Unavailable{"not collected"}};
        auto it = device_facts.find(path);
        return it == device_facts.end() ? k_missing : it->second;
    }
    const Fact<QemuIdentity>& qemu_identity() const override { return qemu_identity_fact; }
    const Fact<MemInfo>& meminfo() const override { return meminfo_fact; }
    const Fact<OsRelease>& os_release() const override { return os_release_fact; }
    const Fact<CgroupFacts>& cgroups() const override { return cgroups_fact; }
    const Fact<IommuFacts>& iommu() const override { return iommu_fact; }
    const Fact<FirmwareMsrs>& firmware_msrs() const override { return firmware_msrs_fact; }
    const Fact<KvmProbeResult>& kvm_probe() const override { return kvm_probe_fact; }
    const Fact<SysctlValue>& sysctl(const std::string& key) const override {
        static const Fact<SysctlValue> k_missing{Unavailable{"not collected"}};
        auto it = sysctl_facts.find(key);
        return it == sysctl_facts.end() ? k_missing : it->second;
    }
    const Fact<KeyValueConf>& qemu_conf() const override { return qemu_conf_fact; }
    const Fact<std::vector<DomainDefinition>>& domain_definitions() const override {
        return domain_definitions_fact;
    }
    const Fact<std::vector<MountEntry>>& mounts() const override { return mounts_fact; }
    const Fact<MountPersistence>& mount_persistence() const override { return mount_persistence_fact; }
    const Fact<ImagesDirFacts>& images_dir() const override { return images_dir_fact; }
    const Fact<SelinuxFacts>& selinux() const override { return selinux_fact; }
    const Fact<SystemdFacts>& systemd() const override { return systemd_fact; }
    const Fact<FirewallFacts>& firewall() const override { return firewall_fact; }
    const Fact<LibvirtFacts>& libvirt() const override { return libvirt_fact; }
    const Fact<netconfig::NetworkState>& network() const override { return network_fact; }
    const Fact<NetworkDefinitions>& network_definitions() const override { return network_definitions_fact; }
    const Fact<BondingStatus>& bonding(const std::string& bond) const override { return find_in(bonding_facts, bond); }
    const Fact<FirewallZoneFacts>& firewall_zone(const std::string& zone) const override {
        return find_in(firewall_zone_facts, zone);
    }
    const Fact<InterfaceZone>& firewall_interface_zone(const std::string& interface) const override {
        return find_in(interface_zone_facts, interface);
    }
    const Fact<GuestSmokeFacts>& guest_smoke(const std::vector<std::string>& bridges) const override {
        guest_smoke_bridges = bridges;
        return guest_smoke_fact;
    }

private:
    template <typename T>
    static const Fact<T>& find_in(const std::map<std::string, Fact<T>>& facts, const std::string& key) {
        static const Fact<T> k_missing{Unavailable{"not collected"}};
        auto it = facts.find(key);
        return it == facts.end() ? k_missing : it->second;
    }
};

}  // namespace checks
