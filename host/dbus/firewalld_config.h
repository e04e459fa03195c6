#pragma once
// The write side of firewalld's D-Bus API (org.fedoraproject.FirewallD1) for the provisioning steps: the
// runtime configuration through the .zone interface (changeZoneOfInterface, addMasquerade, addService, addPort,
// queryX) and the permanent one through .config and the zone objects of .config.zone (getZoneByName, then
// addInterface, addMasquerade, addService, addPort, queryX). firewalld is asked whether it owns its bus name
// before anything, so it is never D-Bus-activated. The doctor's read side is Firewalld (firewalld.h).
#include <chrono>

#include "provision/firewall_plan.h"

namespace host::dbus {

class FirewalldConfig final : public provision::FirewallControl {
public:
    // `call_timeout` bounds a query, `change_timeout` a change (firewalld rewrites its rules for each runtime
    // change and its zone file for each permanent one).
    FirewalldConfig(std::chrono::milliseconds call_timeout, std::chrono::milliseconds change_timeout)
        : m_call_timeout(call_timeout), m_change_timeout(change_timeout) {}

    common::Result<provision::FirewallObservation> observe(const profile::FirewallSection& section) override;
    common::Result<std::monostate> apply(const provision::FirewallChange& change) override;

private:
    std::chrono::milliseconds m_call_timeout;
    std::chrono::milliseconds m_change_timeout;
};

}  // namespace host::dbus
