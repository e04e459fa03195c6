#include "host/dbus/systemd_units.h"

#include <sdbus-c++/sdbus-c++.h>

#include "common/text.h"
#include "host/dbus/system_bus.h"
#include "host/dbus/systemd_names.h"

namespace host::dbus {
namespace {
constexpr const char* k_unit_interface = "org.freedesktop.systemd1.Unit";

// name, description, load state, active state, sub state, following, unit path, job id, job type, job path
using LoadedUnit = sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                                 sdbus::ObjectPath, std::uint32_t, std::string, sdbus::ObjectPath>;
}  // namespace

std::map<std::string, checks::UnitState> read_unit_states(sdbus::IProxy& manager, const std::vector<std::string>& units,
                                                          const std::vector<std::string>& if_loaded,
                                                          std::chrono::milliseconds timeout, std::string& asking) {
    std::vector<std::string> names = units;
    names.insert(names.end(), if_loaded.begin(), if_loaded.end());
    std::map<std::string, checks::UnitState> states;
    if (names.empty()) return states;  // no patterns would list every unit
    // What systemd holds in memory, in one call (unit names are patterns without wildcards here). Not
    // ListUnitFilesByPatterns: that reads every unit directory on each call. An alias is not listed (systemd
    // lists a unit by its own name), so it is asked for below like a unit not in memory.
    asking = "listing units " + common::join(names, " ");
    std::vector<LoadedUnit> loaded;
    manager.callMethod("ListUnitsByPatterns")
        .onInterface(k_manager_interface)
        .withTimeout(timeout)
        .withArguments(std::vector<std::string>{}, names)
        .storeResultsTo(loaded);
    for (const auto& entry : loaded) {
        // A "not-found" unit systemd holds may be stale: its file may have come since (no daemon-reload yet).
        // LoadUnit below looks again; one of `if_loaded` is not wanted then.
        if (entry.get<2>() == "not-found") continue;
        asking = "the unit file state of " + entry.get<0>();
        auto unit = sdbus::createProxy(manager.getConnection(), k_systemd, entry.get<6>());
        states[entry.get<0>()] = checks::UnitState{
            entry.get<2>(), entry.get<3>(), get_string_property(*unit, k_unit_interface, "UnitFileState", timeout)};
    }
    for (const auto& name : units) {
        if (states.count(name)) continue;
        // LoadUnit (unlike GetUnit) answers for units that are not loaded yet, with LoadState "not-found" for
        // units that do not exist.
        asking = "loading " + name;
        sdbus::ObjectPath path;
        manager.callMethod("LoadUnit").onInterface(k_manager_interface).withTimeout(timeout).withArguments(name)
            .storeResultsTo(path);
        auto unit = sdbus::createProxy(manager.getConnection(), k_systemd, path);
        checks::UnitState state;
        state.load_state = get_string_property(*unit, k_unit_interface, "LoadState", timeout);
        if (state.load_state == "not-found") {
            state.active_state = "inactive";  // what systemd says of a unit that does not exist
        } else {
            state.active_state = get_string_property(*unit, k_unit_interface, "ActiveState", timeout);
            state.unit_file_state = get_string_property(*unit, k_unit_interface, "UnitFileState", timeout);
        }
        states[name] = state;
    }
    return states;
}

checks::Fact<checks::SystemdFacts> SystemdUnits::unit_states(const std::vector<std::string>& units) {
    auto bus = open_system_bus();
    if (!bus) return checks::Unavailable{bus.error().message};
    try {
        if (!name_has_owner(*bus.value(), k_systemd, m_timeout))
            return checks::Unavailable{"systemd is not on the system bus (not booted with systemd)"};
        auto manager = sdbus::createProxy(*bus.value(), k_systemd, k_manager_path);
        std::string asking;
        checks::SystemdFacts facts;
        facts.units = read_unit_states(*manager, units, {}, m_timeout, asking);
        return facts;
    } catch (const sdbus::Error& e) {
        return checks::ReadError{"asking systemd over D-Bus: " + e.getName() + ": " + e.getMessage()};
    }
}

}  // namespace host::dbus
