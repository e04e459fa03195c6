// /proc/net/bonding/<bond>, then the port lookup on what parsed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/parsers/bonding.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto status = checks::parse_proc_net_bonding(text);
    if (status)
        for (const auto& port : status->ports) (void)status->find(port.name);
    return 0;
}
