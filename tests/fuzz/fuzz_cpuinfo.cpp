// /proc/cpuinfo.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/parsers/cpuinfo.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)checks::parse_cpuinfo(text);
    return 0;
}
