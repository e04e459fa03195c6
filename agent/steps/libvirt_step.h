#pragma once
// The libvirt section as a provisioning step: the daemons enabled and started over systemd's D-Bus API (the
// modular ones or libvirtd, `auto` read from /etc/os-release), then libvirt's NAT network `default` kept or
// removed through the libvirt C API. The logic is provision/libvirt_plan; this wires the real adapters.
#include <memory>
#include <optional>

#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "profile/profile.h"
#include "provision/libvirt_plan.h"

namespace agent {

class LibvirtStep final : public ProvisionStep {
public:
    LibvirtStep(profile::LibvirtSection section, StepSettings settings);

    std::string_view section() const override { return "libvirt"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;
    void share_observed(checks::ObservedFacts& observed) const override;

private:
    // The mode, and for `auto` a note saying what it resolved to and why.
    provision::DaemonMode mode(std::vector<std::string>& notes) const;

    profile::LibvirtSection m_section;
    StepSettings m_settings;
    // The units of the last plan that found the section converged (nothing to change); an apply has no read
    // after its changes to share.
    std::optional<provision::UnitStates> m_converged_units;
};

std::unique_ptr<ProvisionStep> make_libvirt_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
