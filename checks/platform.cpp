// Platform checks: cgroups, IOMMU, secure guests, memory, operating system.
#include <algorithm>
#include <vector>

#include "checks/catalogue.h"
#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

// virt-host-validate's list, by cgroup v1 name. On v2, cpuacct is part of cpu, blkio is io, and devices
// is enforced with BPF programs, which needs no controller.
struct Controller {
    const char* v1_name;
    const char* v2_name;  // nullptr: always available on v2
};
constexpr Controller k_controllers[] = {
    {"cpu", "cpu"}, {"cpuacct", "cpu"}, {"cpuset", "cpuset"},
    {"memory", "memory"}, {"devices", nullptr}, {"blkio", "io"},
};

bool module_flag(const KernelModules& modules, const char* module, const char* parameter) {
    const auto* info = modules.find(module);
    if (!info) return false;
    auto it = info->parameters.find(parameter);
    return it != info->parameters.end() && common::parse_bool_word(it->second).value_or(false);
}

bool cmdline_has(const std::string& cmdline, std::string_view word) {
    for (auto token : common::split_whitespace(cmdline))
        if (token == word) return true;
    return false;
}

}  // namespace

Outcome judge_cgroups_controllers(const HostFacts& facts) {
    const auto& fact = facts.cgroups();
    if (!fact.has_value()) return missing_fact(fact);
    const CgroupFacts& cgroups = fact.value();
    std::vector<std::string> via_v1, via_v2, missing, missing_v2_names;
    for (const auto& controller : k_controllers) {
        if (cgroups.v1_controllers.count(controller.v1_name)) {
            via_v1.push_back(controller.v1_name);
        } else if (cgroups.v2_mount && (!controller.v2_name || cgroups.v2_controllers.count(controller.v2_name))) {
            via_v2.push_back(controller.v1_name);
        } else {
            missing.push_back(controller.v1_name);
            // cgroup.subtree_control takes v2 names, each once (cpu covers cpuacct).
            if (controller.v2_name && std::find(missing_v2_names.begin(), missing_v2_names.end(),
                                                controller.v2_name) == missing_v2_names.end())
                missing_v2_names.push_back(controller.v2_name);
        }
    }
    std::vector<std::string> parts;
    if (!via_v1.empty()) parts.push_back("v1: " + common::join(via_v1, " "));
    if (!via_v2.empty()) parts.push_back("v2 at " + *cgroups.v2_mount + ": " + common::join(via_v2, " "));
    if (!missing.empty()) parts.push_back("missing: " + common::join(missing, " "));
    const std::string evidence = parts.empty() ? "no cgroup hierarchy mounted" : common::join(parts, "; ");
    if (!missing.empty())
        return warn(evidence,
                    cgroups.v2_mount ? "enable the controllers on cgroup v2: echo '+" + common::join(missing_v2_names, " +") +
                                           "' > " + *cgroups.v2_mount + "/cgroup.subtree_control (systemd does this "
                                           "at boot when a slice needs them)"
                                     : "mount the missing cgroup controllers (systemd mounts them at boot; "
                                       "systemd.unified_cgroup_hierarchy=1 on the kernel command line gives v2)");
    return pass(evidence);
}

Outcome judge_iommu(const HostFacts& facts) {
    const auto& fact = facts.iommu();
    if (!fact.has_value()) return missing_fact(fact);
    const IommuFacts& iommu = fact.value();
    if (!iommu.dmar_table && !iommu.ivrs_table)
        return warn("no DMAR or IVRS ACPI table: the firmware reports no IOMMU, so PCI device assignment "
                    "(passthrough) is unavailable",
                    "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup if guests need PCI "
                    "passthrough; otherwise nothing to do");
    const std::string table = iommu.dmar_table ? "DMAR (Intel VT-d)" : "IVRS (AMD-Vi)";
    if (iommu.iommu_groups == 0) {
        // Intel's IOMMU is off unless asked for; AMD's is on unless the command line turns it off.
        const std::string fix = iommu.dmar_table
            ? "grubby --update-kernel=ALL --args=\"intel_iommu=on iommu=pt\" (Debian: add it to GRUB_CMDLINE_LINUX "
              "in /etc/default/grub, then update-grub), and reboot"
            : "remove amd_iommu=off / iommu=off from the kernel command line (grubby --update-kernel=ALL "
              "--remove-args=\"amd_iommu=off iommu=off\") and reboot";
        return warn("ACPI " + table + " table present but /sys/kernel/iommu_groups is empty: the IOMMU is off "
                    "in the kernel",
                    fix);
    }
    std::string evidence = "ACPI " + table + " table, " + std::to_string(iommu.iommu_groups) + " IOMMU groups";
    if (cmdline_has(iommu.cmdline, "intel_iommu=on")) evidence += ", intel_iommu=on";
    return pass(evidence);
}

Outcome judge_secure_guest(const HostFacts& facts) {
    // Informational until a profile asks for secure guests; virt-host-validate WARNs "unknown" instead.
    const auto& fact = facts.kernel_modules();
    if (!fact.has_value()) return missing_fact(fact);
    const KernelModules& modules = fact.value();
    std::vector<std::string> offered;
    if (module_flag(modules, "kvm_amd", "sev")) offered.push_back("AMD SEV");
    if (module_flag(modules, "kvm_amd", "sev_es")) offered.push_back("SEV-ES");
    if (module_flag(modules, "kvm_amd", "sev_snp")) offered.push_back("SEV-SNP");
    if (module_flag(modules, "kvm_intel", "tdx")) offered.push_back("Intel TDX");
    if (offered.empty())
        return pass("kvm offers no AMD SEV or Intel TDX (informational: no profile asks for secure guests)");
    return pass("kvm offers " + common::join(offered, ", "));
}

Outcome judge_host_memory(const HostFacts& facts) {
    const auto& fact = facts.meminfo();
    if (!fact.has_value()) return missing_fact(fact);
    const auto total = fact->mem_total_bytes;
    const std::string evidence = "MemTotal " + common::human_bytes(total);
    if (total < k_min_host_memory)
        return fail(evidence + ", below the 2 GiB a KVM host needs for itself",
                    "add memory: at least 2 GiB for the host plus what its guests are given");
    return pass(evidence);
}

Outcome judge_host_os(const HostFacts& facts) {
    const auto& fact = facts.os_release();
    if (!fact.has_value()) return missing_fact(fact);
    const OsRelease& os = fact.value();
    // os-release is the root's own text: its values are quoted escaped.
    const std::string name = common::escape_controls(os.pretty_name.empty() ? os.id + " " + os.version_id
                                                                            : os.pretty_name);
    const bool rhel_family = os.id == "rhel" || os.id == "centos" || os.id == "rocky" || os.id == "almalinux" ||
                             os.id == "ol";
    if (!rhel_family) return pass(name + " (not RHEL-family: informational)");
    const auto major = common::parse_uint(common::split(os.version_id, '.').front());
    if (!major) return warn(name + ": VERSION_ID \"" + common::escape_controls(os.version_id) + "\" is not a version", "check /etc/os-release");
    if (*major >= 8) return pass(name);
    if (*major == 7)
        return warn(name + ": end of life, no more security fixes for qemu-kvm and libvirt",
                    "move the host to RHEL 9 (or Rocky/Alma 9): migrate its guests and reinstall");
    return fail(name + ": too old for kvm-agent", "install RHEL 8 or 9 (or Rocky/Alma)");
}

}  // namespace checks
