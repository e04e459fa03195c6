#pragma once
// What every provisioning step is given besides its profile section: where the host's files are, and how
// long live calls and programs may take.
#include <chrono>
#include <string>
#include <string_view>

namespace agent {

struct StepSettings {
    std::string root = "/";                           // host files resolve under it (tests: a temp dir)
    std::chrono::milliseconds call_timeout{2000};      // each D-Bus or libvirt call
    std::chrono::seconds command_timeout{1800};        // each program run (package manager, mkfs)
    bool dry_run_only = false;                         // plan only: a step must not even prepare changes
};

// Why a section that talks to the host's daemons cannot run against an offline root: "the firewall section needs
// the live host (firewalld ... over D-Bus), not the offline root /mnt".
inline std::string needs_live_host(std::string_view section, std::string_view asked, const StepSettings& settings) {
    return "the " + std::string(section) + " section needs the live host (" + std::string(asked) +
           "), not the offline root " + settings.root;
}

}  // namespace agent
