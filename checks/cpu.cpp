// CPU checks: virtualization flags, 64-bit, and firmware locks.
#include <cstdio>

#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

std::string count_of(int n, int total) { return std::to_string(n) + "/" + std::to_string(total) + " CPUs"; }

bool is_intel(const CpuInfo& cpu) { return cpu.vendor == "GenuineIntel"; }
bool is_amd(const CpuInfo& cpu) { return cpu.vendor == "AuthenticAMD" || cpu.vendor == "HygonGenuine"; }

}  // namespace

Outcome judge_cpu_virt_extensions(const HostFacts& facts) {
    const auto& cpuinfo = facts.cpuinfo();
    if (!cpuinfo.has_value()) return missing_fact(cpuinfo);
    const CpuInfo& cpu = cpuinfo.value();
    const bool vmx = cpu.vmx > 0;
    const std::string flag = vmx ? "vmx (Intel VT-x)" : "svm (AMD-V)";
    const int with_flag = vmx ? cpu.vmx : cpu.svm;
    if (with_flag == 0) {
        std::string evidence = "no vmx or svm flag on any of " + std::to_string(cpu.cpus) + " CPUs";
        if (!cpu.vendor.empty()) evidence += " (" + cpu.vendor + ")";
        const auto& modules = facts.kernel_modules();
        if (modules.has_value() && modules->present("kvm_pvm"))
            evidence += "; a paravirtual KVM backend (kvm_pvm) is present: see kvm.functional";
        return fail(evidence,
                    "enable Intel VT-x / AMD-V (SVM) in the firmware setup; on a virtual machine, have its "
                    "hypervisor expose vmx/svm (nested virtualization)");
    }
    if (with_flag < cpu.cpus)
        return warn(flag + " on only " + count_of(with_flag, cpu.cpus),
                    "CPUs disagree on virtualization support: check the firmware setup and microcode");
    return pass(flag + " on " + count_of(with_flag, cpu.cpus));
}

Outcome judge_cpu_64bit(const HostFacts& facts) {
    const auto& cpuinfo = facts.cpuinfo();
    if (!cpuinfo.has_value()) return missing_fact(cpuinfo);
    const CpuInfo& cpu = cpuinfo.value();
    if (cpu.lm < cpu.cpus)
        return fail("long mode (lm) on " + count_of(cpu.lm, cpu.cpus) + ": not a 64-bit CPU",
                    "KVM hosts need 64-bit x86 CPUs: use other hardware");
    const auto& arch = facts.kernel_arch();
    // The architecture is a whole file's content (/proc/sys/kernel/arch): quoted escaped and cut short.
    if (arch.has_value() && arch.value() != "x86_64")
        return fail("kernel architecture is " + common::escape_controls(arch.value(), 32) + " on a 64-bit CPU",
                    "install the x86_64 edition of the operating system");
    std::string evidence = "lm on " + count_of(cpu.lm, cpu.cpus);
    if (arch.has_value()) evidence += ", kernel " + arch.value();
    return pass(evidence);
}

Outcome judge_cpu_virt_disabled_by_firmware(const HostFacts& facts) {
    const auto& cpuinfo = facts.cpuinfo();
    if (!cpuinfo.has_value()) return missing_fact(cpuinfo);
    const CpuInfo& cpu = cpuinfo.value();
    if (!is_intel(cpu) && !is_amd(cpu)) return skip("CPU vendor \"" + cpu.vendor + "\" has no known MSR to read");
    const auto& msrs = facts.firmware_msrs();
    if (!msrs.has_value()) return missing_fact(msrs);
    static constexpr const char* k_fix =
        "enter the firmware (BIOS/UEFI) setup and enable Intel VT-x / AMD SVM, then power-cycle: software "
        "cannot change a locked setting";

    if (is_intel(cpu)) {
        const auto& value = msrs->feature_control;
        if (!value) return skip("IA32_FEATURE_CONTROL (MSR 0x3a) unreadable: " + msrs->unreadable_reason);
        const bool locked = (*value & 0x1) != 0;
        const bool vmx_outside_smx = (*value & 0x4) != 0;
        char hex[32];
        std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(*value));
        if (locked && !vmx_outside_smx)
            return fail(std::string("IA32_FEATURE_CONTROL = ") + hex + ": locked with VMX disabled by firmware",
                        k_fix);
        return pass(std::string("IA32_FEATURE_CONTROL = ") + hex +
                    (locked ? ": locked with VMX enabled" : ": not locked (the kernel enables VMX)"));
    }
    const auto& value = msrs->vm_cr;
    if (!value) return skip("VM_CR (MSR 0xc0010114) unreadable: " + msrs->unreadable_reason);
    char hex[32];
    std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(*value));
    if (*value & 0x10) return fail(std::string("VM_CR = ") + hex + ": SVMDIS set, SVM disabled by firmware", k_fix);
    return pass(std::string("VM_CR = ") + hex + ": SVM not disabled");
}

}  // namespace checks
