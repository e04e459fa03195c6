#pragma once
// One connection to firewalld (org.fedoraproject.FirewallD1), shared by the doctor's read side (firewalld.h) and
// the provisioning steps' write side (firewalld_config.h). A zone is read whole, in one call per configuration
// (getZoneSettings2 at runtime, getSettings2 of its .config.zone object), and written the same way
// (setZoneSettings2, update2): firewalld is a Python daemon, so each call costs, and the calls it takes per item
// made the firewall the slowest part of a no-op apply.
#include <sdbus-c++/sdbus-c++.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/host_facts.h"
#include "common/result.h"

namespace host::dbus::firewalld {

inline constexpr const char* k_service = "org.fedoraproject.FirewallD1";
inline constexpr const char* k_path = "/org/fedoraproject/FirewallD1";
inline constexpr const char* k_config_path = "/org/fedoraproject/FirewallD1/config";
inline constexpr const char* k_zone_interface = "org.fedoraproject.FirewallD1.zone";
inline constexpr const char* k_config_interface = "org.fedoraproject.FirewallD1.config";
inline constexpr const char* k_config_zone_interface = "org.fedoraproject.FirewallD1.config.zone";

// A zone's settings as firewalld's D-Bus API carries them (a{sv}: "masquerade" b, "interfaces" as, "services" as,
// "ports" a(ss), ...).
using ZoneSettings = std::map<std::string, sdbus::Variant>;
// The "ports" entry: (port or range, protocol) pairs.
using Ports = std::vector<sdbus::Struct<std::string, std::string>>;

struct Session {
    std::unique_ptr<sdbus::IConnection> bus;
    std::unique_ptr<sdbus::IProxy> runtime;  // the .zone interface
    std::unique_ptr<sdbus::IProxy> config;   // the .config interface

    // The permanent zone's object (.config.zone); nullptr when firewalld has no such zone.
    std::unique_ptr<sdbus::IProxy> zone_object(const std::string& zone, std::chrono::milliseconds timeout);
    // The settings of a permanent zone's object.
    ZoneSettings settings_of(sdbus::IProxy& zone_object, std::chrono::milliseconds timeout);
    // The zone's settings; nullopt when the configuration has no such zone.
    std::optional<ZoneSettings> runtime_settings(const std::string& zone, std::chrono::milliseconds timeout);
    std::optional<ZoneSettings> permanent_settings(const std::string& zone, std::chrono::milliseconds timeout);
};

// A session with a firewalld that owns its bus name: it is asked whether it does first, so it is never
// D-Bus-activated. The error says why it cannot be asked.
common::Result<Session> open_session(std::chrono::milliseconds timeout);

// firewalld's error codes lead its error messages ("INVALID_ZONE: nosuch").
bool has_code(const sdbus::Error& e, const char* code);

// What the checks and the plan read of a zone's settings. Throws sdbus::Error when a key has another type
// than firewalld documents: its answer is input like any other.
checks::FirewallZoneConfig zone_config(const std::optional<ZoneSettings>& settings);

}  // namespace host::dbus::firewalld
