#pragma once
// The firewall section as a provisioning step: firewalld's runtime and permanent configurations over its D-Bus
// API, and the zone of NetworkManager's profiles on the same interfaces, so the two never disagree after a
// reboot. The logic is provision/firewall_plan; this wires the real adapters.
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/provision.h"
#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "checks/host_facts.h"
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
    // The zones of the last plan, or of the last apply that succeeded (its last read came after its changes).
    void share_observed(checks::ObservedFacts& observed) const override;

private:
    profile::FirewallSection m_section;
    StepSettings m_settings;
    bool m_failed_on_input = false;
    std::map<std::string, checks::FirewallZoneFacts> m_zones_read;
    std::optional<checks::FirewallFacts> m_status_read;  // firewalld's state and default zone, read with them
};

std::unique_ptr<ProvisionStep> make_firewall_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
