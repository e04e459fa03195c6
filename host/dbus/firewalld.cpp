#include "host/dbus/firewalld.h"

#include <algorithm>
#include <set>

#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {
constexpr const char* k_firewalld = "org.fedoraproject.FirewallD1";
constexpr const char* k_path = "/org/fedoraproject/FirewallD1";
constexpr const char* k_config_path = "/org/fedoraproject/FirewallD1/config";
constexpr const char* k_zone_interface = "org.fedoraproject.FirewallD1.zone";
constexpr const char* k_config_interface = "org.fedoraproject.FirewallD1.config";
constexpr const char* k_config_zone_interface = "org.fedoraproject.FirewallD1.config.zone";

// A connection to a firewalld that owns its bus name, with proxies for its runtime and permanent configuration.
struct Session {
    std::unique_ptr<sdbus::IConnection> bus;
    std::unique_ptr<sdbus::IProxy> runtime;
    std::unique_ptr<sdbus::IProxy> config;
};

// Why firewalld cannot be asked, or "" when it can.
std::string open_session(Session& session, std::chrono::milliseconds timeout) {
    auto bus = open_system_bus();
    if (!bus) return bus.error().message;
    session.bus = std::move(bus).value();
    if (!name_has_owner(*session.bus, k_firewalld, timeout))
        return std::string(k_firewalld) + " has no owner on the system bus (firewalld is not running)";
    session.runtime = sdbus::createProxy(*session.bus, k_firewalld, k_path);
    session.config = sdbus::createProxy(*session.bus, k_firewalld, k_config_path);
    return {};
}

std::set<std::string> as_set(const std::vector<std::string>& names) { return {names.begin(), names.end()}; }

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

checks::Fact<checks::FirewallFacts> Firewalld::status() {
    auto bus = open_system_bus();
    if (!bus) return checks::Unavailable{bus.error().message};
    checks::FirewallFacts facts;
    try {
        // Asking firewalld directly would D-Bus-activate it: a read-only check must not start it.
        if (!name_has_owner(*bus.value(), k_firewalld, m_timeout)) {
            facts.error = std::string(k_firewalld) + " has no owner on the system bus";
            return facts;
        }
        facts.on_bus = true;
        auto proxy = sdbus::createProxy(*bus.value(), k_firewalld, k_path);
        facts.state = get_string_property(*proxy, k_firewalld, "state", m_timeout);
        proxy->callMethod("getDefaultZone")
            .onInterface(k_firewalld)
            .withTimeout(m_timeout)
            .storeResultsTo(facts.default_zone);
    } catch (const sdbus::Error& e) {
        facts.error = e.getName() + ": " + e.getMessage();
        if (facts.state.empty()) facts.state = "UNKNOWN";
        // sd-bus names an overrun call NoReply, Timeout, TimedOut or System.Error.ETIMEDOUT; a daemon busy
        // starting gives them, one that is down or refuses does not.
        const auto& name = e.getName();
        facts.timed_out = false;
        for (const char* overrun : {"NoReply", "Timeout", "TimedOut", "ETIMEDOUT"})
            facts.timed_out = facts.timed_out || name.find(overrun) != std::string::npos;
    }
    return facts;
}

checks::Fact<checks::FirewallZoneFacts> Firewalld::zone(const std::string& name) {
    checks::FirewallZoneFacts zone;
    zone.name = name;
    Session session;
    std::string asking = "its zones";
    try {
        if (auto problem = open_session(session, m_timeout); !problem.empty()) return checks::ReadError{problem};
        const auto t = m_timeout;
        auto& runtime = *session.runtime;
        std::vector<std::string> runtime_zones, permanent_zones;
        runtime.callMethod("getZones").onInterface(k_zone_interface).withTimeout(t).storeResultsTo(runtime_zones);
        session.config->callMethod("getZoneNames").onInterface(k_config_interface).withTimeout(t)
            .storeResultsTo(permanent_zones);
        zone.runtime.exists = contains(runtime_zones, name);
        zone.permanent.exists = contains(permanent_zones, name);
        if (zone.runtime.exists) {
            asking = "runtime zone " + name;
            std::vector<std::string> interfaces, services;
            std::vector<std::vector<std::string>> ports;
            runtime.callMethod("getInterfaces").onInterface(k_zone_interface).withTimeout(t).withArguments(name)
                .storeResultsTo(interfaces);
            runtime.callMethod("queryMasquerade").onInterface(k_zone_interface).withTimeout(t).withArguments(name)
                .storeResultsTo(zone.runtime.masquerade);
            runtime.callMethod("getServices").onInterface(k_zone_interface).withTimeout(t).withArguments(name)
                .storeResultsTo(services);
            runtime.callMethod("getPorts").onInterface(k_zone_interface).withTimeout(t).withArguments(name)
                .storeResultsTo(ports);
            zone.runtime.interfaces = as_set(interfaces);
            zone.runtime.services = as_set(services);
            for (const auto& port : ports)
                if (port.size() == 2) zone.runtime.ports.insert(port[0] + "/" + port[1]);
        }
        if (zone.permanent.exists) {
            asking = "permanent zone " + name;
            sdbus::ObjectPath path;
            session.config->callMethod("getZoneByName").onInterface(k_config_interface).withTimeout(t)
                .withArguments(name).storeResultsTo(path);
            auto object = sdbus::createProxy(*session.bus, k_firewalld, path);
            std::vector<std::string> interfaces, services;
            std::vector<sdbus::Struct<std::string, std::string>> ports;
            object->callMethod("getInterfaces").onInterface(k_config_zone_interface).withTimeout(t)
                .storeResultsTo(interfaces);
            object->callMethod("getMasquerade").onInterface(k_config_zone_interface).withTimeout(t)
                .storeResultsTo(zone.permanent.masquerade);
            object->callMethod("getServices").onInterface(k_config_zone_interface).withTimeout(t)
                .storeResultsTo(services);
            object->callMethod("getPorts").onInterface(k_config_zone_interface).withTimeout(t).storeResultsTo(ports);
            zone.permanent.interfaces = as_set(interfaces);
            zone.permanent.services = as_set(services);
            for (const auto& port : ports) zone.permanent.ports.insert(port.get<0>() + "/" + port.get<1>());
        }
    } catch (const sdbus::Error& e) {
        return checks::ReadError{"asking firewalld for " + asking + ": " + e.getName() + ": " + e.getMessage()};
    }
    return zone;
}

checks::Fact<checks::InterfaceZone> Firewalld::zone_of_interface(const std::string& interface) {
    checks::InterfaceZone zone;
    Session session;
    try {
        if (auto problem = open_session(session, m_timeout); !problem.empty()) return checks::ReadError{problem};
        session.runtime->callMethod("getZoneOfInterface").onInterface(k_zone_interface).withTimeout(m_timeout)
            .withArguments(interface).storeResultsTo(zone.runtime);
        session.config->callMethod("getZoneOfInterface").onInterface(k_config_interface).withTimeout(m_timeout)
            .withArguments(interface).storeResultsTo(zone.permanent);
    } catch (const sdbus::Error& e) {
        return checks::ReadError{"asking firewalld for the zone of " + interface + ": " + e.getName() + ": " +
                                 e.getMessage()};
    }
    return zone;
}

}  // namespace host::dbus
