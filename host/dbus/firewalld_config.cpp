#include "host/dbus/firewalld_config.h"

#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>

#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {

constexpr const char* k_firewalld = "org.fedoraproject.FirewallD1";
constexpr const char* k_path = "/org/fedoraproject/FirewallD1";
constexpr const char* k_config_path = "/org/fedoraproject/FirewallD1/config";
constexpr const char* k_zone_interface = "org.fedoraproject.FirewallD1.zone";
constexpr const char* k_config_interface = "org.fedoraproject.FirewallD1.config";
constexpr const char* k_config_zone_interface = "org.fedoraproject.FirewallD1.config.zone";

std::string describe(const sdbus::Error& e) { return e.getName() + ": " + e.getMessage(); }

// firewalld's answer when what we ask for is already so (someone else did it since we looked): not a failure.
bool already_so(const sdbus::Error& e) {
    for (const char* code : {"ALREADY_ENABLED", "ZONE_ALREADY_SET", "NOT_ENABLED"})
        if (e.getMessage().rfind(code, 0) == 0) return true;
    return false;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// One connection to firewalld, made only when it owns its bus name and is RUNNING.
struct Session {
    std::unique_ptr<sdbus::IConnection> bus;
    std::unique_ptr<sdbus::IProxy> runtime;  // the .zone interface
    std::unique_ptr<sdbus::IProxy> config;   // the .config interface

    std::unique_ptr<sdbus::IProxy> zone_object(const std::string& zone, std::chrono::milliseconds timeout) {
        sdbus::ObjectPath path;
        config->callMethod("getZoneByName").onInterface(k_config_interface).withTimeout(timeout).withArguments(zone).storeResultsTo(path);
        return sdbus::createProxy(*bus, k_firewalld, path);
    }
};

common::Result<Session> open_session(std::chrono::milliseconds timeout) {
    auto bus = open_system_bus();
    if (!bus) return bus.error();
    Session session;
    session.bus = std::move(bus).value();
    try {
        if (!name_has_owner(*session.bus, k_firewalld, timeout))
            return common::make_error(std::string("firewalld is not running (") + k_firewalld +
                                      " has no owner on the system bus): systemctl enable --now firewalld");
        session.runtime = sdbus::createProxy(*session.bus, k_firewalld, k_path);
        session.config = sdbus::createProxy(*session.bus, k_firewalld, k_config_path);
        const auto state = get_string_property(*session.runtime, k_firewalld, "state", timeout);
        if (state != "RUNNING") return common::make_error("firewalld is in state " + state + ", not RUNNING");
    } catch (const sdbus::Error& e) {
        return common::make_error("asking firewalld: " + describe(e));
    }
    return session;
}

}  // namespace

common::Result<provision::FirewallObservation> FirewalldConfig::observe(const profile::FirewallSection& section) {
    auto opened = open_session(m_call_timeout);
    if (!opened) return opened.error();
    Session& session = opened.value();
    provision::FirewallObservation observed;
    const auto t = m_call_timeout;
    std::string asking;
    try {
        asking = "its runtime zones";
        std::vector<std::string> runtime_zones, permanent_zones;
        session.runtime->callMethod("getZones").onInterface(k_zone_interface).withTimeout(t).storeResultsTo(runtime_zones);
        asking = "its permanent zones";
        session.config->callMethod("getZoneNames").onInterface(k_config_interface).withTimeout(t).storeResultsTo(permanent_zones);

        for (const auto& zone : section.zones) {
            asking = "runtime zone " + zone.name;
            auto& runtime = observed.runtime.zones[zone.name];
            runtime.exists = contains(runtime_zones, zone.name);
            if (runtime.exists) {
                if (zone.masquerade)
                    session.runtime->callMethod("queryMasquerade").onInterface(k_zone_interface).withTimeout(t)
                        .withArguments(zone.name).storeResultsTo(runtime.masquerade);
                for (const auto& service : zone.services) {
                    bool allowed = false;
                    session.runtime->callMethod("queryService").onInterface(k_zone_interface).withTimeout(t)
                        .withArguments(zone.name, service).storeResultsTo(allowed);
                    if (allowed) runtime.services.insert(service);
                }
                for (const auto& port : zone.ports) {
                    const auto [number, protocol] = provision::split_port(port);
                    bool open = false;
                    session.runtime->callMethod("queryPort").onInterface(k_zone_interface).withTimeout(t)
                        .withArguments(zone.name, number, protocol).storeResultsTo(open);
                    if (open) runtime.ports.insert(port);
                }
            }
            asking = "permanent zone " + zone.name;
            auto& permanent = observed.permanent.zones[zone.name];
            permanent.exists = contains(permanent_zones, zone.name);
            if (!permanent.exists) continue;
            auto object = session.zone_object(zone.name, t);
            if (zone.masquerade)
                object->callMethod("queryMasquerade").onInterface(k_config_zone_interface).withTimeout(t)
                    .storeResultsTo(permanent.masquerade);
            for (const auto& service : zone.services) {
                bool allowed = false;
                object->callMethod("queryService").onInterface(k_config_zone_interface).withTimeout(t)
                    .withArguments(service).storeResultsTo(allowed);
                if (allowed) permanent.services.insert(service);
            }
            for (const auto& port : zone.ports) {
                const auto [number, protocol] = provision::split_port(port);
                bool open = false;
                object->callMethod("queryPort").onInterface(k_config_zone_interface).withTimeout(t)
                    .withArguments(number, protocol).storeResultsTo(open);
                if (open) permanent.ports.insert(port);
            }
        }
        for (const auto& name : provision::section_interfaces(section)) {
            asking = "the zone of interface " + name;
            std::string zone;
            session.runtime->callMethod("getZoneOfInterface").onInterface(k_zone_interface).withTimeout(t)
                .withArguments(name).storeResultsTo(zone);
            observed.runtime.zone_of_interface[name] = zone;
            zone.clear();
            session.config->callMethod("getZoneOfInterface").onInterface(k_config_interface).withTimeout(t)
                .withArguments(name).storeResultsTo(zone);
            observed.permanent.zone_of_interface[name] = zone;
        }
    } catch (const sdbus::Error& e) {
        return common::make_error("asking firewalld for " + asking + ": " + describe(e));
    }
    return observed;
}

common::Result<std::monostate> FirewalldConfig::apply(const provision::FirewallChange& change) {
    using provision::FirewallItem;
    if (change.scope == provision::FirewallScope::connection)
        return common::make_error(provision::describe(change) + ": not a firewalld change");
    auto opened = open_session(m_call_timeout);
    if (!opened) return common::make_error(provision::describe(change) + ": " + opened.error().message);
    Session& session = opened.value();
    const auto t = m_change_timeout;
    const std::int32_t forever = 0;  // runtime additions without a timeout
    try {
        if (change.scope == provision::FirewallScope::runtime) {
            auto& zone = *session.runtime;
            std::string answer;
            switch (change.kind) {
            case FirewallItem::interface:
                zone.callMethod("changeZoneOfInterface").onInterface(k_zone_interface).withTimeout(t)
                    .withArguments(change.zone, change.item).storeResultsTo(answer);
                break;
            case FirewallItem::masquerade:
                if (change.add)
                    zone.callMethod("addMasquerade").onInterface(k_zone_interface).withTimeout(t)
                        .withArguments(change.zone, forever).storeResultsTo(answer);
                else
                    zone.callMethod("removeMasquerade").onInterface(k_zone_interface).withTimeout(t)
                        .withArguments(change.zone).storeResultsTo(answer);
                break;
            case FirewallItem::service:
                zone.callMethod("addService").onInterface(k_zone_interface).withTimeout(t)
                    .withArguments(change.zone, change.item, forever).storeResultsTo(answer);
                break;
            case FirewallItem::port: {
                const auto [number, protocol] = provision::split_port(change.item);
                zone.callMethod("addPort").onInterface(k_zone_interface).withTimeout(t)
                    .withArguments(change.zone, number, protocol, forever).storeResultsTo(answer);
                break;
            }
            }
            return std::monostate{};
        }
        // Permanent: the zone objects write /etc/firewalld/zones/<zone>.xml; an interface is in one zone only, so
        // it leaves its previous one first.
        const auto send = [&](sdbus::IProxy& object, const char* method, const auto&... arguments) {
            auto message = object.createMethodCall(k_config_zone_interface, method);
            if constexpr (sizeof...(arguments) > 0) (message << ... << arguments);
            object.callMethod(message, t);
        };
        if (change.kind == FirewallItem::interface && !change.previous.empty()) {
            auto previous = session.zone_object(change.previous, m_call_timeout);
            try {
                send(*previous, "removeInterface", change.item);
            } catch (const sdbus::Error& e) {
                if (!already_so(e)) throw;
            }
        }
        auto object = session.zone_object(change.zone, m_call_timeout);
        switch (change.kind) {
        case FirewallItem::interface: send(*object, "addInterface", change.item); break;
        case FirewallItem::masquerade: send(*object, change.add ? "addMasquerade" : "removeMasquerade"); break;
        case FirewallItem::service: send(*object, "addService", change.item); break;
        case FirewallItem::port: {
            const auto [number, protocol] = provision::split_port(change.item);
            send(*object, "addPort", number, protocol);
            break;
        }
        }
    } catch (const sdbus::Error& e) {
        if (already_so(e)) return std::monostate{};
        return common::make_error(provision::describe(change) + ": " + describe(e));
    }
    return std::monostate{};
}

}  // namespace host::dbus
