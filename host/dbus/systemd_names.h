#pragma once
// systemd's bus name and its manager object, which every systemd adapter addresses.
namespace host::dbus {

inline constexpr const char* k_systemd = "org.freedesktop.systemd1";
inline constexpr const char* k_manager_path = "/org/freedesktop/systemd1";
inline constexpr const char* k_manager_interface = "org.freedesktop.systemd1.Manager";

}  // namespace host::dbus
