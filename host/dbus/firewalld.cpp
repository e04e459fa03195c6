#include "host/dbus/firewalld.h"

#include "host/dbus/firewalld_session.h"
#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {
using firewalld::k_path;
using firewalld::k_service;
using firewalld::k_zone_interface;
using firewalld::k_config_interface;
}  // namespace

checks::Fact<checks::FirewallFacts> Firewalld::status() {
    auto bus = open_system_bus();
    if (!bus) return checks::Unavailable{bus.error().message};
    checks::FirewallFacts facts;
    try {
        // Asking firewalld directly would D-Bus-activate it: a read-only check must not start it.
        if (!name_has_owner(*bus.value(), k_service, m_timeout)) {
            facts.error = std::string(k_service) + " has no owner on the system bus";
            return facts;
        }
        facts.on_bus = true;
        auto proxy = sdbus::createProxy(*bus.value(), k_service, k_path);
        facts.state = get_string_property(*proxy, k_service, "state", m_timeout);
        proxy->callMethod("getDefaultZone")
            .onInterface(k_service)
            .withTimeout(m_timeout)
            .storeResultsTo(facts.default_zone);
    } catch (const sdbus::Error& e) {
        facts.error = e.getName() + ": " + e.getMessage();
        if (facts.state.empty()) facts.state = "UNKNOWN";
        facts.timed_out = is_overrun(e);
    }
    return facts;
}

checks::Fact<checks::FirewallZoneFacts> Firewalld::zone(const std::string& name) {
    checks::FirewallZoneFacts zone;
    zone.name = name;
    auto session = firewalld::open_session(m_timeout);
    if (!session) return checks::ReadError{session.error().message};
    std::string asking = "runtime zone " + name;
    try {
        zone.runtime = firewalld::zone_config(session.value().runtime_settings(name, m_timeout));
        asking = "permanent zone " + name;
        zone.permanent = firewalld::zone_config(session.value().permanent_settings(name, m_timeout));
    } catch (const sdbus::Error& e) {
        return checks::ReadError{"asking firewalld for " + asking + ": " + e.getName() + ": " + e.getMessage()};
    }
    return zone;
}

checks::Fact<checks::InterfaceZone> Firewalld::zone_of_interface(const std::string& interface) {
    checks::InterfaceZone zone;
    auto session = firewalld::open_session(m_timeout);
    if (!session) return checks::ReadError{session.error().message};
    try {
        session->runtime->callMethod("getZoneOfInterface").onInterface(k_zone_interface).withTimeout(m_timeout)
            .withArguments(interface).storeResultsTo(zone.runtime);
        session->config->callMethod("getZoneOfInterface").onInterface(k_config_interface).withTimeout(m_timeout)
            .withArguments(interface).storeResultsTo(zone.permanent);
    } catch (const sdbus::Error& e) {
        return checks::ReadError{"asking firewalld for the zone of " + interface + ": " + e.getName() + ": " +
                                 e.getMessage()};
    }
    return zone;
}

}  // namespace host::dbus
