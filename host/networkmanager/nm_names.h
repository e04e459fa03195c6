#pragma once
// NetworkManager's bus name, objects and interfaces, which every NetworkManager adapter here addresses.
#include <cstdint>

namespace host::networkmanager {

inline constexpr const char* k_service = "org.freedesktop.NetworkManager";
inline constexpr const char* k_manager_path = "/org/freedesktop/NetworkManager";
inline constexpr const char* k_manager_interface = "org.freedesktop.NetworkManager";
inline constexpr const char* k_connection_interface = "org.freedesktop.NetworkManager.Settings.Connection";
inline constexpr const char* k_active_interface = "org.freedesktop.NetworkManager.Connection.Active";
inline constexpr const char* k_device_interface = "org.freedesktop.NetworkManager.Device";

// NMSettingsConnectionFlags: profiles NetworkManager generated for a device it found configured by someone else,
// or keeps only in memory.
inline constexpr std::uint32_t k_generated_flags = 0x2 | 0x4 | 0x8;  // NM_GENERATED, VOLATILE, EXTERNAL
// A saved profile with changes held in memory only (`nmcli connection modify --temporary`).
inline constexpr std::uint32_t k_unsaved_flag = 0x1;  // NM_SETTINGS_CONNECTION_FLAG_UNSAVED

}  // namespace host::networkmanager
