// /proc/mounts and /etc/fstab, then the lookups the checks do on what parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/parsers/mounts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto mounts = checks::parse_mount_table(text, "fuzz.fstab");
    if (!mounts) return 0;
    for (const auto& entry : *mounts) {
        (void)checks::mounts_at_boot(entry);
        (void)checks::mount_unit_name(entry.target);
    }
    (void)checks::mount_containing(*mounts, "/var/lib/libvirt/images");
    return 0;
}
