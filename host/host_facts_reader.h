#pragma once
// HostFactsReader: HostFacts read from a HostRoot and the live services, lazily and once each, so a
// run with --check reads only what those checks need. Thread-safe: checks running side by side that ask for the
// same fact together get one read, the later ones waiting for it.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "checks/host_facts.h"
#include "common/host_root.h"
#include "host/live_services.h"

namespace host {

class HostFactsReader : public checks::HostFacts {
public:
    HostFactsReader(const common::HostRoot& root, LiveServices live, std::string images_dir,
                    std::string images_pool);

    const checks::Fact<checks::CpuInfo>& cpuinfo() const override;
    const checks::Fact<std::string>& kernel_arch() const override;
    const checks::Fact<checks::KernelModules>& kernel_modules() const override;
    const checks::Fact<checks::DeviceNode>& device(const std::string& path) const override;
    const checks::Fact<checks::QemuIdentity>& qemu_identity() const override;
    const checks::Fact<checks::MemInfo>& meminfo() const override;
    const checks::Fact<checks::OsRelease>& os_release() const override;
    const checks::Fact<checks::CgroupFacts>& cgroups() const override;
    const checks::Fact<checks::IommuFacts>& iommu() const override;
    const checks::Fact<checks::FirmwareMsrs>& firmware_msrs() const override;
    const checks::Fact<checks::KvmProbeResult>& kvm_probe() const override;
    const checks::Fact<checks::SysctlValue>& sysctl(const std::string& key) const override;
    const checks::Fact<checks::KeyValueConf>& qemu_conf() const override;
    const checks::Fact<std::vector<checks::DomainDefinition>>& domain_definitions() const override;
    const checks::Fact<std::vector<checks::MountEntry>>& mounts() const override;
    const checks::Fact<checks::MountPersistence>& mount_persistence() const override;
    const checks::Fact<checks::ImagesDirFacts>& images_dir() const override;
    const checks::Fact<checks::SelinuxFacts>& selinux() const override;
    const checks::Fact<checks::SystemdFacts>& systemd() const override;
    const checks::Fact<checks::FirewallFacts>& firewall() const override;
    const checks::Fact<checks::LibvirtFacts>& libvirt() const override;
    const checks::Fact<netconfig::NetworkState>& network() const override;
    const checks::Fact<checks::NetworkDefinitions>& network_definitions() const override;
    const checks::Fact<checks::BondingStatus>& bonding(const std::string& bond) const override;
    const checks::Fact<checks::FirewallZoneFacts>& firewall_zone(const std::string& zone) const override;
    const checks::Fact<checks::InterfaceZone>& firewall_interface_zone(const std::string& interface) const override;
    const checks::Fact<checks::GuestSmokeFacts>& guest_smoke(const std::vector<std::string>& bridges) const override;

    // Takes what the run already read as read (checks/host_facts.h); before the checks ask, a fact already
    // read stays as it is.
    void adopt(const checks::ObservedFacts& observed);

private:
    template <typename T>
    struct Cache {
        std::once_flag once;
        std::optional<checks::Fact<T>> fact;
    };
    // Facts by key (a device, a sysctl, a zone): the entry is made under the lock and read outside it, so a
    // slow read (a D-Bus call) holds up only those asking for the same key.
    template <typename Key, typename T>
    struct KeyedCache {
        std::mutex mutex;
        std::map<Key, std::unique_ptr<Cache<T>>> entries;
        Cache<T>& entry(const Key& key) {
            std::lock_guard lock(mutex);
            auto& slot = entries[key];
            if (!slot) slot = std::make_unique<Cache<T>>();
            return *slot;
        }
    };

    checks::Fact<checks::CpuInfo> read_cpuinfo() const;
    checks::Fact<checks::KernelModules> read_kernel_modules() const;
    checks::Fact<checks::DeviceNode> read_device(const std::string& path) const;
    checks::Fact<checks::QemuIdentity> read_qemu_identity() const;
    checks::Fact<checks::CgroupFacts> read_cgroups() const;
    checks::Fact<checks::IommuFacts> read_iommu() const;
    checks::Fact<checks::FirmwareMsrs> read_firmware_msrs() const;
    checks::Fact<checks::SysctlValue> read_sysctl(const std::string& key) const;
    checks::Fact<std::vector<checks::DomainDefinition>> read_domain_definitions() const;
    checks::Fact<checks::MountPersistence> read_mount_persistence() const;
    checks::Fact<checks::ImagesDirFacts> read_images_dir() const;
    checks::Fact<checks::SelinuxFacts> read_selinux() const;
    checks::Fact<checks::NetworkDefinitions> read_network_definitions() const;
    checks::Fact<checks::BondingStatus> read_bonding(const std::string& bond) const;

    const common::HostRoot& m_root;
    LiveServices m_live;
    std::string m_images_dir;
    std::string m_images_pool;

    mutable Cache<checks::CpuInfo> m_cpuinfo;
    mutable Cache<std::string> m_kernel_arch;
    mutable Cache<checks::KernelModules> m_kernel_modules;
    mutable KeyedCache<std::string, checks::DeviceNode> m_devices;
    mutable Cache<checks::QemuIdentity> m_qemu_identity;
    mutable Cache<checks::MemInfo> m_meminfo;
    mutable Cache<checks::OsRelease> m_os_release;
    mutable Cache<checks::CgroupFacts> m_cgroups;
    mutable Cache<checks::IommuFacts> m_iommu;
    mutable Cache<checks::FirmwareMsrs> m_firmware_msrs;
    mutable Cache<checks::KvmProbeResult> m_kvm_probe;
    mutable KeyedCache<std::string, checks::SysctlValue> m_sysctls;
    mutable Cache<checks::KeyValueConf> m_qemu_conf;
    mutable Cache<std::vector<checks::DomainDefinition>> m_domains;
    mutable Cache<std::vector<checks::MountEntry>> m_mounts;
    mutable Cache<checks::MountPersistence> m_mount_persistence;
    mutable Cache<checks::ImagesDirFacts> m_images_dir_facts;
    mutable Cache<checks::SelinuxFacts> m_selinux;
    mutable Cache<checks::SystemdFacts> m_systemd;
    mutable Cache<checks::FirewallFacts> m_firewall;
    mutable Cache<checks::LibvirtFacts> m_libvirt;
    mutable Cache<netconfig::NetworkState> m_network;
    mutable Cache<checks::NetworkDefinitions> m_network_definitions;
    mutable KeyedCache<std::string, checks::BondingStatus> m_bonding;
    mutable KeyedCache<std::string, checks::FirewallZoneFacts> m_firewall_zones;
    mutable KeyedCache<std::string, checks::InterfaceZone> m_interface_zones;
    mutable KeyedCache<std::vector<std::string>, checks::GuestSmokeFacts> m_guest_smokes;
};

}  // namespace host
