#include "host/dbus/systemd_manager.h"

#include <sdbus-c++/sdbus-c++.h>

#include "common/text.h"
#include "host/dbus/system_bus.h"
#include "host/dbus/systemd_names.h"
#include "host/dbus/systemd_units.h"

namespace host::dbus {
namespace {

using FileChange = sdbus::Struct<std::string, std::string, std::string>;  // type, file, destination

std::string seconds(std::chrono::milliseconds timeout) {
    return std::to_string((timeout.count() + 999) / 1000) + " s";
}

}  // namespace

SystemdManager::SystemdManager(std::chrono::milliseconds call_timeout, std::chrono::milliseconds job_timeout)
    : m_call_timeout(call_timeout), m_job_timeout(job_timeout) {}

SystemdManager::~SystemdManager() = default;

common::Result<std::monostate> SystemdManager::connect() {
    if (m_manager) return std::monostate{};
    auto bus = open_system_bus();
    if (!bus) return bus.error();
    try {
        if (!name_has_owner(*bus.value(), k_systemd, m_call_timeout))
            return common::make_error("systemd is not on the system bus (not booted with systemd)");
        // The proxy owns the connection and runs its event loop on a thread of its own, which delivers JobRemoved.
        auto manager = sdbus::createProxy(std::move(bus).value(), k_systemd, k_manager_path);
        manager->uponSignal("JobRemoved")
            .onInterface(k_manager_interface)
            .call([this](std::uint32_t, const sdbus::ObjectPath& job, const std::string&, const std::string& result) {
                std::lock_guard lock(m_mutex);
                m_job_results[job] = result;
                m_job_removed.notify_all();
            });
        manager->finishRegistration();
        m_manager = std::move(manager);
    } catch (const sdbus::Error& e) {
        return common::make_error("connecting to systemd: " + error_text(e));
    }
    return std::monostate{};
}

common::Result<provision::UnitStates> SystemdManager::observe(const std::vector<std::string>& units,
                                                              const std::vector<std::string>& if_loaded) {
    if (auto connected = connect(); !connected) return connected.error();
    std::string asking;
    try {
        provision::UnitStates states;
        for (auto& [name, state] : read_unit_states(*m_manager, units, if_loaded, m_call_timeout, asking))
            if (state.load_state != "not-found") states.emplace(name, std::move(state));
        return states;
    } catch (const sdbus::Error& e) {
        return common::make_error(asking + ": " + error_text(e));
    }
}

common::Result<std::monostate> SystemdManager::reload(const std::string& after) {
    try {
        // Reload returns when systemd has read every unit file again: it can take longer than a query.
        m_manager->callMethod(m_manager->createMethodCall(k_manager_interface, "Reload"), m_job_timeout);
    } catch (const sdbus::Error& e) {
        return common::make_error("reloading systemd after " + after + ": " + error_text(e));
    }
    return std::monostate{};
}

common::Result<std::monostate> SystemdManager::enable(const std::vector<std::string>& units) {
    if (auto connected = connect(); !connected) return connected.error();
    const std::string what = "enabling " + common::join(units, ", ");
    try {
        bool carries_install_info = false;
        std::vector<FileChange> changes;
        m_manager->callMethod("EnableUnitFiles")
            .onInterface(k_manager_interface)
            .withTimeout(m_job_timeout)
            .withArguments(units, false /* runtime */, false /* force */)
            .storeResultsTo(carries_install_info, changes);
    } catch (const sdbus::Error& e) {
        return common::make_error(what + ": " + error_text(e));
    }
    return reload(what);
}

common::Result<std::monostate> SystemdManager::disable(const std::vector<std::string>& units) {
    if (auto connected = connect(); !connected) return connected.error();
    const std::string what = "disabling " + common::join(units, ", ");
    try {
        std::vector<FileChange> changes;
        m_manager->callMethod("DisableUnitFiles")
            .onInterface(k_manager_interface)
            .withTimeout(m_job_timeout)
            .withArguments(units, false /* runtime */)
            .storeResultsTo(changes);
    } catch (const sdbus::Error& e) {
        return common::make_error(what + ": " + error_text(e));
    }
    return reload(what);
}

common::Result<std::monostate> SystemdManager::run_job(const std::string& method, const std::string& unit,
                                                       const std::string& doing) {
    if (auto connected = connect(); !connected) return connected.error();
    std::string job;
    try {
        // systemd sends job signals only while some client has subscribed. Not before a job: once subscribed,
        // systemd sends us every unit's changes, and a plan or a no-op apply starts none.
        if (!m_subscribed) {
            try {
                m_manager->callMethod(m_manager->createMethodCall(k_manager_interface, "Subscribe"), m_call_timeout);
            } catch (const sdbus::Error& e) {
                return common::make_error("subscribing to systemd's job signals before " + doing + " " + unit + ": " +
                                          error_text(e));
            }
            m_subscribed = true;
        }
        sdbus::ObjectPath path;
        m_manager->callMethod(method)
            .onInterface(k_manager_interface)
            .withTimeout(m_call_timeout)
            .withArguments(unit, std::string("replace"))
            .storeResultsTo(path);
        job = path;
    } catch (const sdbus::Error& e) {
        return common::make_error(doing + " " + unit + ": " + error_text(e));
    }
    // The signal may have come before the reply: results are kept by job path, whoever arrives first.
    std::unique_lock lock(m_mutex);
    if (!m_job_removed.wait_for(lock, m_job_timeout, [&] { return m_job_results.count(job) > 0; }))
        return common::make_error(doing + " " + unit + ": its job " + job + " did not end within " +
                                  seconds(m_job_timeout));
    const std::string result = m_job_results[job];
    m_job_results.clear();  // one job at a time: nothing else is waited for
    if (result != "done")
        return common::make_error(doing + " " + unit + ": the job ended with result \"" + result +
                                  "\" (journalctl -u " + unit + ")");
    return std::monostate{};
}

common::Result<std::monostate> SystemdManager::start(const std::string& unit) {
    return run_job("StartUnit", unit, "starting");
}

common::Result<std::monostate> SystemdManager::stop(const std::string& unit) {
    return run_job("StopUnit", unit, "stopping");
}

}  // namespace host::dbus
