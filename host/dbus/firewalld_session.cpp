#include "host/dbus/firewalld_session.h"

#include "host/dbus/system_bus.h"

namespace host::dbus::firewalld {
namespace {

template <typename T>
T value_of(const ZoneSettings& settings, const char* key) {
    const auto found = settings.find(key);
    if (found == settings.end()) return T{};
    return found->second.get<T>();
}

}  // namespace

bool has_code(const sdbus::Error& e, const char* code) { return e.getMessage().rfind(code, 0) == 0; }

std::unique_ptr<sdbus::IProxy> Session::zone_object(const std::string& zone, std::chrono::milliseconds timeout) {
    sdbus::ObjectPath path;
    try {
        config->callMethod("getZoneByName").onInterface(k_config_interface).withTimeout(timeout).withArguments(zone)
            .storeResultsTo(path);
    } catch (const sdbus::Error& e) {
        if (has_code(e, "INVALID_ZONE")) return nullptr;
        throw;
    }
    return sdbus::createProxy(*bus, k_service, path);
}

std::optional<ZoneSettings> Session::runtime_settings(const std::string& zone, std::chrono::milliseconds timeout) {
    ZoneSettings settings;
    try {
        runtime->callMethod("getZoneSettings2").onInterface(k_zone_interface).withTimeout(timeout).withArguments(zone)
            .storeResultsTo(settings);
    } catch (const sdbus::Error& e) {
        if (has_code(e, "INVALID_ZONE")) return std::nullopt;
        throw;
    }
    return settings;
}

std::optional<ZoneSettings> Session::permanent_settings(const std::string& zone, std::chrono::milliseconds timeout) {
    auto object = zone_object(zone, timeout);
    if (!object) return std::nullopt;
    return settings_of(*object, timeout);
}

ZoneSettings Session::settings_of(sdbus::IProxy& zone_object, std::chrono::milliseconds timeout) {
    ZoneSettings settings;
    zone_object.callMethod("getSettings2").onInterface(k_config_zone_interface).withTimeout(timeout)
        .storeResultsTo(settings);
    return settings;
}

common::Result<Session> open_session(std::chrono::milliseconds timeout) {
    auto bus = open_system_bus();
    if (!bus) return bus.error();
    Session session;
    session.bus = std::move(bus).value();
    try {
        if (!name_has_owner(*session.bus, k_service, timeout))
            return common::make_error(std::string("firewalld is not running (") + k_service +
                                      " has no owner on the system bus)");
    } catch (const sdbus::Error& e) {
        return common::make_error("asking the system bus for firewalld: " + e.getName() + ": " + e.getMessage());
    }
    session.runtime = sdbus::createProxy(*session.bus, k_service, k_path);
    session.config = sdbus::createProxy(*session.bus, k_service, k_config_path);
    return session;
}

checks::FirewallZoneConfig zone_config(const std::optional<ZoneSettings>& settings) {
    checks::FirewallZoneConfig config;
    if (!settings) return config;
    config.exists = true;
    config.masquerade = value_of<bool>(*settings, "masquerade");
    for (auto& name : value_of<std::vector<std::string>>(*settings, "interfaces")) config.interfaces.insert(name);
    for (auto& name : value_of<std::vector<std::string>>(*settings, "services")) config.services.insert(name);
    for (const auto& port : value_of<Ports>(*settings, "ports"))
        config.ports.insert(port.get<0>() + "/" + port.get<1>());
    return config;
}

}  // namespace host::dbus::firewalld
