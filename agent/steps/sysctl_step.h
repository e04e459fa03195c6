#pragma once
// The sysctl section as a provisioning step: each key set now through /proc/sys (and read back) and persisted
// in /etc/sysctl.d/90-kvm-host.conf, written atomically with a backup; a file later in systemd-sysctl's order
// that sets a key differently is reported, since at boot it would win. The logic is provision/sysctl.
#include <memory>

#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "profile/profile.h"
#include "provision/sysctl.h"

namespace agent {

class SysctlStep final : public ProvisionStep {
public:
    SysctlStep(profile::SysctlSection section, StepSettings settings);

    std::string_view section() const override { return "sysctl"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;

private:
    common::Result<provision::SysctlPlan> observe_and_plan() const;

    profile::SysctlSection m_section;
    StepSettings m_settings;
};

std::unique_ptr<ProvisionStep> make_sysctl_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
