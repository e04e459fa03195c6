#pragma once
// libvirt.guest-smoke, the pure part: the throwaway domain's XML, what its console and libvirt's live XML say,
// and the judge's reading of a failure (which cause, which fix). host/libvirt/libvirt_guest_smoke.cpp runs it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checks {

// Every object a smoke run makes is named with this prefix, so that the next run finds and removes what a
// killed one left behind.
inline constexpr std::string_view k_smoke_prefix = "kvm-agent-smoke-";
// The smoke guest's console line is this, then the CPUID hypervisor signature, then a newline.
inline constexpr std::string_view k_smoke_marker = "kvm-host-agent smoke: hypervisor ";
// What KVM answers to CPUID leaf 0x40000000 (QEMU's TCG would say "TCGTCGTCGTCG").
inline constexpr std::string_view k_kvm_signature = "KVMKVMKVM";

struct SmokeDomain {
    std::string name;
    std::string kernel;       // the smoke guest, booted as a Multiboot kernel
    std::string disk;         // the volume's path
    std::string serial_file;  // where QEMU writes the console
    std::vector<std::string> bridges;
};

// type='kvm' and nothing else: libvirt refuses to start it without KVM instead of emulating. Every lifecycle
// event destroys it (the guest ends by resetting), so it cannot outlive its purpose.
std::string smoke_domain_xml(const SmokeDomain& domain);

bool is_smoke_object(std::string_view name);

// The signature after the marker once the guest wrote its whole line; nullopt until then.
std::optional<std::string> smoke_console_signature(std::string_view console);

}  // namespace checks
