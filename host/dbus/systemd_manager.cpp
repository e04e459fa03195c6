#include "host/dbus/systemd_manager.h"

#include <sdbus-c++/sdbus-c++.h>

#include "common/text.h"
#include "host/dbus/system_bus.h"

namespace host::dbus {
namespace {

constexpr const char* k_systemd = "org.freedesktop.systemd1";
constexpr const char* k_manager_path = "/org/freedesktop/systemd1";
constexpr const char* k_manager_interface = "org.freedesktop.systemd1.Manager";
constexpr const char* k_unit_interface = "org.freedesktop.systemd1.Unit";

// name, description, load state, active state, sub state, following, unit path, job id, job type, job path
using LoadedUnit = sdbus::Struct<std::string, std::string, std::string, std::string, std::string, std::string,
                                 sdbus::ObjectPath, std::uint32_t, std::string, sdbus::ObjectPath>;
using FileChange = sdbus::Struct<std::string, std::string, std::string>;  // type, file, destination

std::string describe(const sdbus::Error& e) { return e.getName() + ": " + e.getMessage(); }

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
        // systemd sends job signals only while some client has subscribed.
        manager->callMethod(manager->createMethodCall(k_manager_interface, "Subscribe"), m_call_timeout);
        m_manager = std::move(manager);
    } catch (const sdbus::Error& e) {
        return common::make_error("connecting to systemd: " + describe(e));
    }
    return std::monostate{};
}

common::Result<provision::UnitStates> SystemdManager::observe(const std::vector<std::string>& units,
                                                              const std::vector<std::string>& if_loaded) {
    if (auto connected = connect(); !connected) return connected.error();
    std::vector<std::string> names = units;
    names.insert(names.end(), if_loaded.begin(), if_loaded.end());
    provision::UnitStates states;
    std::string asking = "listing units " + common::join(names, " ");
    try {
        // What systemd holds in memory, in one call (unit names are patterns without wildcards here). Not
        // ListUnitFilesByPatterns: that reads every unit directory on each call.
        std::vector<LoadedUnit> loaded;
        m_manager->callMethod("ListUnitsByPatterns")
            .onInterface(k_manager_interface)
            .withTimeout(m_call_timeout)
            .withArguments(std::vector<std::string>{}, names)
            .storeResultsTo(loaded);
        for (const auto& entry : loaded) {
            if (entry.get<2>() == "not-found") continue;
            auto unit = sdbus::createProxy(m_manager->getConnection(), k_systemd, entry.get<6>());
            asking = "the unit file state of " + entry.get<0>();
            // Cached by systemd for a loaded unit until its next reload.
            states[entry.get<0>()] = checks::UnitState{
                entry.get<2>(), entry.get<3>(), get_string_property(*unit, k_unit_interface, "UnitFileState", m_call_timeout)};
        }
        for (const auto& name : units) {
            if (states.count(name)) continue;
            asking = "loading " + name;
            sdbus::ObjectPath path;
            m_manager->callMethod("LoadUnit")
                .onInterface(k_manager_interface)
                .withTimeout(m_call_timeout)
                .withArguments(name)
                .storeResultsTo(path);
            auto unit = sdbus::createProxy(m_manager->getConnection(), k_systemd, path);
            checks::UnitState state;
            state.load_state = get_string_property(*unit, k_unit_interface, "LoadState", m_call_timeout);
            if (state.load_state == "not-found") continue;
            state.active_state = get_string_property(*unit, k_unit_interface, "ActiveState", m_call_timeout);
            state.unit_file_state = get_string_property(*unit, k_unit_interface, "UnitFileState", m_call_timeout);
            states[name] = state;
        }
    } catch (const sdbus::Error& e) {
        return common::make_error(asking + ": " + describe(e));
    }
    return states;
}

common::Result<std::monostate> SystemdManager::reload(const std::string& after) {
    try {
        // Reload returns when systemd has read every unit file again: it can take longer than a query.
        m_manager->callMethod(m_manager->createMethodCall(k_manager_interface, "Reload"), m_job_timeout);
    } catch (const sdbus::Error& e) {
        return common::make_error("reloading systemd after " + after + ": " + describe(e));
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
        return common::make_error(what + ": " + describe(e));
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
        return common::make_error(what + ": " + describe(e));
    }
    return reload(what);
}

common::Result<std::monostate> SystemdManager::run_job(const std::string& method, const std::string& unit,
                                                       const std::string& doing) {
    if (auto connected = connect(); !connected) return connected.error();
    std::string job;
    try {
        sdbus::ObjectPath path;
        m_manager->callMethod(method)
            .onInterface(k_manager_interface)
            .withTimeout(m_call_timeout)
            .withArguments(unit, std::string("replace"))
            .storeResultsTo(path);
        job = path;
    } catch (const sdbus::Error& e) {
        return common::make_error(doing + " " + unit + ": " + describe(e));
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
