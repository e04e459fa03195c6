#pragma once
// kvm: which KVM modules must be loaded and what modules-load.d and modprobe.d must say, against what the host
// runs now. Pure: host/kmod loads modules, agent/steps/kvm_step reads the host and writes the files.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checks/parsers/cpuinfo.h"

namespace provision {

inline constexpr std::string_view k_modules_load_file = "/etc/modules-load.d/kvm.conf";
inline constexpr std::string_view k_nested_file = "/etc/modprobe.d/kvm-nested.conf";

enum class CpuVendor { none, intel, amd };

// vmx: Intel (kvm_intel), svm: AMD (kvm_amd), from the flags of /proc/cpuinfo.
CpuVendor vendor_of(const checks::CpuInfo& cpu);
// "kvm_intel", "kvm_amd"; empty for none.
std::string_view vendor_module(CpuVendor vendor);

// /etc/modules-load.d/kvm.conf: a header naming kvm-agent, then kvm and the vendor module.
std::string render_modules_load(CpuVendor vendor);
// /etc/modprobe.d/kvm-nested.conf: "options kvm_amd nested=1" (or 0) under a header naming kvm-agent.
std::string render_nested_options(CpuVendor vendor, bool nested);

struct KvmObserved {
    CpuVendor vendor = CpuVendor::none;
    std::set<std::string> present;                  // loaded (/proc/modules) or built in (/sys/module)
    std::optional<std::string> modules_load_file;   // content; nullopt when missing
    std::optional<std::string> nested_file;
    std::optional<bool> nested_now;                 // /sys/module/<vendor>/parameters/nested
    std::optional<long> vendor_users;               // /sys/module/<vendor>/refcnt: one per VM holding it
    bool can_load = true;                           // false: the root is not the live system, files only
};

struct KvmPlan {
    std::vector<std::string> load;  // modules to load now, in order (kvm first)
    std::optional<std::string> modules_load_content;  // to write; nullopt: already as wanted
    std::optional<std::string> nested_content;        // to write; nullopt: as wanted, or kvm.nested absent
    std::vector<std::string> notes;
    bool unsupported = false;  // the CPU offers no virtualization: nothing can be done

    bool empty() const { return load.empty() && !modules_load_content && !nested_content; }
    std::vector<std::string> changes() const;
};

// `nested`: kvm.nested of the profile (nullopt: leave the modprobe.d option alone).
KvmPlan plan_kvm(std::optional<bool> nested, const KvmObserved& observed);

// What an admin must do for `nested` to take effect when the loaded vendor module runs with another value:
// reload it when no VM holds it, else reboot (kvm-agent never unloads it). nullopt: nothing to do.
std::optional<std::string> nested_reload_note(CpuVendor vendor, bool nested, std::optional<bool> nested_now,
                                              std::optional<long> users);

}  // namespace provision
