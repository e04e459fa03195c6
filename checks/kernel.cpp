// Kernel checks: KVM modules, a real guest run through /dev/kvm, nested virtualization.
#include <string>
#include <vector>

#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

std::string describe(const KernelModules& modules, const std::string& name) {
    const auto* module = modules.find(name);
    if (!module || module->load == ModuleLoad::absent) return name + " absent";
    return name + (module->load == ModuleLoad::loaded ? " loaded" : " built in");
}

// The module that backs /dev/kvm: kvm_intel, kvm_amd, kvm_pvm, or "" if none.
std::string kvm_backend(const KernelModules& modules) {
    for (const char* name : {"kvm_intel", "kvm_amd", "kvm_pvm"})
        if (modules.present(name)) return name;
    return {};
}

std::string vendor_module(const HostFacts& facts) {
    const auto& cpuinfo = facts.cpuinfo();
    if (cpuinfo.has_value() && cpuinfo->vendor == "AuthenticAMD") return "kvm_amd";
    if (cpuinfo.has_value() && cpuinfo->vendor == "GenuineIntel") return "kvm_intel";
    return {};
}

}  // namespace

Outcome judge_kernel_kvm_modules(const HostFacts& facts) {
    const auto& fact = facts.kernel_modules();
    if (!fact.has_value()) return missing_fact(fact);
    const KernelModules& modules = fact.value();
    std::vector<std::string> parts = {describe(modules, "kvm")};
    const std::string backend = kvm_backend(modules);
    parts.push_back(backend.empty() ? "no kvm_intel/kvm_amd" : describe(modules, backend));
    parts.push_back(describe(modules, "irqbypass"));
    std::string evidence = common::join(parts, ", ");
    if (!modules.has_proc_modules) evidence += " (kernel without loadable modules)";
    const std::string module = vendor_module(facts);
    const std::string load = module.empty()
        ? "modprobe kvm_intel (Intel) or kvm_amd (AMD) and persist its name in /etc/modules-load.d/kvm.conf"
        : "modprobe " + module + " && echo " + module + " > /etc/modules-load.d/kvm.conf";
    const std::string fix = load + " (or kvm-agent apply with a kvm: section); if modprobe says \"Operation not "
                            "supported\", virtualization is off in the firmware";
    if (!modules.present("kvm") || backend.empty()) return fail(evidence, fix);
    if (backend == "kvm_pvm") evidence += "; kvm_pvm is a paravirtual backend: see kvm.functional";
    return pass(evidence);
}

Outcome judge_kvm_functional(const HostFacts& facts) {
    const auto& probe = facts.kvm_probe();
    if (!probe.has_value()) return missing_fact(probe);
    const KvmProbeResult& result = probe.value();
    if (!result.opened)
        return fail(result.failure, "load the KVM modules (see kernel.kvm-modules) so /dev/kvm exists, then "
                                    "run the check again");
    if (!result.ran_to_halt)
        return fail(result.failure, "KVM accepted /dev/kvm but could not run a guest: check dmesg for kvm "
                                    "errors and the firmware's virtualization settings");
    std::string backend;
    if (const auto& modules = facts.kernel_modules(); modules.has_value()) backend = kvm_backend(modules.value());
    std::string evidence = "ran real-mode code to HLT through /dev/kvm (API version " +
                           std::to_string(result.api_version) + ")";
    if (backend.empty()) return pass(evidence);
    evidence += ", backend " + backend;
    if (backend == "kvm_pvm")
        return warn(evidence + ": a paravirtual backend that runs only guest kernels built for PVM; stock guest "
                               "kernels hang",
                    "run guests on a host whose CPU offers VT-x/AMD-V (bare metal, or a VM with nested "
                    "virtualization exposing vmx/svm) so kvm_intel or kvm_amd backs /dev/kvm");
    return pass(evidence);
}

Outcome judge_kvm_nested(const HostFacts& facts) {
    const auto& fact = facts.kernel_modules();
    if (!fact.has_value()) return missing_fact(fact);
    for (const char* name : {"kvm_intel", "kvm_amd"}) {
        const auto* module = fact->find(name);
        if (!module || module->load == ModuleLoad::absent) continue;
        auto it = module->parameters.find("nested");
        if (it == module->parameters.end()) return skip(std::string(name) + " has no nested parameter");
        // The parameter is a whole sysfs file's content: quoted only once it parses as a yes/no word.
        const auto enabled = common::parse_bool_word(it->second);
        if (!enabled) return error(std::string(name) + " nested parameter is not a yes/no value");
        const std::string setting = std::string(name) + " nested=" + std::string(common::trim(it->second));
        if (*enabled) return pass("nested virtualization on (" + setting + ")");
        return pass("nested virtualization off (" + setting + "); no profile asks for it");
    }
    return skip("neither kvm_intel nor kvm_amd is loaded");
}

}  // namespace checks
