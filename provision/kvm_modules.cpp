#include "provision/kvm_modules.h"

namespace provision {
namespace {

std::string on_off(bool value) { return value ? "1" : "0"; }

}  // namespace

CpuVendor vendor_of(const checks::CpuInfo& cpu) {
    if (cpu.vmx > 0) return CpuVendor::intel;
    if (cpu.svm > 0) return CpuVendor::amd;
    return CpuVendor::none;
}

std::string_view vendor_module(CpuVendor vendor) {
    switch (vendor) {
        case CpuVendor::intel: return "kvm_intel";
        case CpuVendor::amd: return "kvm_amd";
        case CpuVendor::none: break;
    }
    return {};
}

std::string render_modules_load(CpuVendor vendor) {
    return "# Written by kvm-agent from the kvm: section of /etc/kvm-agent/host.yaml: the KVM modules,\n"
           "# loaded at boot by systemd-modules-load.\nkvm\n" +
           std::string(vendor_module(vendor)) + "\n";
}

std::string render_nested_options(CpuVendor vendor, bool nested) {
    return "# Written by kvm-agent from kvm.nested in /etc/kvm-agent/host.yaml: nested virtualization,\n"
           "# taken by the module when it is next loaded.\noptions " +
           std::string(vendor_module(vendor)) + " nested=" + on_off(nested) + "\n";
}

std::optional<std::string> nested_reload_note(CpuVendor vendor, bool nested, std::optional<bool> nested_now,
                                              std::optional<long> users) {
    if (!nested_now || *nested_now == nested) return std::nullopt;
    const std::string module(vendor_module(vendor));
    std::string note = module + " runs with nested=" + on_off(*nested_now) + "; " + std::string(k_nested_file) +
                       " sets nested=" + on_off(nested) + " for its next load: ";
    if (users && *users == 0)
        return note + "reboot, or reload it now that no VM holds it (modprobe -r " + module + " && modprobe " +
               module + "); kvm-agent never unloads a module";
    const std::string held = users ? std::to_string(*users) + " VM(s) hold it" : "VMs may hold it";
    return note + held + ", so reboot (or reload it once they are stopped); kvm-agent never unloads a module";
}

KvmPlan plan_kvm(std::optional<bool> nested, const KvmObserved& observed) {
    KvmPlan plan;
    if (observed.vendor == CpuVendor::none) {
        plan.unsupported = true;
        plan.notes.push_back(
            "the CPU offers neither vmx (Intel VT-x) nor svm (AMD-V) in /proc/cpuinfo: kvm_intel or kvm_amd "
            "cannot load (enable virtualization in the firmware, or give this VM nested virtualization)");
        return plan;
    }
    const std::string module(vendor_module(observed.vendor));
    if (observed.can_load) {
        for (const auto& name : {std::string("kvm"), module})
            if (!observed.present.count(name)) plan.load.push_back(name);
    } else {
        plan.notes.push_back("modules are not loaded: the root is not the running system (files only)");
    }
    const auto modules_load = render_modules_load(observed.vendor);
    if (observed.modules_load_file != modules_load) plan.modules_load_content = modules_load;
    if (nested) {
        const auto options = render_nested_options(observed.vendor, *nested);
        if (observed.nested_file != options) plan.nested_content = options;
        // A module loaded now reads the new option; one already running keeps its value until reloaded.
        if (observed.present.count(module))
            if (auto note = nested_reload_note(observed.vendor, *nested, observed.nested_now, observed.vendor_users))
                plan.notes.push_back(*note);
    }
    return plan;
}

std::vector<std::string> KvmPlan::changes() const {
    std::vector<std::string> lines;
    // modprobe.d first: a module loaded after it takes the option.
    if (nested_content) {
        const auto start = nested_content->find("options ");
        const auto end = nested_content->find('\n', start);
        lines.push_back("write " + std::string(k_nested_file) + " (" + nested_content->substr(start, end - start) + ")");
    }
    for (const auto& module : load) lines.push_back("load " + module);
    if (modules_load_content) lines.push_back("write " + std::string(k_modules_load_file) + " (load kvm at boot)");
    return lines;
}

}  // namespace provision
