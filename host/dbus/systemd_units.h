#pragma once
// ServiceManager over systemd's D-Bus API (org.freedesktop.systemd1), and the unit observation the provisioning
// steps' SystemdManager (systemd_manager.h) shares with it.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "host/live_services.h"

namespace sdbus {
class IProxy;
}

namespace host::dbus {

class SystemdUnits : public ServiceManager {
public:
    explicit SystemdUnits(std::chrono::milliseconds timeout) : m_timeout(timeout) {}
    checks::Fact<checks::SystemdFacts> unit_states(const std::vector<std::string>& units) override;

private:
    std::chrono::milliseconds m_timeout;
};

// The states of `units` and of those of `if_loaded` systemd holds in memory, asked through `manager` (the
// /org/freedesktop/systemd1 object). What systemd holds comes in one ListUnitsByPatterns call, plus each found
// unit's UnitFileState (cached by systemd until its next reload); a unit of `units` it does not hold, or holds
// as "not-found", is loaded (LoadUnit: systemd looks for its file again) and asked for its states. A unit of
// `units` that does not exist is "not-found"; one of `if_loaded` is left out. Throws sdbus::Error; `asking` then
// says what was being asked.
std::map<std::string, checks::UnitState> read_unit_states(sdbus::IProxy& manager, const std::vector<std::string>& units,
                                                          const std::vector<std::string>& if_loaded,
                                                          std::chrono::milliseconds timeout, std::string& asking);

}  // namespace host::dbus
