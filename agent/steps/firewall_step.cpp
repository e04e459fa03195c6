#include "agent/steps/firewall_step.h"

#include <algorithm>

#include "common/host_root.h"
#include "common/text.h"
#include "host/dbus/firewalld_config.h"
#include "host/networkmanager/nm_zone.h"

namespace agent {
namespace {

using namespace std::chrono_literals;

// firewalld rewrites its rules for each runtime change and its zone file for each permanent one: a change may
// take longer than a query on a loaded host.
std::chrono::milliseconds change_timeout(const StepSettings& settings) {
    return std::max<std::chrono::milliseconds>(settings.call_timeout, 30s);
}

// Whom the section asks, for the error against an offline root.
constexpr std::string_view k_firewall_daemons = "firewalld and NetworkManager are asked over D-Bus";

}  // namespace

FirewallStep::FirewallStep(profile::FirewallSection section, StepSettings settings)
    : m_section(std::move(section)), m_settings(std::move(settings)) {}

common::Result<StepPlan> FirewallStep::plan() {
    m_failed_on_input = false;
    m_zones_read.clear();
    m_status_read.reset();
    if (!common::HostRoot(m_settings.root).is_live())
        return common::make_error(needs_live_host("firewall", k_firewall_daemons, m_settings));
    host::dbus::FirewalldConfig firewalld(m_settings.call_timeout, change_timeout(m_settings));
    host::networkmanager::NmConnectionZones connections(m_settings.call_timeout);
    const auto observed = provision::observe_firewall(m_section, firewalld, connections);
    if (!observed) return observed.error();
    m_zones_read = firewalld.zones_read();
    m_status_read = firewalld.status_read();
    const auto planned = provision::plan_firewall(m_section, observed.value());
    if (!planned.problems.empty()) {
        m_failed_on_input = true;
        return common::make_error(common::join(planned.problems, "; "));
    }
    StepPlan plan;
    plan.changes = provision::describe(planned.changes);
    if (!observed->connections.not_asked.empty())
        plan.notes.push_back("NetworkManager is not asked (" + observed->connections.not_asked +
                             "): zones are set in firewalld only");
    return plan;
}

StepOutcome FirewallStep::apply() {
    m_failed_on_input = false;
    m_zones_read.clear();
    m_status_read.reset();
    StepOutcome outcome;
    if (!common::HostRoot(m_settings.root).is_live()) {
        outcome.failures.push_back(needs_live_host("firewall", k_firewall_daemons, m_settings));
        return outcome;
    }
    host::dbus::FirewalldConfig firewalld(m_settings.call_timeout, change_timeout(m_settings));
    host::networkmanager::NmConnectionZones connections(m_settings.call_timeout);
    auto converged = provision::converge_firewall(m_section, firewalld, connections);
    m_failed_on_input = converged.failed_on_input;
    outcome.changed = std::move(converged.changed);
    outcome.failures = std::move(converged.failures);
    outcome.notes = std::move(converged.notes);
    // A change NetworkManager made (a profile's zone) reaches firewalld without passing apply(): only a run that
    // ended with its verifying read shares it.
    if (outcome.ok()) {
        m_zones_read = firewalld.zones_read();
        m_status_read = firewalld.status_read();
    }
    return outcome;
}

void FirewallStep::share_observed(checks::ObservedFacts& observed) const {
    for (const auto& [name, zone] : m_zones_read) observed.firewall_zones.emplace(name, zone);
    if (m_status_read) observed.firewall = m_status_read;
}

std::unique_ptr<ProvisionStep> make_firewall_step(const profile::HostProfile& profile, const StepSettings& settings) {
    return std::make_unique<FirewallStep>(profile.firewall.value_or(profile::FirewallSection{}), settings);
}

}  // namespace agent
