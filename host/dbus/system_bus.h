#pragma once
// Shared by the D-Bus adapters: open the system bus, and calls bounded by a timeout.
#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/result.h"

namespace host::dbus {

// The system bus, or why it cannot be reached (no socket: no D-Bus on this host, or a container).
common::Result<std::unique_ptr<sdbus::IConnection>> open_system_bus();

// A failed call as the reports show it: the error's D-Bus name, then its message.
inline std::string error_text(const sdbus::Error& e) { return e.getName() + ": " + e.getMessage(); }

// org.freedesktop.DBus.NameHasOwner: asks without activating the service, so a read-only check never
// starts a daemon through D-Bus activation.
bool name_has_owner(sdbus::IConnection& bus, const std::string& name, std::chrono::milliseconds timeout);

// Whether a call failed because its answer did not come in time: sd-bus names that NoReply, Timeout, TimedOut or
// System.Error.ETIMEDOUT. A daemon busy starting gives them, one that is down or refuses does not; the call may
// still be carried out after we stopped waiting. A daemon that exits with the call pending never answers it: the
// bus says NoReply then too, "disconnected" in its message (dbus-daemon: "Message recipient disconnected from
// message bus without replying"; dbus-broker: "Remote peer disconnected"), and that is no overrun.
inline bool is_overrun(const sdbus::Error& e) {
    const auto& name = e.getName();
    if (name == "org.freedesktop.DBus.Error.NoReply") return e.getMessage().find("disconnected") == std::string::npos;
    for (const char* overrun : {"org.freedesktop.DBus.Error.Timeout", "org.freedesktop.DBus.Error.TimedOut",
                                "System.Error.ETIMEDOUT"})
        if (name == overrun) return true;
    return false;
}

// org.freedesktop.DBus.Properties.Get of one property: a poll or a read asks for what it needs only.
template <typename T>
T get_property(sdbus::IProxy& proxy, const std::string& interface, const std::string& property,
               std::chrono::milliseconds timeout) {
    sdbus::Variant value;
    proxy.callMethod("Get")
        .onInterface("org.freedesktop.DBus.Properties")
        .withTimeout(timeout)
        .withArguments(interface, property)
        .storeResultsTo(value);
    return value.get<T>();
}

inline std::string get_string_property(sdbus::IProxy& proxy, const std::string& interface,
                                       const std::string& property, std::chrono::milliseconds timeout) {
    return get_property<std::string>(proxy, interface, property, timeout);
}

}  // namespace host::dbus
