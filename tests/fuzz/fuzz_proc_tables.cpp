// /proc/meminfo and /proc/modules: the same bytes through both.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/parsers/proc_tables.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)checks::parse_meminfo_total(text);
    (void)checks::parse_proc_modules(text);
    return 0;
}
