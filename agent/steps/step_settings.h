#pragma once
// What every provisioning step is given besides its profile section: where the host's files are, and how
// long live calls and programs may take.
#include <chrono>
#include <string>

namespace agent {

struct StepSettings {
    std::string root = "/";                           // host files resolve under it (tests: a temp dir)
    std::chrono::milliseconds call_timeout{2000};      // each D-Bus or libvirt call
    std::chrono::seconds command_timeout{1800};        // each program run (package manager, mkfs)
    bool dry_run_only = false;                         // plan only: a step must not even prepare changes
};

}  // namespace agent
