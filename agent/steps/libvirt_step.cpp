#include "agent/steps/libvirt_step.h"

#include <algorithm>

#include "checks/host_facts.h"
#include "checks/parsers/os_release.h"
#include "common/host_root.h"
#include "host/dbus/systemd_manager.h"
#include "host/libvirt/libvirt_admin.h"

namespace agent {
namespace {

using namespace std::chrono_literals;

// systemd gives up on a start after the unit's TimeoutStartSec (90 s by default): wait a little longer for its
// JobRemoved, so its own verdict ("timeout") is what we report.
constexpr std::chrono::milliseconds k_job_timeout = 100s;

// Whom the section asks, for the error against an offline root.
constexpr std::string_view k_libvirt_daemons = "systemd and libvirt are asked over their APIs";

host::libvirt::LibvirtAdminOptions libvirt_options(const StepSettings& settings, bool read_only) {
    host::libvirt::LibvirtAdminOptions options;
    options.read_only = read_only;
    options.call_timeout = settings.call_timeout;
    options.change_timeout = std::max<std::chrono::milliseconds>(settings.call_timeout, 60s);
    options.connect_timeout = std::max<std::chrono::milliseconds>(settings.call_timeout, 60s);
    return options;
}

}  // namespace

LibvirtStep::LibvirtStep(profile::LibvirtSection section, StepSettings settings)
    : m_section(section), m_settings(std::move(settings)) {}

provision::DaemonMode LibvirtStep::mode(std::vector<std::string>& notes) const {
    if (m_section.daemons != profile::LibvirtSection::Daemons::automatic)
        return provision::resolve_daemon_mode(m_section.daemons, nullptr);
    const common::HostRoot root(m_settings.root);
    const auto text = root.read_text("/etc/os-release");
    const auto os = text ? checks::parse_os_release(text.value()) : common::Result<checks::OsRelease>(text.error());
    const auto mode = provision::resolve_daemon_mode(m_section.daemons, os ? &os.value() : nullptr);
    notes.push_back("libvirt daemons auto: " + std::string(provision::to_string(mode)) + " on " +
                    (os ? (os->pretty_name.empty() ? os->id + " " + os->version_id : os->pretty_name)
                        : "an unknown distribution (" + os.error().message + ")"));
    return mode;
}

common::Result<StepPlan> LibvirtStep::plan() {
    m_converged_units.reset();
    if (!common::HostRoot(m_settings.root).is_live())
        return common::make_error(needs_live_host("libvirt", k_libvirt_daemons, m_settings));
    StepPlan plan;
    const auto daemon_mode = mode(plan.notes);
    host::dbus::SystemdManager systemd(m_settings.call_timeout, k_job_timeout);
    provision::LibvirtObservation observed;
    observed.units = systemd.observe(provision::daemon_units(daemon_mode), provision::conflicting_units(daemon_mode));
    if (m_section.default_network == profile::LibvirtSection::DefaultNetwork::absent) {
        host::libvirt::LibvirtAdmin libvirt(libvirt_options(m_settings, true));
        observed.default_network = libvirt.observe(provision::k_default_network);
    }
    auto lines = provision::plan_libvirt(m_section, daemon_mode, observed);
    if (!lines.error.empty()) return common::make_error("reading libvirt's units from systemd: " + lines.error);
    plan.changes = std::move(lines.changes);
    plan.notes.insert(plan.notes.end(), lines.notes.begin(), lines.notes.end());
    if (plan.changes.empty() && observed.units) m_converged_units = *observed.units;
    return plan;
}

StepOutcome LibvirtStep::apply() {
    m_converged_units.reset();
    StepOutcome outcome;
    if (!common::HostRoot(m_settings.root).is_live()) {
        outcome.failures.push_back(needs_live_host("libvirt", k_libvirt_daemons, m_settings));
        return outcome;
    }
    const auto daemon_mode = mode(outcome.notes);
    host::dbus::SystemdManager systemd(m_settings.call_timeout, k_job_timeout);
    host::libvirt::LibvirtAdmin libvirt(libvirt_options(m_settings, false));
    auto converged = provision::converge_libvirt(m_section, daemon_mode, systemd, libvirt);
    outcome.changed = std::move(converged.changed);
    outcome.failures = std::move(converged.failures);
    outcome.notes.insert(outcome.notes.end(), converged.notes.begin(), converged.notes.end());
    return outcome;
}

void LibvirtStep::share_observed(checks::ObservedFacts& observed) const {
    if (m_converged_units) observed.libvirt_units = checks::SystemdFacts{*m_converged_units};
}

std::unique_ptr<ProvisionStep> make_libvirt_step(const profile::HostProfile& profile, const StepSettings& settings) {
    return std::make_unique<LibvirtStep>(profile.libvirt.value_or(profile::LibvirtSection{}), settings);
}

}  // namespace agent
