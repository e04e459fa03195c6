#pragma once
// The network section as a provisioning step: agent/network_apply's observe, plan, apply, verify, persist
// and self-rollback behind the ProvisionStep interface, with its full report kept for the confirmation
// window and the JSON output.
#include <memory>
#include <optional>

#include "agent/network_apply.h"
#include "agent/provision.h"
#include "agent/steps/provision_step.h"
#include "agent/wiring.h"
#include "profile/profile.h"

namespace agent {

class NetworkStep final : public ProvisionStep, public InputAware {
public:
    NetworkStep(const profile::HostProfile& profile, std::unique_ptr<NetworkHost> host, NetworkApplyOptions options)
        : m_profile(profile), m_host(std::move(host)), m_options(options) {}

    std::string_view section() const override { return "network"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;
    // Its report (verification, confirmation window, the text and JSON network sections) comes from apply().
    bool applies_when_planned_in_sync() const override { return true; }

    // After apply(): the whole network report (before/after states, steps, rollback, persisted files).
    const std::optional<NetworkApplyReport>& report() const { return m_report; }
    // After plan(): the structured steps (for JSON).
    const std::optional<netconfig::Plan>& last_plan() const { return m_plan; }
    NetworkAdapters adapters() { return m_host->adapters(); }
    // Whether a failure was one of input (exit 3) rather than of the host: a profile the host cannot have.
    bool failed_on_input() const override { return m_failed_on_input; }

private:
    const profile::HostProfile& m_profile;
    std::unique_ptr<NetworkHost> m_host;
    NetworkApplyOptions m_options;
    std::optional<NetworkApplyReport> m_report;
    std::optional<netconfig::Plan> m_plan;
    bool m_failed_on_input = false;
};

}  // namespace agent
