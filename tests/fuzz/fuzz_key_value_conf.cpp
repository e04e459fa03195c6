// qemu.conf and sysctl.d syntax: the same bytes through both readers and the boot-order lookup.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/parsers/key_value_conf.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)checks::parse_libvirt_conf(text, "fuzz.conf");
    const auto sysctl = checks::parse_sysctl_conf(text);
    const std::vector<checks::SysctlFile> files{{"fuzz.conf", std::string(text)}};
    // Each lookup reads the file again: a few keys cover the lookup without making every run quadratic.
    int lookups = 0;
    for (const auto& [key, value] : sysctl.values) {
        if (++lookups > 4) break;
        (void)checks::effective_sysctl(files, key);
    }
    return 0;
}
