#pragma once
// Decoding of one RTM_NEWLINK message (as an RTM_GETLINK dump returns it) into plain data: a pure function over
// bytes, bounds-checked, so it can be tested and fuzzed without a kernel. libnl 3.7's link cache keeps neither
// the bridge's nor the bond's IFLA_INFO_DATA nor any IFLA_INFO_SLAVE_DATA, which the model needs.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace host::netlink {

// IFLA_INFO_DATA of a bridge, in the kernel's units (timers in centiseconds).
struct BridgeInfo {
    std::optional<std::uint32_t> stp_state;
    std::optional<std::uint32_t> forward_delay;
    std::optional<std::uint32_t> hello_time;
    std::optional<std::uint32_t> max_age;
    std::optional<std::uint16_t> priority;
};

// IFLA_INFO_DATA of a bond.
struct BondInfo {
    std::optional<std::uint8_t> mode;
    std::optional<std::uint32_t> miimon;
    std::optional<std::uint32_t> updelay;
    std::optional<std::uint32_t> downdelay;
    std::optional<std::uint8_t> lacp_rate;
    std::optional<std::uint8_t> xmit_hash_policy;
    std::optional<std::uint32_t> primary;  // ifindex of the primary port
};

// IFLA_INFO_SLAVE_DATA of a bridge port.
struct BridgePortInfo {
    std::optional<std::uint32_t> cost;
    std::optional<std::uint16_t> priority;
};

struct LinkMessage {
    int index = 0;
    std::string name;
    unsigned flags = 0;             // IFF_*
    unsigned short arp_type = 0;    // ARPHRD_*
    std::optional<std::uint32_t> mtu;
    std::vector<std::uint8_t> address;            // IFLA_ADDRESS
    std::vector<std::uint8_t> permanent_address;  // IFLA_PERM_ADDRESS (kernel 5.6+)
    int master = 0;                 // IFLA_MASTER: the bridge or bond this link is a port of
    int link = 0;                   // IFLA_LINK: a VLAN's base, a veth's peer
    bool link_in_other_namespace = false;  // IFLA_LINK_NETNSID: `link` indexes another namespace
    std::string kind;               // IFLA_INFO_KIND: "bridge", "bond", "vlan", "veth"... empty for hardware
    std::string port_kind;          // IFLA_INFO_SLAVE_KIND: "bridge" or "bond" on a port
    std::optional<BridgeInfo> bridge;
    std::optional<BondInfo> bond;
    std::optional<std::uint16_t> vlan_id;
    std::optional<BridgePortInfo> bridge_port;
    // IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CONF[DEVCONF_DISABLE_IPV6]; nullopt: the link has no IPv6 (kernel without it).
    std::optional<bool> ipv6_disabled;
};

// `message` is one whole netlink message (header included). nullopt when it is not a well-formed RTM_NEWLINK.
std::optional<LinkMessage> decode_link_message(std::span<const std::uint8_t> message);

}  // namespace host::netlink
