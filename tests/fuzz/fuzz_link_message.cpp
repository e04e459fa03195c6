// One raw netlink message, decoded as an RTM_NEWLINK from an RTM_GETLINK dump, as the netlink adapter does.
#include <cstddef>
#include <cstdint>
#include <span>

#include "host/netlink/link_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)host::netlink::decode_link_message(std::span<const std::uint8_t>(data, size));
    return 0;
}
