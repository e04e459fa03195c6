#pragma once
// One section of the host profile as a step of `kvm-agent apply`: observe, plan, apply, verify. Every step
// has the same life, so the orchestrator (agent/provision.cpp) runs them alike, shows their plans in
// `kvm-agent plan`, and reports them in the readiness report. A step touches the host only in apply().
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace checks {
struct ObservedFacts;
}

namespace agent {

// What a step would change: one line each ("install qemu-kvm libvirt-daemon-kvm", "set net.ipv4.ip_forward
// to 1 (now 0) and persist it in /etc/sysctl.d/90-kvm-host.conf").
struct StepPlan {
    std::vector<std::string> changes;
    std::vector<std::string> notes;  // what an admin should know but is not a change ("a reboot is needed")
    bool empty() const { return changes.empty(); }
};

struct StepOutcome {
    std::vector<std::string> changed;   // what apply did, one line each
    std::vector<std::string> failures;  // why the step did not converge, naming the operation and the object
    std::vector<std::string> notes;
    // It first put back what a killed earlier run left (the network step's checkpoint): the host changed even
    // when `changed` is empty, so later steps observe it again.
    bool recovered = false;
    // It changed the running host without a line in `changed` (NetworkManager activated an unchanged profile that
    // was down): later steps observe it again too.
    bool touched = false;
    bool ok() const { return failures.empty(); }
    // Whether later steps (and the readiness) must observe the host again after this step.
    bool changed_host() const { return !changed.empty() || recovered || touched; }
};

class ProvisionStep {
public:
    virtual ~ProvisionStep() = default;
    // The profile section this step converges: "packages", "kvm", "libvirt", "sysctl", "firewall", "storage".
    virtual std::string_view section() const = 0;
    // Observes the host and says what apply() would change; touches nothing. An error: the host cannot be
    // observed (the message names what could not be read).
    virtual common::Result<StepPlan> plan() = 0;
    // Converges the host to the section (observing it again first), then verifies; on a converged host it
    // changes nothing and returns no `changed` lines. Files are written atomically with a backup.
    virtual StepOutcome apply() = 0;
    // Whether apply() runs even when this run's plan, with nothing changed since, found nothing to change: the
    // network step does, as its report says what it verified.
    virtual bool applies_when_planned_in_sync() const { return false; }
    // Adds what the step last read that the readiness checks read too, when the step changed nothing after
    // that read (its changes verified by a read after them). Later steps' changes are the caller's to judge
    // (observed_unchanged_since).
    virtual void share_observed(checks::ObservedFacts& /*observed*/) const {}
};

}  // namespace agent
