#pragma once
// ServiceManager over systemd's D-Bus API (org.freedesktop.systemd1).
#include "host/live_services.h"

namespace host::dbus {

class SystemdUnits : public ServiceManager {
public:
    checks::Fact<checks::SystemdFacts> unit_states(const std::vector<std::string>& units) override;
};

}  // namespace host::dbus
