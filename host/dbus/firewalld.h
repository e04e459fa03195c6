#pragma once
// Firewall over firewalld's D-Bus API (org.fedoraproject.FirewallD1).
#include <chrono>

#include "host/live_services.h"

namespace host::dbus {

class Firewalld : public Firewall {
public:
    explicit Firewalld(std::chrono::milliseconds timeout) : m_timeout(timeout) {}
    checks::Fact<checks::FirewallFacts> status() override;

private:
    std::chrono::milliseconds m_timeout;
};

}  // namespace host::dbus
