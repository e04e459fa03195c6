#include "host/netlink/link_message.h"

#include <linux/if_link.h>
#include <linux/ipv6.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "host/netlink/attributes.h"

namespace host::netlink {
namespace {

BridgeInfo decode_bridge(Bytes data) {
    BridgeInfo info;
    for_each_attribute(data, [&](std::uint16_t type, Bytes payload) {
        switch (type) {
        case IFLA_BR_STP_STATE: info.stp_state = read_int<std::uint32_t>(payload); break;
        case IFLA_BR_FORWARD_DELAY: info.forward_delay = read_int<std::uint32_t>(payload); break;
        case IFLA_BR_HELLO_TIME: info.hello_time = read_int<std::uint32_t>(payload); break;
        case IFLA_BR_MAX_AGE: info.max_age = read_int<std::uint32_t>(payload); break;
        case IFLA_BR_PRIORITY: info.priority = read_int<std::uint16_t>(payload); break;
        default: break;
        }
    });
    return info;
}

BondInfo decode_bond(Bytes data) {
    BondInfo info;
    for_each_attribute(data, [&](std::uint16_t type, Bytes payload) {
        switch (type) {
        case IFLA_BOND_MODE: info.mode = read_int<std::uint8_t>(payload); break;
        case IFLA_BOND_MIIMON: info.miimon = read_int<std::uint32_t>(payload); break;
        case IFLA_BOND_UPDELAY: info.updelay = read_int<std::uint32_t>(payload); break;
        case IFLA_BOND_DOWNDELAY: info.downdelay = read_int<std::uint32_t>(payload); break;
        case IFLA_BOND_AD_LACP_RATE: info.lacp_rate = read_int<std::uint8_t>(payload); break;
        case IFLA_BOND_XMIT_HASH_POLICY: info.xmit_hash_policy = read_int<std::uint8_t>(payload); break;
        case IFLA_BOND_PRIMARY: info.primary = read_int<std::uint32_t>(payload); break;
        default: break;
        }
    });
    return info;
}

BridgePortInfo decode_bridge_port(Bytes data) {
    BridgePortInfo info;
    for_each_attribute(data, [&](std::uint16_t type, Bytes payload) {
        if (type == IFLA_BRPORT_COST) info.cost = read_int<std::uint32_t>(payload);
        if (type == IFLA_BRPORT_PRIORITY) info.priority = read_int<std::uint16_t>(payload);
    });
    return info;
}

void decode_link_info(Bytes link_info, LinkMessage& link) {
    // The kind decides how IFLA_INFO_DATA reads, and it may come after the data: find the kinds first.
    Bytes data, port_data;
    for_each_attribute(link_info, [&](std::uint16_t type, Bytes payload) {
        if (type == IFLA_INFO_KIND) link.kind = read_string(payload);
        if (type == IFLA_INFO_SLAVE_KIND) link.port_kind = read_string(payload);
        if (type == IFLA_INFO_DATA) data = payload;
        if (type == IFLA_INFO_SLAVE_DATA) port_data = payload;
    });
    if (link.kind == "bridge") link.bridge = decode_bridge(data);
    if (link.kind == "bond") link.bond = decode_bond(data);
    if (link.kind == "vlan")
        for_each_attribute(data, [&](std::uint16_t type, Bytes payload) {
            if (type == IFLA_VLAN_ID) link.vlan_id = read_int<std::uint16_t>(payload);
        });
    if (link.port_kind == "bridge") link.bridge_port = decode_bridge_port(port_data);
}

// IPv6's per-link settings: an array of s32 indexed by DEVCONF_*, as long as the kernel's DEVCONF_MAX.
std::optional<bool> decode_ipv6_disabled(Bytes af_spec) {
    std::optional<bool> disabled;
    for_each_attribute(af_spec, [&](std::uint16_t family, Bytes inet6) {
        if (family != AF_INET6) return;
        for_each_attribute(inet6, [&](std::uint16_t type, Bytes conf) {
            constexpr std::size_t at = DEVCONF_DISABLE_IPV6 * sizeof(std::int32_t);
            if (type != IFLA_INET6_CONF || conf.size() < at + sizeof(std::int32_t)) return;
            disabled = read_int<std::int32_t>(conf.subspan(at, sizeof(std::int32_t))).value_or(0) != 0;
        });
    });
    return disabled;
}

}  // namespace

std::optional<LinkMessage> decode_link_message(Bytes message) {
    nlmsghdr header;
    if (message.size() < sizeof header) return std::nullopt;
    std::memcpy(&header, message.data(), sizeof header);
    if (header.nlmsg_type != RTM_NEWLINK || header.nlmsg_len < k_message_header_size + sizeof(ifinfomsg) ||
        header.nlmsg_len > message.size())
        return std::nullopt;
    ifinfomsg info;
    std::memcpy(&info, message.data() + k_message_header_size, sizeof info);

    LinkMessage link;
    link.index = info.ifi_index;
    link.flags = info.ifi_flags;
    link.arp_type = info.ifi_type;
    const auto attributes = message.subspan(0, header.nlmsg_len).subspan(k_message_header_size + netlink_align(sizeof info));
    for_each_attribute(attributes, [&](std::uint16_t type, Bytes payload) {
        switch (type) {
        case IFLA_IFNAME: link.name = read_string(payload); break;
        case IFLA_MTU: link.mtu = read_int<std::uint32_t>(payload); break;
        case IFLA_ADDRESS: link.address.assign(payload.begin(), payload.end()); break;
        case IFLA_PERM_ADDRESS: link.permanent_address.assign(payload.begin(), payload.end()); break;
        case IFLA_MASTER: link.master = static_cast<int>(read_int<std::uint32_t>(payload).value_or(0)); break;
        case IFLA_LINK: link.link = static_cast<int>(read_int<std::uint32_t>(payload).value_or(0)); break;
        case IFLA_LINK_NETNSID: link.link_in_other_namespace = true; break;
        case IFLA_LINKINFO: decode_link_info(payload, link); break;
        case IFLA_AF_SPEC: link.ipv6_disabled = decode_ipv6_disabled(payload); break;
        default: break;
        }
    });
    if (link.index <= 0 || link.name.empty()) return std::nullopt;
    return link;
}

}  // namespace host::netlink
