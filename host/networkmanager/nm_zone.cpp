#include "host/networkmanager/nm_zone.h"

#include <sdbus-c++/sdbus-c++.h>

#include <map>

#include "host/dbus/system_bus.h"
#include "host/networkmanager/nm_client.h"
#include "host/networkmanager/nm_names.h"

namespace host::networkmanager {
namespace {

constexpr const char* k_unknown_device = "org.freedesktop.NetworkManager.UnknownDevice";

using Settings = std::map<std::string, std::map<std::string, sdbus::Variant>>;

sdbus::Variant get_property(sdbus::IConnection& bus, const std::string& path, const std::string& interface,
                            const std::string& name, std::chrono::milliseconds timeout) {
    auto proxy = sdbus::createProxy(bus, k_service, path);
    sdbus::Variant value;
    proxy->callMethod("Get")
        .onInterface("org.freedesktop.DBus.Properties")
        .withTimeout(timeout)
        .withArguments(interface, name)
        .storeResultsTo(value);
    return value;
}

Settings get_settings(sdbus::IProxy& connection, std::chrono::milliseconds timeout) {
    Settings settings;
    connection.callMethod("GetSettings").onInterface(k_connection_interface).withTimeout(timeout).storeResultsTo(settings);
    return settings;
}

std::string string_setting(const Settings& settings, const std::string& group, const std::string& key) {
    const auto section = settings.find(group);
    if (section == settings.end()) return "";
    const auto value = section->second.find(key);
    if (value == section->second.end()) return "";
    try {
        return value->second.get<std::string>();
    } catch (const sdbus::Error&) {
        return "";
    }
}

// The profile active on `interface` that NetworkManager saved, or nullopt.
std::optional<provision::ConnectionOwner> owner_of(sdbus::IConnection& bus, sdbus::IProxy& manager,
                                                   const std::string& interface, std::chrono::milliseconds timeout) {
    sdbus::ObjectPath device;
    try {
        manager.callMethod("GetDeviceByIpIface").onInterface(k_manager_interface).withTimeout(timeout)
            .withArguments(interface).storeResultsTo(device);
    } catch (const sdbus::Error& e) {
        if (e.getName() == k_unknown_device) return std::nullopt;
        throw;
    }
    const auto active = get_property(bus, device, k_device_interface, "ActiveConnection", timeout).get<sdbus::ObjectPath>();
    if (active.empty() || active == "/") return std::nullopt;
    sdbus::ObjectPath path;
    try {
        path = get_property(bus, active, k_active_interface, "Connection", timeout).get<sdbus::ObjectPath>();
    } catch (const sdbus::Error&) {
        return std::nullopt;  // deactivated between the two calls
    }
    if (path.empty() || path == "/") return std::nullopt;
    try {
        // A generated or in-memory profile's zone is not saved anywhere: nothing to keep in step.
        if (get_property(bus, path, k_connection_interface, "Flags", timeout).get<std::uint32_t>() & k_generated_flags)
            return std::nullopt;
    } catch (const sdbus::Error&) {
        // NetworkManager before 1.12 has no Flags: every profile is a saved one.
    }
    auto connection = sdbus::createProxy(bus, k_service, path);
    const auto settings = get_settings(*connection, timeout);
    return provision::ConnectionOwner{string_setting(settings, "connection", "id"), path,
                                      string_setting(settings, "connection", "zone")};
}

}  // namespace

common::Result<provision::ConnectionOwners> NmConnectionZones::owners(const std::vector<std::string>& interfaces) {
    provision::ConnectionOwners owners;
    auto bus = host::dbus::open_system_bus();
    if (!bus) {
        owners.not_asked = bus.error().message;
        return owners;
    }
    if (auto why = why_not_ask(*bus.value(), m_timeout)) {
        owners.not_asked = *why;
        return owners;
    }
    std::string asking;
    try {
        auto manager = sdbus::createProxy(*bus.value(), k_service, k_manager_path);
        for (const auto& interface : interfaces) {
            asking = " about " + interface;
            if (auto owner = owner_of(*bus.value(), *manager, interface, m_timeout))
                owners.by_interface[interface] = std::move(*owner);
        }
    } catch (const sdbus::Error& e) {
        return common::make_error("asking NetworkManager" + asking + ": " + dbus::error_text(e));
    }
    return owners;
}

common::Result<std::monostate> NmConnectionZones::set_zone(const provision::ConnectionOwner& connection,
                                                           const std::string& zone) {
    const std::string what = "setting connection.zone of NetworkManager profile \"" + connection.id + "\" to " + zone;
    auto bus = host::dbus::open_system_bus();
    if (!bus) return common::make_error(what + ": " + bus.error().message);
    try {
        auto proxy = sdbus::createProxy(*bus.value(), k_service, connection.path);
        auto settings = get_settings(*proxy, m_timeout);
        settings["connection"]["zone"] = sdbus::Variant(zone);
        // GetSettings also returns the deprecated forms of addresses and routes, and NetworkManager ignores the new
        // ones (address-data, gateway, route-data) when the old ones are sent: send only the new ones.
        for (const char* family : {"ipv4", "ipv6"}) {
            const auto found = settings.find(family);
            if (found == settings.end()) continue;
            if (found->second.count("address-data")) found->second.erase("addresses");
            if (found->second.count("route-data")) found->second.erase("routes");
        }
        // Update saves the profile to disk. Secrets are not part of GetSettings; NetworkManager keeps the stored
        // ones when an update carries none.
        proxy->callMethod("Update").onInterface(k_connection_interface).withTimeout(m_timeout).withArguments(settings);
    } catch (const sdbus::Error& e) {
        return common::make_error(what + ": " + dbus::error_text(e));
    }
    return std::monostate{};
}

}  // namespace host::networkmanager
