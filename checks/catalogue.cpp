#include "checks/catalogue.h"

#include "checks/judges.h"

namespace checks {

const std::vector<CheckSpec>& catalogue() {
    static const std::vector<CheckSpec> k_checks = {
        {"cpu.virt-extensions", "Hardware virtualization (vmx/svm)", judge_cpu_virt_extensions},
        {"cpu.64bit", "64-bit CPU and kernel", judge_cpu_64bit},
        {"cpu.virt-disabled-by-firmware", "Virtualization not locked off by firmware",
         judge_cpu_virt_disabled_by_firmware},
        {"kernel.kvm-modules", "KVM kernel modules", judge_kernel_kvm_modules},
        {"dev.kvm.exists", "Device /dev/kvm exists", judge_dev_kvm_exists},
        {"dev.kvm.access", "Device /dev/kvm usable by QEMU's account", judge_dev_kvm_access},
        {"dev.vhost-net", "Device /dev/vhost-net exists", judge_dev_vhost_net},
        {"dev.net-tun", "Device /dev/net/tun exists", judge_dev_net_tun},
        {.id = "kvm.functional", .title = "KVM runs a guest", .judge = judge_kvm_functional, .waits = true},
        {"kvm.nested", "Nested virtualization", judge_kvm_nested},
        {"cgroups.controllers", "cgroup controllers for QEMU", judge_cgroups_controllers},
        {"iommu", "IOMMU for device assignment", judge_iommu},
        {"secure-guest", "Secure guest support (SEV/TDX)", judge_secure_guest},
        {"host.memory", "Host memory", judge_host_memory},
        {"host.os", "Operating system", judge_host_os},
        {.id = "libvirt.daemon", .title = "libvirt daemons enabled and active", .judge = judge_libvirt_daemon,
         .waits = true},
        {.id = "libvirt.connection", .title = "libvirt connection qemu:///system", .judge = judge_libvirt_connection,
         .waits = true},
        {"libvirt.default-network", "libvirt default NAT network", nullptr, judge_libvirt_default_network},
        {"libvirt.storage-pool", "libvirt images storage pool", nullptr, judge_libvirt_storage_pool},
        {"libvirt.autostart-disks", "Autostart guests' disks survive reboot", judge_libvirt_autostart_disks},
        {"libvirt.domain-acpi", "Guests stop on virsh shutdown (ACPI)", judge_libvirt_domain_acpi},
        {"qemu.vnc-listen", "Guest consoles not open to the network", judge_qemu_vnc_listen},
        {"net.bridge", "Bridges up, with their ports and the address", nullptr, judge_net_bridge},
        {"net.bond", "Bonds: mode, miimon, ports up, an active port", nullptr, judge_net_bond},
        {"net.persistent", "Bridges, bonds and VLANs persisted for boot", judge_net_persistent},
        {"net.ip-forward", "IPv4 forwarding, runtime and persisted", judge_net_ip_forward},
        {"net.br-netfilter", "Bridged traffic and the host firewall", judge_net_br_netfilter},
        {.id = "firewall.running", .title = "firewalld running", .judge = judge_firewall_running, .waits = true},
        {.id = "firewall.zones", .title = "Firewall zones, runtime and permanent alike",
         .profile_judge = judge_firewall_zones, .waits = true},
        {"storage.images-space", "Free space for guest images", nullptr, judge_storage_images_space},
        {"storage.mount-persistent", "Images filesystem mounted at boot", nullptr, judge_storage_mount_persistent},
        {"storage.selinux-context", "SELinux label of the images directory", nullptr, judge_storage_selinux_context},
        {k_guest_smoke_check, "A throwaway KVM guest boots on the bridges", nullptr, judge_libvirt_guest_smoke, true},
    };
    return k_checks;
}

const CheckSpec* find_check(std::string_view id) {
    for (const auto& spec : catalogue())
        if (spec.id == id) return &spec;
    return nullptr;
}

std::vector<std::string> default_check_ids() {
    std::vector<std::string> ids;
    for (const auto& spec : catalogue())
        if (!spec.opt_in) ids.emplace_back(spec.id);
    return ids;
}

}  // namespace checks
