#pragma once
// The write side of firewalld's D-Bus API (org.fedoraproject.FirewallD1) for the provisioning steps, over one
// session for the object's life. A zone is read whole (getZoneSettings2; getZoneByName, then the zone object's
// getSettings2) and each batch of changes to it is one settings update (setZoneSettings2 at runtime, after
// changeZoneOfInterface for the interfaces it moves; update2 of the zone object, after removeInterface from an
// interface's previous zone, permanently). firewalld is asked whether it owns its bus name before anything, so
// it is never D-Bus-activated. The doctor's read side is Firewalld (firewalld.h).
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "host/dbus/firewalld_session.h"
#include "provision/firewall_plan.h"

namespace host::dbus {

class FirewalldConfig final : public provision::FirewallControl {
public:
    // `call_timeout` bounds a query, `change_timeout` a change (firewalld rewrites its rules for each runtime
    // change and its zone file for each permanent one).
    FirewalldConfig(std::chrono::milliseconds call_timeout, std::chrono::milliseconds change_timeout)
        : m_call_timeout(call_timeout), m_change_timeout(change_timeout) {}

    common::Result<provision::FirewallObservation> observe(const profile::FirewallSection& section) override;
    common::Result<std::monostate> apply(const std::vector<provision::FirewallChange>& batch) override;

    // The zones the last observe() read whole, as the doctor reads them; none after a change through apply().
    const std::map<std::string, checks::FirewallZoneFacts>& zones_read() const { return m_zones_read; }
    // firewalld's state and default zone, as the doctor reads them, when the session was opened.
    const std::optional<checks::FirewallFacts>& status_read() const { return m_status_read; }

private:
    // The session, opened at the first call and kept: firewalld must be RUNNING.
    common::Result<firewalld::Session*> session();

    std::chrono::milliseconds m_call_timeout;
    std::chrono::milliseconds m_change_timeout;
    std::optional<firewalld::Session> m_session;
    std::map<std::string, checks::FirewallZoneFacts> m_zones_read;
    std::optional<checks::FirewallFacts> m_status_read;
};

}  // namespace host::dbus
