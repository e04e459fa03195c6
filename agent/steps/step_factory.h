#pragma once
// The provisioning steps for the sections a run selects, in the order they must run: software first, then
// the kernel and daemons it brings, the network, the firewall over the new interfaces, and storage last.
#include <memory>
#include <string>
#include <vector>

#include "agent/network_apply.h"
#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "agent/wiring.h"
#include "common/result.h"
#include "profile/profile.h"

namespace agent {

inline constexpr const char* k_step_order[] = {"packages", "kvm", "libvirt", "sysctl", "network", "firewall", "storage"};

struct StepSelection {
    std::vector<std::unique_ptr<ProvisionStep>> steps;  // in k_step_order
    std::vector<std::string> left_alone;                // selected and present, but no step in this version
};

// `sections`: the selected sections present in the profile. Builds the real adapters (through wiring).
common::Result<StepSelection> make_steps(const profile::HostProfile& profile, const std::vector<std::string>& sections,
                                         const StepSettings& settings, const NetworkSettings& network_settings,
                                         const NetworkApplyOptions& network_options);

}  // namespace agent
