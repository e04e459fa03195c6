#include "agent/steps/network_step.h"

namespace agent {

namespace {
// "observing the network: ..." and a guard that could not be armed are the host's; any other error is the
// profile's (exit 3: nothing touched, fix the profile).
bool is_host_error(const common::Error& error) {
    return error.message.rfind("observing", 0) == 0 || error.message.rfind(k_guard_refused, 0) == 0;
}
}  // namespace

common::Result<StepPlan> NetworkStep::plan() {
    const auto adapters = m_host->adapters();
    auto planned = plan_network(m_profile, adapters.observer, adapters.persistence);
    if (!planned) {
        m_failed_on_input = !is_host_error(planned.error());
        return planned.error();
    }
    m_plan = planned->plan;
    StepPlan plan;
    for (const auto& step : planned->plan.steps) plan.changes.push_back(step.to_string());
    plan.changes.insert(plan.changes.end(), planned->file_changes.begin(), planned->file_changes.end());
    return plan;
}

StepOutcome NetworkStep::apply() {
    StepOutcome outcome;
    auto applied = apply_network(m_profile, m_host->adapters(), m_options);
    if (!applied) {
        m_failed_on_input = !is_host_error(applied.error());
        outcome.failures.push_back(applied.error().message);
        return outcome;
    }
    m_report = std::move(applied).value();
    const auto& report = *m_report;
    outcome.recovered = !report.recovered.empty();
    outcome.touched = report.persisted && report.persisted->network_manager.changed_running;
    if (report.outcome == NetworkOutcome::applied) {
        for (const auto& step : report.plan.steps) outcome.changed.push_back(step.to_string());
        if (report.persisted)
            for (const auto& file : report.persisted->files)
                if (file.action != netconfig::PersistedFile::Action::unchanged)
                    outcome.changed.push_back(std::string(netconfig::to_string(file.action)) + " " + file.path);
    }
    for (const auto& passed : report.verification.passed) outcome.notes.push_back("verified: " + passed);
    outcome.failures = report.failures;
    if (report.outcome == NetworkOutcome::rolled_back) outcome.notes.push_back("rolled back to the state before");
    for (const auto& failure : report.rollback_failures) outcome.failures.push_back("rollback: " + failure);
    return outcome;
}

}  // namespace agent
