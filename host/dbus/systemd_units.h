#pragma once
// ServiceManager over systemd's D-Bus API (org.freedesktop.systemd1).
#include <chrono>

#include "host/live_services.h"

namespace host::dbus {

class SystemdUnits : public ServiceManager {
public:
    explicit SystemdUnits(std::chrono::milliseconds timeout) : m_timeout(timeout) {}
    checks::Fact<checks::SystemdFacts> unit_states(const std::vector<std::string>& units) override;

private:
    std::chrono::milliseconds m_timeout;
};

}  // namespace host::dbus
