#pragma once
// ConnectionZones over NetworkManager's D-Bus API: which saved profile is active on an interface (Device by
// interface name → ActiveConnection → Connection settings) and its connection.zone, and setting that zone with
// Update so the profile on disk says the same as firewalld. NetworkManager is asked whether it owns its bus
// name first (never started by D-Bus activation); a host without it has no profiles to keep in step.
#include <chrono>

#include "provision/firewall_plan.h"

namespace host::networkmanager {

class NmConnectionZones final : public provision::ConnectionZones {
public:
    explicit NmConnectionZones(std::chrono::milliseconds call_timeout) : m_timeout(call_timeout) {}

    common::Result<provision::ConnectionOwners> owners(const std::vector<std::string>& interfaces) override;
    common::Result<std::monostate> set_zone(const provision::ConnectionOwner& connection,
                                            const std::string& zone) override;

private:
    std::chrono::milliseconds m_timeout;
};

}  // namespace host::networkmanager
