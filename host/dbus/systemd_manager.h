#pragma once
// The write side of systemd's D-Bus API (org.freedesktop.systemd1.Manager) for the provisioning steps: the
// units a step names in one ListUnitsByPatterns call plus each one's cached UnitFileState (a no-op apply must
// stay fast), EnableUnitFiles/DisableUnitFiles followed by Reload, and StartUnit/StopUnit waiting for the job's
// JobRemoved signal (subscribed to before the first job only). The read side used by the doctor is SystemdUnits
// (systemd_units.h), which observes units the same way.
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "provision/libvirt_plan.h"

namespace sdbus {
class IProxy;
}

namespace host::dbus {

class SystemdManager final : public provision::DaemonControl {
public:
    // `call_timeout` bounds each call; `job_timeout` the wait for a start or stop job to end and for Reload
    // (systemd itself gives up on a start after the unit's TimeoutStartSec, 90 s by default).
    SystemdManager(std::chrono::milliseconds call_timeout, std::chrono::milliseconds job_timeout);
    ~SystemdManager() override;
    SystemdManager(const SystemdManager&) = delete;
    SystemdManager& operator=(const SystemdManager&) = delete;

    common::Result<provision::UnitStates> observe(const std::vector<std::string>& units,
                                                  const std::vector<std::string>& if_loaded) override;
    common::Result<std::monostate> enable(const std::vector<std::string>& units) override;
    common::Result<std::monostate> disable(const std::vector<std::string>& units) override;
    common::Result<std::monostate> start(const std::string& unit) override;
    common::Result<std::monostate> stop(const std::string& unit) override;

private:
    // Connects on first use: systemd must own its bus name; signals are dispatched by the proxy's own thread.
    common::Result<std::monostate> connect();
    common::Result<std::monostate> run_job(const std::string& method, const std::string& unit, const std::string& doing);
    common::Result<std::monostate> reload(const std::string& after);

    std::chrono::milliseconds m_call_timeout;
    std::chrono::milliseconds m_job_timeout;
    // JobRemoved results by job path; filled by the bus thread, taken by run_job. Declared before the proxy so
    // the proxy (and its thread) goes first.
    std::mutex m_mutex;
    std::condition_variable m_job_removed;
    std::map<std::string, std::string> m_job_results;
    std::unique_ptr<sdbus::IProxy> m_manager;
    bool m_subscribed = false;  // to systemd's signals: before the first job
};

}  // namespace host::dbus
