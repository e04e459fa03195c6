#pragma once
// Reading netlink's wire format: 4-byte aligned type-length-value attributes after a message header. Every
// read is bounds-checked against the bytes given; nothing here trusts a length the bytes carry.
#include <linux/netlink.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

namespace host::netlink {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t netlink_align(std::size_t n) { return (n + 3) & ~std::size_t{3}; }
constexpr std::size_t k_message_header_size = netlink_align(sizeof(nlmsghdr));

// Calls visit(type, payload) for each well-formed attribute; stops at the first malformed one (a truncated
// message yields what came before it, never a read past the end).
template <typename Visit>
void for_each_attribute(Bytes bytes, Visit visit) {
    constexpr std::size_t header = sizeof(nlattr);
    while (bytes.size() >= header) {
        nlattr attribute;
        std::memcpy(&attribute, bytes.data(), header);
        if (attribute.nla_len < header || attribute.nla_len > bytes.size()) return;
        visit(static_cast<std::uint16_t>(attribute.nla_type & NLA_TYPE_MASK),
              bytes.subspan(header, attribute.nla_len - header));
        bytes = bytes.subspan(std::min(bytes.size(), netlink_align(attribute.nla_len)));
    }
}

// Fixed-size integers in host byte order; a payload of the wrong size is ignored.
template <typename T>
std::optional<T> read_int(Bytes payload) {
    if (payload.size() != sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, payload.data(), sizeof(T));
    return value;
}

// NUL-terminated strings; a missing terminator ends the string at the payload's end.
inline std::string read_string(Bytes payload) {
    std::size_t length = 0;
    while (length < payload.size() && payload[length] != 0) ++length;
    return std::string(reinterpret_cast<const char*>(payload.data()), length);
}

}  // namespace host::netlink
