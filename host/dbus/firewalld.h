#pragma once
// Firewall over firewalld's D-Bus API (org.fedoraproject.FirewallD1), read-only: the runtime configuration
// through the .zone interface (getZones, getInterfaces, queryMasquerade, getServices, getPorts,
// getZoneOfInterface), the permanent one through .config (getZoneNames, getZoneOfInterface) and the zone objects
// of .config.zone. firewalld is asked whether it owns its bus name before anything, so it is never D-Bus-activated.
// The provisioning steps' write side is FirewalldConfig (firewalld_config.h).
#include <chrono>

#include "host/live_services.h"

namespace host::dbus {

class Firewalld : public Firewall {
public:
    explicit Firewalld(std::chrono::milliseconds timeout) : m_timeout(timeout) {}
    checks::Fact<checks::FirewallFacts> status() override;
    checks::Fact<checks::FirewallZoneFacts> zone(const std::string& name) override;
    checks::Fact<checks::InterfaceZone> zone_of_interface(const std::string& interface) override;

private:
    std::chrono::milliseconds m_timeout;
};

}  // namespace host::dbus
