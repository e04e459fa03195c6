#include "host/dbus/firewalld_config.h"

#include <algorithm>

#include "common/text.h"
#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {

using firewalld::k_config_interface;
using firewalld::k_config_zone_interface;
using firewalld::k_service;
using firewalld::k_zone_interface;
using firewalld::Ports;
using firewalld::ZoneSettings;
using provision::FirewallChange;
using provision::FirewallItem;

// firewalld's answer when what we ask for is already so (someone else did it since we looked): not a failure.
bool already_so(const sdbus::Error& e) {
    for (const char* code : {"ALREADY_ENABLED", "ZONE_ALREADY_SET", "NOT_ENABLED"})
        if (firewalld::has_code(e, code)) return true;
    return false;
}

// The lists a settings update carries replace the zone's whole list: what the zone has, plus what the batch adds.
std::vector<std::string> with_added(const std::set<std::string>& has, const std::vector<std::string>& added) {
    std::vector<std::string> names(has.begin(), has.end());
    for (const auto& name : added)
        if (!has.count(name)) names.push_back(name);
    return names;
}

Ports ports_with_added(const std::set<std::string>& has, const std::vector<std::string>& added) {
    Ports ports;
    for (const auto& port : with_added(has, added)) {
        const auto [number, protocol] = provision::split_port(port);
        ports.emplace_back(number, protocol);
    }
    return ports;
}

// What a batch asks of the zone's settings, beside the interfaces it moves.
struct SettingsUpdate {
    std::optional<bool> masquerade;
    std::vector<std::string> interfaces, services, ports;

    explicit SettingsUpdate(const std::vector<FirewallChange>& batch) {
        for (const auto& change : batch) {
            switch (change.kind) {
            case FirewallItem::interface: interfaces.push_back(change.item); break;
            case FirewallItem::masquerade: masquerade = change.add; break;
            case FirewallItem::service: services.push_back(change.item); break;
            case FirewallItem::port: ports.push_back(change.item); break;
            }
        }
    }
    bool needs_lists() const { return !interfaces.empty() || !services.empty() || !ports.empty(); }

    // `with_interfaces`: the permanent configuration takes interfaces in its settings; at runtime they move
    // by changeZoneOfInterface, which takes them out of their previous zone.
    ZoneSettings settings(const checks::FirewallZoneConfig& now, bool with_interfaces) const {
        ZoneSettings update;
        if (masquerade) update["masquerade"] = sdbus::Variant(*masquerade);
        if (with_interfaces && !interfaces.empty())
            update["interfaces"] = sdbus::Variant(with_added(now.interfaces, interfaces));
        if (!services.empty()) update["services"] = sdbus::Variant(with_added(now.services, services));
        if (!ports.empty()) update["ports"] = sdbus::Variant(ports_with_added(now.ports, ports));
        return update;
    }
};

// The profile zone's view of one configuration: of what the profile names, what the zone has.
provision::ZoneObservation observation_of(const checks::FirewallZoneConfig& config, const profile::FirewallZone& zone) {
    provision::ZoneObservation observed;
    observed.exists = config.exists;
    observed.masquerade = config.masquerade;
    for (const auto& service : zone.services)
        if (config.services.count(service)) observed.services.insert(service);
    for (const auto& port : zone.ports)
        if (config.ports.count(port)) observed.ports.insert(port);
    return observed;
}

}  // namespace

common::Result<firewalld::Session*> FirewalldConfig::session() {
    if (m_session) return &*m_session;
    auto opened = firewalld::open_session(m_call_timeout);
    if (!opened) return common::make_error(opened.error().message + ": systemctl enable --now firewalld");
    try {
        const auto state = get_string_property(*opened->runtime, k_service, "state", m_call_timeout);
        if (state != "RUNNING") return common::make_error("firewalld is in state " + state + ", not RUNNING");
        // What the doctor's firewall.running reads too (the step never changes the default zone).
        checks::FirewallFacts status{true, state, "", "", false};
        opened->runtime->callMethod("getDefaultZone").onInterface(k_service).withTimeout(m_call_timeout)
            .storeResultsTo(status.default_zone);
        m_status_read = std::move(status);
    } catch (const sdbus::Error& e) {
        return common::make_error("asking firewalld: " + error_text(e));
    }
    m_session = std::move(opened).value();
    return &*m_session;
}

common::Result<provision::FirewallObservation> FirewalldConfig::observe(const profile::FirewallSection& section) {
    auto opened = session();
    if (!opened) return opened.error();
    firewalld::Session& firewalld = *opened.value();
    provision::FirewallObservation observed;
    m_zones_read.clear();
    std::map<std::string, checks::FirewallZoneFacts> zones_read;
    const auto t = m_call_timeout;
    std::string asking;
    try {
        // Each zone whole, in one call per configuration; an interface the zone lists needs no question of its own.
        for (const auto& zone : section.zones) {
            asking = "runtime zone " + zone.name;
            const auto runtime = firewalld::zone_config(firewalld.runtime_settings(zone.name, t));
            asking = "permanent zone " + zone.name;
            const auto permanent = firewalld::zone_config(firewalld.permanent_settings(zone.name, t));
            observed.runtime.zones[zone.name] = observation_of(runtime, zone);
            observed.permanent.zones[zone.name] = observation_of(permanent, zone);
            zones_read[zone.name] = checks::FirewallZoneFacts{zone.name, runtime, permanent};
            for (const auto& name : zone.interfaces) {
                if (runtime.interfaces.count(name)) observed.runtime.zone_of_interface[name] = zone.name;
                if (permanent.interfaces.count(name)) observed.permanent.zone_of_interface[name] = zone.name;
            }
        }
        for (const auto& name : provision::section_interfaces(section)) {
            asking = "the zone of interface " + name;
            if (!observed.runtime.zone_of_interface.count(name)) {
                std::string zone;
                firewalld.runtime->callMethod("getZoneOfInterface").onInterface(k_zone_interface).withTimeout(t)
                    .withArguments(name).storeResultsTo(zone);
                observed.runtime.zone_of_interface[name] = zone;
            }
            if (!observed.permanent.zone_of_interface.count(name)) {
                std::string zone;
                firewalld.config->callMethod("getZoneOfInterface").onInterface(k_config_interface).withTimeout(t)
                    .withArguments(name).storeResultsTo(zone);
                observed.permanent.zone_of_interface[name] = zone;
            }
        }
    } catch (const sdbus::Error& e) {
        return common::make_error("asking firewalld for " + asking + ": " + error_text(e));
    }
    m_zones_read = std::move(zones_read);
    return observed;
}

common::Result<std::monostate> FirewalldConfig::apply(const std::vector<FirewallChange>& batch) {
    if (batch.empty()) return std::monostate{};
    const auto what = common::join(provision::describe(batch), "; ");
    const auto& first = batch.front();
    for (const auto& change : batch)
        if (change.scope != first.scope || change.zone != first.zone || change.scope == provision::FirewallScope::connection)
            return common::make_error(what + ": not one firewalld configuration of one zone");
    auto opened = session();
    if (!opened) return common::make_error(what + ": " + opened.error().message);
    firewalld::Session& firewalld = *opened.value();
    const auto t = m_change_timeout;
    const SettingsUpdate wanted(batch);
    m_zones_read.clear();  // changed from here, even when a call fails half-way
    try {
        if (first.scope == provision::FirewallScope::runtime) {
            for (const auto& name : wanted.interfaces) {
                std::string answer;
                try {
                    firewalld.runtime->callMethod("changeZoneOfInterface").onInterface(k_zone_interface).withTimeout(t)
                        .withArguments(first.zone, name).storeResultsTo(answer);
                } catch (const sdbus::Error& e) {
                    if (!already_so(e)) throw;
                }
            }
            const auto now = wanted.needs_lists() ? firewalld::zone_config(firewalld.runtime_settings(first.zone, t))
                                                  : checks::FirewallZoneConfig{};
            const auto update = wanted.settings(now, false);
            if (!update.empty())
                firewalld.runtime->callMethod("setZoneSettings2").onInterface(k_zone_interface).withTimeout(t)
                    .withArguments(first.zone, update);
            return std::monostate{};
        }
        // Permanent: the zone object writes /etc/firewalld/zones/<zone>.xml once for the whole batch. An interface is
        // in one zone only, so it leaves its previous one first.
        for (const auto& change : batch) {
            if (change.kind != FirewallItem::interface || change.previous.empty()) continue;
            if (auto previous = firewalld.zone_object(change.previous, m_call_timeout)) {
                try {
                    previous->callMethod("removeInterface").onInterface(k_config_zone_interface).withTimeout(t)
                        .withArguments(change.item);
                } catch (const sdbus::Error& e) {
                    if (!already_so(e)) throw;
                }
            }
        }
        auto object = firewalld.zone_object(first.zone, m_call_timeout);
        if (!object) return common::make_error(what + ": firewalld's permanent configuration has no zone " + first.zone);
        checks::FirewallZoneConfig now;
        if (wanted.needs_lists()) {
            now = firewalld::zone_config(firewalld.settings_of(*object, m_call_timeout));
        }
        object->callMethod("update2").onInterface(k_config_zone_interface).withTimeout(t)
            .withArguments(wanted.settings(now, true));
    } catch (const sdbus::Error& e) {
        return common::make_error(what + ": " + error_text(e));
    }
    return std::monostate{};
}

}  // namespace host::dbus
