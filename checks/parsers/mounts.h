#pragma once
// /proc/mounts and /etc/fstab share one format: six whitespace-separated fields, octal escapes (\040).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace checks {

struct MountEntry {
    std::string source;   // device, UUID=..., LABEL=...
    std::string target;   // mount point
    std::string fstype;
    std::string options;
};

// Malformed lines are an error naming the line number; comments and blank lines are skipped.
common::Result<std::vector<MountEntry>> parse_mount_table(std::string_view text, std::string_view file);
// False for fstab entries marked noauto: they are not mounted at boot.
bool mounts_at_boot(const MountEntry& entry);
// The mount whose target is the longest prefix of `path` (the filesystem `path` lives on).
std::optional<MountEntry> mount_containing(const std::vector<MountEntry>& mounts, std::string_view path);
// systemd's unit name for a mount point: "/var/lib/libvirt/images" → "var-lib-libvirt-images.mount".
std::string mount_unit_name(std::string_view mount_point);

}  // namespace checks
