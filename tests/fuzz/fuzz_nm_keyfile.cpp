// netconfig's keyfile reader, reached through nm_keyfile_changes (the only entry point that reads keyfile text).
// The input is two keyfiles, "before" and "after", split at the first NUL byte (none: "before" is empty).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "netconfig/nm_keyfile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto separator = input.find('\0');
    const auto before = separator == std::string_view::npos ? std::string_view{} : input.substr(0, separator);
    const auto after = separator == std::string_view::npos ? input : input.substr(separator + 1);
    (void)netconfig::nm_keyfile_changes(before, after);
    return 0;
}
