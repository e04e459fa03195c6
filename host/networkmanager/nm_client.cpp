#include "host/networkmanager/nm_client.h"

#include <sdbus-c++/sdbus-c++.h>
#include <sys/stat.h>

#include <map>
#include <set>
#include <thread>

#include "host/dbus/system_bus.h"
#include "host/networkmanager/nm_names.h"

namespace host::networkmanager {
namespace {

using host::dbus::get_property;

constexpr const char* k_settings_path = "/org/freedesktop/NetworkManager/Settings";
constexpr const char* k_settings_interface = "org.freedesktop.NetworkManager.Settings";
constexpr const char* k_checkpoint_interface = "org.freedesktop.NetworkManager.Checkpoint";
constexpr const char* k_properties_interface = "org.freedesktop.DBus.Properties";

// NMActiveConnectionState
constexpr std::uint32_t k_activated = 2;

constexpr std::chrono::milliseconds k_poll_interval{200};
// A checkpoint rollback re-activates profiles before it answers.
constexpr std::chrono::milliseconds k_rollback_call_timeout{60000};

std::string state_name(std::uint32_t state) {
    switch (state) {
    case 0: return "unknown";
    case 1: return "activating";
    case 2: return "activated";
    case 3: return "deactivating";
    case 4: return "deactivated";
    }
    return std::to_string(state);
}

std::map<std::string, sdbus::Variant> all_properties(sdbus::IConnection& bus, const std::string& path,
                                                     const std::string& interface, std::chrono::milliseconds timeout) {
    auto proxy = sdbus::createProxy(bus, k_service, path);
    std::map<std::string, sdbus::Variant> properties;
    proxy->callMethod("GetAll")
        .onInterface(k_properties_interface)
        .withTimeout(timeout)
        .withArguments(interface)
        .storeResultsTo(properties);
    return properties;
}

template <typename T>
T property_or(const std::map<std::string, sdbus::Variant>& properties, const std::string& name, T fallback) {
    const auto found = properties.find(name);
    if (found == properties.end()) return fallback;
    try {
        return found->second.get<T>();
    } catch (const sdbus::Error&) {
        return fallback;
    }
}

// The inode of a network namespace, or 0 when it cannot be read (not root: then we cannot tell).
ino_t namespace_inode(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0 ? st.st_ino : 0;
}

// NetworkManager manages the interfaces of PID 1's network namespace only.
std::optional<std::string> in_another_namespace() {
    const auto ours = namespace_inode("/proc/self/ns/net");
    const auto init = namespace_inode("/proc/1/ns/net");
    if (ours != 0 && init != 0 && ours != init)
        return "this runs in a network namespace of its own; NetworkManager manages the host's";
    return std::nullopt;
}

std::optional<std::string> not_on(sdbus::IConnection& bus, std::chrono::milliseconds call_timeout) {
    try {
        // Asking NetworkManager directly would D-Bus-activate it on a host where it is installed but stopped.
        if (!host::dbus::name_has_owner(bus, k_service, call_timeout))
            return std::string(k_service) + " has no owner on the system bus (NetworkManager is not running)";
    } catch (const sdbus::Error& e) {
        return "asking the system bus for NetworkManager: " + dbus::error_text(e);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> why_not_ask(sdbus::IConnection& bus, std::chrono::milliseconds call_timeout) {
    if (auto other = in_another_namespace()) return other;
    return not_on(bus, call_timeout);
}

common::Result<std::unique_ptr<NmClient>> NmClient::connect_if_askable(std::chrono::milliseconds call_timeout) {
    if (auto other = in_another_namespace()) return common::make_error(*other);
    auto bus = host::dbus::open_system_bus();
    if (!bus) return bus.error();
    if (auto why = not_on(*bus.value(), call_timeout)) return common::make_error(*why);
    return std::unique_ptr<NmClient>(new NmClient(std::move(bus.value()), call_timeout));
}

std::optional<std::string> NmClient::why_not_ask() const { return networkmanager::why_not_ask(*m_bus, m_timeout); }

NmClient::NmClient(std::unique_ptr<sdbus::IConnection> bus, std::chrono::milliseconds call_timeout)
    : m_bus(std::move(bus)), m_timeout(call_timeout) {}

NmClient::~NmClient() = default;

common::Result<std::monostate> NmClient::reload(std::chrono::milliseconds timeout) {
    try {
        auto settings = sdbus::createProxy(*m_bus, k_service, k_settings_path);
        bool status = false;
        settings->callMethod("ReloadConnections")
            .onInterface(k_settings_interface)
            .withTimeout(timeout)
            .storeResultsTo(status);
        if (!status) return common::make_error("NetworkManager could not reload its connection files");
    } catch (const sdbus::Error& e) {
        return common::make_error("asking NetworkManager to reload its connection files: " + dbus::error_text(e));
    }
    return std::monostate{};
}

common::Result<std::string> NmClient::checkpoint_create(std::chrono::seconds timeout, std::uint32_t flags,
                                                        std::chrono::microseconds answer_within, bool* overran) {
    if (overran) *overran = false;
    try {
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        sdbus::ObjectPath checkpoint;
        manager->callMethod("CheckpointCreate")
            .onInterface(k_manager_interface)
            .withTimeout(answer_within)
            .withArguments(std::vector<sdbus::ObjectPath>{}, static_cast<std::uint32_t>(timeout.count()), flags)
            .storeResultsTo(checkpoint);
        return std::string(checkpoint);
    } catch (const sdbus::Error& e) {
        if (overran) *overran = host::dbus::is_overrun(e);
        return common::make_error("creating a NetworkManager checkpoint: " + dbus::error_text(e));
    }
}

common::Result<std::monostate> NmClient::checkpoint_adjust(const std::string& path, std::chrono::seconds timeout) {
    try {
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        manager->callMethod("CheckpointAdjustRollbackTimeout")
            .onInterface(k_manager_interface)
            .withTimeout(m_timeout)
            .withArguments(sdbus::ObjectPath(path), static_cast<std::uint32_t>(timeout.count()));
    } catch (const sdbus::Error& e) {
        return common::make_error("extending NetworkManager checkpoint " + path + ": " + dbus::error_text(e));
    }
    return std::monostate{};
}

common::Result<std::monostate> NmClient::checkpoint_destroy(const std::string& path) {
    try {
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        manager->callMethod("CheckpointDestroy")
            .onInterface(k_manager_interface)
            .withTimeout(m_timeout)
            .withArguments(sdbus::ObjectPath(path));
    } catch (const sdbus::Error& e) {
        return common::make_error("destroying NetworkManager checkpoint " + path + ": " + dbus::error_text(e));
    }
    return std::monostate{};
}

common::Result<std::monostate> NmClient::checkpoint_rollback(const std::string& path) {
    try {
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        std::map<std::string, std::uint32_t> results;  // device path -> NM_ROLLBACK_RESULT_*
        manager->callMethod("CheckpointRollback")
            .onInterface(k_manager_interface)
            .withTimeout(std::max(m_timeout, k_rollback_call_timeout))
            .withArguments(sdbus::ObjectPath(path))
            .storeResultsTo(results);
    } catch (const sdbus::Error& e) {
        return common::make_error("rolling back NetworkManager checkpoint " + path + ": " + dbus::error_text(e));
    }
    return std::monostate{};
}

common::Result<NmClient::CheckpointTimes> NmClient::checkpoint_times(const std::string& path) {
    try {
        const auto properties = all_properties(*m_bus, path, k_checkpoint_interface, m_timeout);
        CheckpointTimes times;
        times.created = property_or(properties, "Created", std::int64_t{-1});
        times.rollback_timeout = property_or(properties, "RollbackTimeout", std::uint32_t{0});
        if (times.created < 0) return common::make_error("NetworkManager checkpoint " + path + " has no Created time");
        return times;
    } catch (const sdbus::Error& e) {
        return common::make_error("reading NetworkManager checkpoint " + path + ": " + dbus::error_text(e));
    }
}

common::Result<std::vector<std::string>> NmClient::checkpoints() {
    try {
        const auto properties = all_properties(*m_bus, k_manager_path, k_manager_interface, m_timeout);
        std::vector<std::string> out;
        for (const auto& path : property_or(properties, "Checkpoints", std::vector<sdbus::ObjectPath>{}))
            out.emplace_back(path);
        return out;
    } catch (const sdbus::Error& e) {
        return common::make_error("reading NetworkManager's checkpoints: " + dbus::error_text(e));
    }
}

std::vector<NmClient::Active> NmClient::active_connections(const std::set<std::string>& uuids, bool with_state) {
    std::vector<Active> out;
    auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
    using Paths = std::vector<sdbus::ObjectPath>;
    for (const auto& path : get_property<Paths>(*manager, k_manager_interface, "ActiveConnections", m_timeout)) {
        try {
            auto active = sdbus::createProxy(*m_bus, k_service, path);
            auto known = m_active_uuids.find(path);
            if (known == m_active_uuids.end()) {
                auto uuid = get_property<std::string>(*active, k_active_interface, "Uuid", m_timeout);
                known = m_active_uuids.emplace(path, std::move(uuid)).first;
            }
            if (!uuids.count(known->second)) continue;
            Active entry{path, known->second, 0};
            if (with_state) entry.state = get_property<std::uint32_t>(*active, k_active_interface, "State", m_timeout);
            out.push_back(entry);
        } catch (const sdbus::Error&) {
            // Gone between the two calls: deactivated meanwhile.
        }
    }
    return out;
}

common::Result<std::vector<netconfig::ProfileActivation>> NmClient::active_on(
    const std::set<netconfig::IfName>& interfaces) {
    std::vector<netconfig::ProfileActivation> out;
    try {
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        using Paths = std::vector<sdbus::ObjectPath>;
        for (const auto& path : get_property<Paths>(*manager, k_manager_interface, "ActiveConnections", m_timeout)) {
            std::map<std::string, sdbus::Variant> active;
            try {
                active = all_properties(*m_bus, path, k_active_interface, m_timeout);
            } catch (const sdbus::Error&) {
                continue;  // deactivated meanwhile
            }
            // Of each device only its name, and the profile's flags only for a connection on our interfaces.
            std::vector<netconfig::IfName> ours;
            for (const auto& device : property_or(active, "Devices", Paths{})) {
                try {
                    auto proxy = sdbus::createProxy(*m_bus, k_service, device);
                    auto name = netconfig::IfName::make(
                        get_property<std::string>(*proxy, k_device_interface, "Interface", m_timeout));
                    if (name && interfaces.count(name.value())) ours.push_back(name.value());
                } catch (const sdbus::Error&) {
                    continue;
                }
            }
            if (ours.empty()) continue;
            const auto connection = property_or(active, "Connection", sdbus::ObjectPath{});
            if (!connection.empty() && connection != "/") {
                try {
                    auto proxy = sdbus::createProxy(*m_bus, k_service, connection);
                    if (get_property<std::uint32_t>(*proxy, k_connection_interface, "Flags", m_timeout) &
                        k_generated_flags)
                        continue;
                } catch (const sdbus::Error&) {
                    // NetworkManager before 1.12 has no Flags: keep the profile.
                }
            }
            for (const auto& interface : ours) {
                netconfig::ProfileActivation found;
                found.interface = interface;
                found.profile = property_or(active, "Id", std::string{});
                found.uuid = property_or(active, "Uuid", std::string{});
                const auto state = property_or(active, "State", std::uint32_t{0});
                found.activated = state == k_activated;
                if (!found.activated) found.detail = state_name(state);
                out.push_back(found);
            }
        }
    } catch (const sdbus::Error& e) {
        return common::make_error("asking NetworkManager for its active connections: " + dbus::error_text(e));
    }
    return out;
}

std::string NmClient::connection_path(const std::string& uuid) {
    auto settings = sdbus::createProxy(*m_bus, k_service, k_settings_path);
    sdbus::ObjectPath connection;
    settings->callMethod("GetConnectionByUuid")
        .onInterface(k_settings_interface)
        .withTimeout(m_timeout)
        .withArguments(uuid)
        .storeResultsTo(connection);
    return connection;
}

std::set<std::string> NmClient::unsaved(const std::set<std::string>& uuids) {
    std::set<std::string> out;
    for (const auto& uuid : uuids) {
        try {
            auto proxy = sdbus::createProxy(*m_bus, k_service, sdbus::ObjectPath(connection_path(uuid)));
            if (get_property<std::uint32_t>(*proxy, k_connection_interface, "Flags", m_timeout) & k_unsaved_flag)
                out.insert(uuid);
        } catch (const sdbus::Error&) {
            // Not loaded (yet), or a NetworkManager before 1.12, without Flags: nothing held in memory to find.
        }
    }
    return out;
}

common::Result<std::monostate> NmClient::forget(const std::string& uuid) {
    try {
        auto proxy = sdbus::createProxy(*m_bus, k_service, sdbus::ObjectPath(connection_path(uuid)));
        proxy->callMethod("Delete").onInterface(k_connection_interface).withTimeout(m_timeout);
    } catch (const sdbus::Error& e) {
        return common::make_error("asking NetworkManager to forget profile " + uuid + ": " + dbus::error_text(e));
    }
    return std::monostate{};
}

std::string NmClient::start(const ProfileRef& profile) {
    try {
        const sdbus::ObjectPath connection(connection_path(profile.uuid));
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        sdbus::ObjectPath active;
        // Device "/": NetworkManager picks the device by the profile's interface-name (and creates a virtual one).
        manager->callMethod("ActivateConnection")
            .onInterface(k_manager_interface)
            .withTimeout(m_timeout)
            .withArguments(connection, sdbus::ObjectPath("/"), sdbus::ObjectPath("/"))
            .storeResultsTo(active);
    } catch (const sdbus::Error& e) {
        return dbus::error_text(e);
    }
    return {};
}

std::vector<std::string> NmClient::deactivate(const std::vector<std::string>& uuids,
                                             std::chrono::milliseconds timeout) {
    const std::set<std::string> wanted(uuids.begin(), uuids.end());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> problems;
    try {
        auto manager = sdbus::createProxy(*m_bus, k_service, k_manager_path);
        for (const auto& active : active_connections(wanted, false)) {
            try {
                manager->callMethod("DeactivateConnection")
                    .onInterface(k_manager_interface)
                    .withTimeout(m_timeout)
                    .withArguments(sdbus::ObjectPath(active.path));
            } catch (const sdbus::Error& e) {
                problems.push_back("deactivating " + active.uuid + ": " + dbus::error_text(e));
            }
        }
        while (true) {
            if (active_connections(wanted, false).empty()) break;
            if (std::chrono::steady_clock::now() >= deadline) {
                problems.push_back("still active after " + std::to_string((timeout.count() + 999) / 1000) + " s");
                break;
            }
            std::this_thread::sleep_for(k_poll_interval);
        }
    } catch (const sdbus::Error& e) {
        problems.push_back("asking NetworkManager for its active connections: " + dbus::error_text(e));
    }
    return problems;
}

std::vector<netconfig::ProfileActivation> NmClient::activate(const std::vector<ProfileRef>& profiles,
                                                             std::chrono::milliseconds timeout) {
    if (profiles.empty()) return {};
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    const auto count = profiles.size();
    std::set<std::string> listed;
    for (const auto& profile : profiles) listed.insert(profile.uuid);
    std::vector<std::string> refused(count);         // NetworkManager's last answer to ActivateConnection
    std::vector<Clock::time_point> next_try(count);  // when a profile without an activation may be asked
    std::vector<int> idle_polls(count, 0);           // polls in a row a ready profile had no activation

    std::map<std::string, std::uint32_t> states;
    std::string poll_error;
    while (true) {
        states.clear();
        poll_error.clear();
        try {
            for (const auto& active : active_connections(listed, true)) states[active.uuid] = active.state;
        } catch (const sdbus::Error& e) {
            poll_error = dbus::error_text(e);
        }
        auto activated = [&](const std::string& uuid) {
            const auto state = states.find(uuid);
            return state != states.end() && state->second == k_activated;
        };
        bool all = true;
        for (std::size_t i = 0; i < count; ++i) {
            const auto& profile = profiles[i];
            if (activated(profile.uuid)) continue;
            all = false;
            if (!poll_error.empty() || states.count(profile.uuid)) {
                idle_polls[i] = 0;  // NetworkManager is working on it
                continue;
            }
            if (!profile.after.empty() && listed.count(profile.after) && !activated(profile.after)) continue;
            // A controller brings its ports along a moment after it is activated: give it two polls.
            if (++idle_polls[i] < (profile.with_controller ? 3 : 1) || Clock::now() < next_try[i]) continue;
            refused[i] = start(profile);
            next_try[i] = Clock::now() + std::chrono::seconds(1);
            idle_polls[i] = 0;
        }
        if (all || Clock::now() >= deadline) break;
        std::this_thread::sleep_for(k_poll_interval);
    }

    std::vector<netconfig::ProfileActivation> out;
    for (std::size_t i = 0; i < count; ++i) {
        netconfig::ProfileActivation entry;
        entry.interface = profiles[i].interface;
        entry.profile = profiles[i].id;
        entry.uuid = profiles[i].uuid;
        const auto state = states.find(profiles[i].uuid);
        entry.activated = state != states.end() && state->second == k_activated;
        if (entry.activated) {
            // nothing to explain
        } else if (!poll_error.empty()) {
            entry.detail = "asking NetworkManager for its state: " + poll_error;
        } else if (state != states.end()) {
            entry.detail = "still " + state_name(state->second) + " after " +
                           std::to_string((timeout.count() + 999) / 1000) + " s";
        } else if (!refused[i].empty()) {
            entry.detail = "NetworkManager refused to activate it: " + refused[i];
        } else {
            entry.detail = "not active after " + std::to_string((timeout.count() + 999) / 1000) + " s";
        }
        out.push_back(entry);
    }
    return out;
}

}  // namespace host::networkmanager
