#pragma once
// Every judge, grouped by the file that holds it. Each is pure: HostFacts in, Outcome out.
#include "checks/check_result.h"
#include "checks/expectations.h"
#include "checks/host_facts.h"

namespace checks {

// cpu.cpp
Outcome judge_cpu_virt_extensions(const HostFacts& facts);
Outcome judge_cpu_64bit(const HostFacts& facts);
Outcome judge_cpu_virt_disabled_by_firmware(const HostFacts& facts);
// kernel.cpp
Outcome judge_kernel_kvm_modules(const HostFacts& facts);
Outcome judge_kvm_functional(const HostFacts& facts);
Outcome judge_kvm_nested(const HostFacts& facts);
// devices.cpp
Outcome judge_dev_kvm_exists(const HostFacts& facts);
Outcome judge_dev_kvm_access(const HostFacts& facts);
Outcome judge_dev_vhost_net(const HostFacts& facts);
Outcome judge_dev_net_tun(const HostFacts& facts);
// platform.cpp
Outcome judge_cgroups_controllers(const HostFacts& facts);
Outcome judge_iommu(const HostFacts& facts);
Outcome judge_secure_guest(const HostFacts& facts);
Outcome judge_host_memory(const HostFacts& facts);
Outcome judge_host_os(const HostFacts& facts);
// libvirt.cpp
Outcome judge_libvirt_daemon(const HostFacts& facts);
Outcome judge_libvirt_connection(const HostFacts& facts);
Outcome judge_libvirt_default_network(const HostFacts& facts, const Expectations* expectations);
Outcome judge_libvirt_storage_pool(const HostFacts& facts, const Expectations* expectations);
Outcome judge_libvirt_autostart_disks(const HostFacts& facts);
Outcome judge_libvirt_domain_acpi(const HostFacts& facts);
Outcome judge_qemu_vnc_listen(const HostFacts& facts);
// network.cpp
Outcome judge_net_ip_forward(const HostFacts& facts);
Outcome judge_net_br_netfilter(const HostFacts& facts);
Outcome judge_firewall_running(const HostFacts& facts);
// links.cpp: judged against the profile; `expectations` is null without one
Outcome judge_net_bridge(const HostFacts& facts, const Expectations* expectations);
Outcome judge_net_bond(const HostFacts& facts, const Expectations* expectations);
// persistence.cpp
Outcome judge_net_persistent(const HostFacts& facts);
// firewall_zones.cpp
Outcome judge_firewall_zones(const HostFacts& facts, const Expectations* expectations);
// storage.cpp: the profile's storage.images when it has one, else the defaults
Outcome judge_storage_images_space(const HostFacts& facts, const Expectations* expectations);
Outcome judge_storage_mount_persistent(const HostFacts& facts, const Expectations* expectations);
Outcome judge_storage_selinux_context(const HostFacts& facts, const Expectations* expectations);
// guest_smoke.cpp: boots a throwaway guest on the profile's bridges (without a profile, the host's)
Outcome judge_libvirt_guest_smoke(const HostFacts& facts, const Expectations* expectations);

// The profile's storage.images, or null: without a profile, or when it leaves storage to the defaults.
inline const ExpectedImages* expected_images(const Expectations* expectations) {
    return expectations && expectations->images ? &*expectations->images : nullptr;
}

// The SKIP reason of a check that needs the profile, in a run without one.
inline constexpr const char* k_no_profile = "no profile: run with --profile FILE or from kvm-agent apply";

// "kvm-agent apply --profile PATH --only SECTION": what brings a host back to its profile.
inline std::string apply_fix(const Expectations& expectations, const std::string& section) {
    return "kvm-agent apply" + (expectations.profile.empty() ? std::string() : " --profile " + expectations.profile) +
           " --only " + section;
}

// Shared by judges: ERROR or SKIP for a fact without a value.
template <typename T>
Outcome missing_fact(const Fact<T>& fact) {
    return fact.is_unavailable() ? skip(fact.reason()) : error(fact.reason());
}

}  // namespace checks
