#pragma once
// Firewall over firewalld's D-Bus API (org.fedoraproject.FirewallD1).
#include "host/live_services.h"

namespace host::dbus {

class Firewalld : public Firewall {
public:
    checks::Fact<checks::FirewallFacts> status() override;
};

}  // namespace host::dbus
