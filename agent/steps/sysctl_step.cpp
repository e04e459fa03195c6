#include "agent/steps/sysctl_step.h"

#include <spdlog/spdlog.h>

#include "common/host_root.h"
#include "host/files/atomic_file.h"
#include "host/sysctl/proc_sys.h"

namespace agent {

SysctlStep::SysctlStep(profile::SysctlSection section, StepSettings settings)
    : m_section(std::move(section)), m_settings(std::move(settings)) {}

common::Result<provision::SysctlPlan> SysctlStep::observe_and_plan() const {
    const common::HostRoot root(m_settings.root);
    auto observed = host::sysctl::observe(root, m_section.values);
    if (!observed) return observed.error();
    return provision::plan_sysctl(m_section.values, observed.value());
}

common::Result<StepPlan> SysctlStep::plan() {
    auto planned = observe_and_plan();
    if (!planned) return planned.error();
    return StepPlan{planned->changes(), planned->notes()};
}

StepOutcome SysctlStep::apply() {
    StepOutcome outcome;
    auto planned = observe_and_plan();
    if (!planned) {
        outcome.failures.push_back(planned.error().message);
        return outcome;
    }
    const auto& plan = planned.value();
    // A key the kernel lacks is a typo or a missing module: change nothing rather than persist it.
    if (!plan.unknown_keys.empty()) {
        outcome.failures = plan.notes();
        return outcome;
    }

    const common::HostRoot root(m_settings.root);
    for (const auto& change : plan.runtime) {
        auto now = host::sysctl::write_value(root, change.key, change.to);
        if (!now) {
            outcome.failures.push_back(now.error().message);
        } else if (!provision::sysctl_values_equal(now.value(), change.to)) {
            outcome.failures.push_back("setting " + change.key + " to " + change.to + ": the kernel reports " +
                                       now.value() + " after the write");
        } else {
            spdlog::info("sysctl: {} = {} (was {})", change.key, change.to, change.from);
            outcome.changed.push_back("set " + change.key + " to " + change.to + " (was " + change.from + ")");
        }
    }
    // Persist only values the kernel took: a value it refuses now would fail at every boot too.
    if (!outcome.ok()) return outcome;

    if (plan.write_file) {
        host::files::AtomicFiles files(m_settings.root);
        auto written = files.write(provision::k_sysctl_file, plan.file_content, 0644);
        if (!written) {
            outcome.failures.push_back("persisting the sysctl keys: " + written.error().message);
            return outcome;
        }
        std::string line = std::string(host::files::to_string(written->action)) + " " + written->path;
        if (!written->backup.empty()) line += " (the previous version kept in " + written->backup + ")";
        spdlog::info("sysctl: {}", line);
        outcome.changed.push_back(line);
    }

    // Verify: the kernel runs the values and the file holds them.
    auto after = observe_and_plan();
    if (!after) {
        outcome.failures.push_back("verifying: " + after.error().message);
        return outcome;
    }
    for (const auto& left : after->runtime)
        outcome.failures.push_back("verifying: " + left.key + " is " + left.from + ", not " + left.to);
    if (after->write_file)
        outcome.failures.push_back("verifying: " + std::string(provision::k_sysctl_file) + " does not hold the profile's keys");
    outcome.notes = after->notes();
    return outcome;
}

std::unique_ptr<ProvisionStep> make_sysctl_step(const profile::HostProfile& profile, const StepSettings& settings) {
    return std::make_unique<SysctlStep>(profile.sysctl.value_or(profile::SysctlSection{}), settings);
}

}  // namespace agent
