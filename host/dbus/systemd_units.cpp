#include "host/dbus/systemd_units.h"

#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {
constexpr const char* k_systemd = "org.freedesktop.systemd1";
constexpr const char* k_manager_interface = "org.freedesktop.systemd1.Manager";
constexpr const char* k_unit_interface = "org.freedesktop.systemd1.Unit";
}  // namespace

checks::Fact<checks::SystemdFacts> SystemdUnits::unit_states(const std::vector<std::string>& units) {
    auto bus = open_system_bus();
    if (!bus) return checks::Unavailable{bus.error().message};
    try {
        if (!name_has_owner(*bus.value(), k_systemd, m_timeout))
            return checks::Unavailable{"systemd is not on the system bus (not booted with systemd)"};
        auto manager = sdbus::createProxy(*bus.value(), k_systemd, "/org/freedesktop/systemd1");
        checks::SystemdFacts facts;
        for (const auto& name : units) {
            // LoadUnit (unlike GetUnit) answers for units that are not loaded yet, with LoadState "not-found"
            // for units that do not exist.
            sdbus::ObjectPath path;
            manager->callMethod("LoadUnit")
                .onInterface(k_manager_interface)
                .withTimeout(m_timeout)
                .withArguments(name)
                .storeResultsTo(path);
            auto unit = sdbus::createProxy(*bus.value(), k_systemd, path);
            checks::UnitState state;
            state.load_state = get_string_property(*unit, k_unit_interface, "LoadState", m_timeout);
            state.active_state = get_string_property(*unit, k_unit_interface, "ActiveState", m_timeout);
            state.unit_file_state = get_string_property(*unit, k_unit_interface, "UnitFileState", m_timeout);
            facts.units[name] = state;
        }
        return facts;
    } catch (const sdbus::Error& e) {
        return checks::ReadError{"asking systemd over D-Bus: " + e.getName() + ": " + e.getMessage()};
    }
}

}  // namespace host::dbus
