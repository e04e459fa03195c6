#include "host/dbus/system_bus.h"

namespace host::dbus {

common::Result<std::unique_ptr<sdbus::IConnection>> open_system_bus() {
    try {
        return sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        return common::make_error("cannot connect to the system D-Bus: " + e.getMessage());
    }
}

bool name_has_owner(sdbus::IConnection& bus, const std::string& name, std::chrono::milliseconds timeout) {
    auto proxy = sdbus::createProxy(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    bool owned = false;
    proxy->callMethod("NameHasOwner")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(timeout)
        .withArguments(name)
        .storeResultsTo(owned);
    return owned;
}

}  // namespace host::dbus
