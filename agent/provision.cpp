#include "agent/provision.h"

#include <algorithm>
#include <future>

namespace agent {

namespace {

using Clock = std::chrono::steady_clock;

bool input_error_of(ProvisionStep* step) {
    const auto* aware = dynamic_cast<const InputAware*>(step);
    return aware && aware->failed_on_input();
}

std::chrono::milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

bool ProvisionRun::failed() const {
    if (!interrupted.empty()) return true;
    for (const auto& section : sections)
        if (section.failed()) return true;
    return false;
}

bool ProvisionRun::input_error() const {
    for (const auto& section : sections)
        if (section.input_error) return true;
    return false;
}

bool ProvisionRun::in_sync() const {
    for (const auto& section : sections) {
        if (section.plan && !section.plan->empty()) return false;
        if (section.outcome && !section.outcome->changed.empty()) return false;
    }
    return true;
}

ProvisionRun plan_steps(const std::vector<ProvisionStep*>& steps, const Progress& progress) {
    // Planning only observes, and each step observes through its own connections, so the steps plan side by
    // side: most of their time is waiting for daemons (firewalld, NetworkManager, libvirtd, systemd). The run
    // keeps the steps' order.
    std::vector<std::future<SectionRun>> planning;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (progress) progress(i + 1, steps.size(), steps[i]->section(), k_observing);
        planning.push_back(std::async(std::launch::async, [step = steps[i]] {
            SectionRun section{std::string(step->section()), {}, {}, {}, false, {}};
            const auto start = Clock::now();
            auto plan = step->plan();
            section.elapsed = since(start);
            if (plan) {
                section.plan = std::move(plan).value();
            } else {
                section.error = plan.error().message;
                section.input_error = input_error_of(step);
            }
            return section;
        }));
    }
    ProvisionRun run;
    for (auto& section : planning) run.sections.push_back(section.get());
    return run;
}

ProvisionRun apply_steps(const std::vector<ProvisionStep*>& steps, const Progress& progress,
                         const std::function<std::optional<std::string>()>& interrupted, const StepFinished& finished,
                         const ProvisionRun* planned) {
    ProvisionRun run;
    bool changed_before = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (interrupted && run.interrupted.empty())
            if (auto why = interrupted()) run.interrupted = *why;
        if (run.failed()) {
            run.not_run.emplace_back(steps[i]->section());
            continue;
        }
        SectionRun section{std::string(steps[i]->section()), {}, {}, {}, false, {}};
        // A step its plan found in sync, with nothing changed since by an earlier one, has nothing to do: its
        // apply would observe the same host again. The plan's observation is the section's time.
        const SectionRun* plan = planned && i < planned->sections.size() ? &planned->sections[i] : nullptr;
        if (plan && plan->plan && plan->plan->empty() && plan->error.empty() && !changed_before &&
            !steps[i]->applies_when_planned_in_sync()) {
            if (progress) progress(i + 1, steps.size(), section.section, k_in_sync_as_planned);
            section.outcome = StepOutcome{{}, {}, plan->plan->notes};
            section.elapsed = plan->elapsed;
            if (finished) finished(i + 1, steps.size(), section);
            run.sections.push_back(std::move(section));
            continue;
        }
        if (progress) progress(i + 1, steps.size(), section.section, "applying");
        const auto start = Clock::now();
        section.outcome = steps[i]->apply();
        section.elapsed = since(start);
        changed_before = changed_before || section.outcome->changed_host();
        section.input_error = section.outcome->failures.empty() ? false : input_error_of(steps[i]);
        if (finished) finished(i + 1, steps.size(), section);
        run.sections.push_back(std::move(section));
    }
    return run;
}

checks::ObservedFacts observed_unchanged_since(const std::vector<ProvisionStep*>& steps, const ProvisionRun& run) {
    checks::ObservedFacts observed;
    // A step not run (after a failure or a stop) shares nothing: its plan's read came before the failed step's
    // changes. A step left in sync as planned shares its plan's read: no step before it changed anything.
    for (std::size_t i = std::min(steps.size(), run.sections.size()); i-- > 0;) {
        steps[i]->share_observed(observed);
        const auto& section = run.sections[i];
        const bool changed = section.failed() || (section.outcome && section.outcome->changed_host());
        if (changed) break;
    }
    return observed;
}

}  // namespace agent
