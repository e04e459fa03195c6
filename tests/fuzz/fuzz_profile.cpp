// The host profile: YAML text through parse_profile's reading, decoding and validation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "profile/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)profile::parse_profile(text, "fuzz.yaml");
    return 0;
}
