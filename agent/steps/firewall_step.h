#pragma once
// The firewall section as a provisioning step: firewalld's runtime and permanent configurations over its D-Bus
// API, and the zone of NetworkManager's profiles on the same interfaces, so the two never disagree after a
// reboot. The logic is provision/firewall_plan; this wires the real adapters.
#include <memory>

#include "agent/provision.h"
#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "profile/profile.h"
#include "provision/firewall_plan.h"

namespace agent {

class FirewallStep final : public ProvisionStep, public InputAware {
public:
    FirewallStep(profile::FirewallSection section, StepSettings settings);

    std::string_view section() const override { return "firewall"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;
    // Whether the last plan or apply failed on the profile (a zone firewalld does not have, an interface in two
    // zones) rather than on the host.
    bool failed_on_input() const override { return m_failed_on_input; }

private:
    profile::FirewallSection m_section;
    StepSettings m_settings;
    bool m_failed_on_input = false;
};

std::unique_ptr<ProvisionStep> make_firewall_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
