#pragma once
// kvm-agent's main job: run the selected provisioning steps in order (plan, or apply and verify), then judge
// the host with the doctor's checks. Pure orchestration over ProvisionStep; the CLI renders and publishes.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "agent/steps/provision_step.h"
#include "checks/host_facts.h"

namespace agent {

struct SectionRun {
    std::string section;
    std::optional<StepPlan> plan;        // plan(): what would change
    std::optional<StepOutcome> outcome;  // apply(): what changed, or why not
    std::string error;                   // the host could not be observed / the step could not run
    bool input_error = false;            // the error is the profile's (exit 3), not the host's
    std::chrono::milliseconds elapsed{0};
    bool failed() const { return !error.empty() || (outcome && !outcome->ok()); }
};

struct ProvisionRun {
    std::vector<SectionRun> sections;
    std::vector<std::string> not_run;  // after a failed step, the later ones are not run
    std::string interrupted;           // "interrupted by SIGTERM": why the sections in not_run did not run
    bool failed() const;
    bool input_error() const;
    bool in_sync() const;  // plan: nothing to change; apply: nothing changed
};

// Called before each step: its position (1-based), the number of steps, its section and what it does now.
using Progress = std::function<void(std::size_t index, std::size_t count, std::string_view section, std::string_view doing)>;

// Asks every step for its plan, side by side (a thread each; the steps observe through their own connections);
// touches nothing. `progress` hears of every step, in order, before they start.
ProvisionRun plan_steps(const std::vector<ProvisionStep*>& steps, const Progress& progress = {});

// Applies the steps in order and stops at the first that fails (its own changes rolled back where it can:
// the network step does), since later steps build on the earlier ones. `interrupted` is asked before each
// step: a reason (a SIGTERM, SIGINT or SIGHUP) starts no further one; the step it arrived during finishes, or
// rolls back (the network step asks it too).
// Called after each step that ran, with what it did (the journal's step entries).
using StepFinished = std::function<void(std::size_t index, std::size_t count, const SectionRun& section)>;

// `planned`: plan_steps' run of the same steps, moments before. A step it found in sync is not applied again
// while no step before it changed anything (progress says k_in_sync_as_planned), unless the step asks to be.
ProvisionRun apply_steps(const std::vector<ProvisionStep*>& steps, const Progress& progress = {},
                         const std::function<std::optional<std::string>()>& interrupted = {},
                         const StepFinished& finished = {}, const ProvisionRun* planned = nullptr);

// What the steps last read that nothing changed since, for the readiness checks after `run` (apply_steps of
// `steps`): from the last step back to the latest one that changed anything or failed (that step's own reads
// count only when made after its changes: ProvisionStep::share_observed), the later step's read first.
checks::ObservedFacts observed_unchanged_since(const std::vector<ProvisionStep*>& steps, const ProvisionRun& run);

inline constexpr std::string_view k_in_sync_as_planned = "in sync (as planned)";
// What progress says of a step while plan_steps plans it (a step of apply starts with anything else).
inline constexpr std::string_view k_observing = "observing";

// A step that can tell a failure caused by the profile (exit 3) from one of the host implements this too.
class InputAware {
public:
    virtual ~InputAware() = default;
    virtual bool failed_on_input() const = 0;
};

}  // namespace agent
