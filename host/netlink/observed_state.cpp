#include "host/netlink/observed_state.h"

#include <linux/if.h>
#include <linux/if_arp.h>

#include <algorithm>
#include <map>

namespace host::netlink {
namespace {

using netconfig::IfName;
using netconfig::InterfaceType;

std::optional<netconfig::MacAddress> mac_of(const std::vector<std::uint8_t>& bytes) {
    if (bytes.size() != 6) return std::nullopt;
    netconfig::MacAddress mac;
    std::copy(bytes.begin(), bytes.end(), mac.bytes.begin());
    return mac;
}

// The kernel's bridge timers are centiseconds; the model's are seconds.
std::optional<std::uint32_t> seconds(std::optional<std::uint32_t> centiseconds) {
    if (!centiseconds) return std::nullopt;
    return (*centiseconds + 50) / 100;
}

template <typename E, std::size_t N>
std::optional<E> enum_of(std::optional<std::uint8_t> value, const std::array<netconfig::NamedValue<E>, N>& table) {
    if (!value) return std::nullopt;
    for (const auto& entry : table)
        if (static_cast<std::uint8_t>(entry.value) == *value) return entry.value;
    return std::nullopt;
}

InterfaceType type_of(const LinkMessage& link, std::string& other_kind) {
    if (link.kind == "bridge") return InterfaceType::linux_bridge;
    if (link.kind == "bond") return InterfaceType::bond;
    if (link.kind == "vlan") return InterfaceType::vlan;
    if (link.kind == "veth") return InterfaceType::veth;
    if (link.kind.empty() && link.arp_type == ARPHRD_ETHER) return InterfaceType::ethernet;
    other_kind = link.kind.empty() && link.arp_type == ARPHRD_LOOPBACK ? "loopback" : link.kind;
    return InterfaceType::other;
}

}  // namespace

netconfig::NetworkState assemble_state(const std::vector<LinkMessage>& links,
                                       const std::vector<AddressRecord>& addresses,
                                       const std::vector<RouteRecord>& routes) {
    std::vector<const LinkMessage*> ordered;
    std::map<int, IfName> names;
    for (const auto& link : links) {
        auto name = IfName::make(link.name);
        if (!name) continue;  // the kernel refuses such names; nothing to model
        ordered.push_back(&link);
        names.emplace(link.index, *name);
    }
    std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->index < b->index; });
    auto name_of = [&](int index) -> std::optional<IfName> {
        const auto found = names.find(index);
        if (found == names.end()) return std::nullopt;
        return found->second;
    };

    netconfig::NetworkState state;
    std::map<int, std::size_t> position;  // ifindex -> index in state.interfaces
    for (const LinkMessage* link : ordered) {
        netconfig::Interface iface;
        iface.name = names.at(link->index);
        iface.type = type_of(*link, iface.other_kind);
        iface.state = (link->flags & IFF_UP) ? netconfig::InterfaceState::up : netconfig::InterfaceState::down;
        iface.carrier = (link->flags & IFF_LOWER_UP) != 0;
        iface.mtu = link->mtu;
        iface.ipv6.enabled = link->ipv6_disabled.has_value() && !*link->ipv6_disabled;  // none: no IPv6 here
        iface.mac_address = mac_of(link->address);
        iface.permanent_mac_address = mac_of(link->permanent_address);
        if (link->master > 0) iface.controller = name_of(link->master);
        iface.ipv4.addresses.emplace();
        iface.ipv6.addresses.emplace();
        if (link->bridge) {
            auto& stp = iface.bridge.emplace().options.stp;
            if (link->bridge->stp_state) stp.enabled = *link->bridge->stp_state != 0;
            stp.forward_delay = seconds(link->bridge->forward_delay);
            stp.hello_time = seconds(link->bridge->hello_time);
            stp.max_age = seconds(link->bridge->max_age);
            if (link->bridge->priority) stp.priority = *link->bridge->priority;
            iface.bridge->ports.emplace();
        }
        if (link->bond) {
            auto& bond = iface.bond.emplace();
            bond.mode = enum_of(link->bond->mode, netconfig::k_bond_modes);
            bond.options.miimon = link->bond->miimon;
            bond.options.updelay = link->bond->updelay;
            bond.options.downdelay = link->bond->downdelay;
            bond.options.lacp_rate = enum_of(link->bond->lacp_rate, netconfig::k_lacp_rates);
            bond.options.xmit_hash_policy = enum_of(link->bond->xmit_hash_policy, netconfig::k_xmit_hash_policies);
            if (link->bond->primary && *link->bond->primary > 0)
                bond.options.primary = name_of(static_cast<int>(*link->bond->primary));
            bond.ports.emplace();
        }
        if (link->vlan_id) {
            auto& vlan = iface.vlan.emplace();
            vlan.id = *link->vlan_id;
            if (!link->link_in_other_namespace)
                if (auto base = name_of(link->link)) vlan.base_iface = *base;
        }
        if (*iface.type == InterfaceType::veth) {
            auto& veth = iface.veth.emplace();
            // A peer in another namespace has an ifindex that means nothing here: leave its name empty.
            if (!link->link_in_other_namespace)
                if (auto peer = name_of(link->link)) veth.peer = *peer;
        }
        position.emplace(link->index, state.interfaces.size());
        state.interfaces.push_back(std::move(iface));
    }

    // Ports onto their controllers, in ifindex order.
    for (const LinkMessage* link : ordered) {
        const auto controller = position.find(link->master);
        if (link->master <= 0 || controller == position.end()) continue;
        auto& master = state.interfaces[controller->second];
        const auto& port_name = names.at(link->index);
        if (master.bridge) {
            netconfig::BridgePort port;
            port.name = port_name;
            if (link->bridge_port) {
                port.stp_path_cost = link->bridge_port->cost;
                if (link->bridge_port->priority) port.stp_priority = *link->bridge_port->priority;
            }
            master.bridge->ports->push_back(std::move(port));
        } else if (master.bond) {
            master.bond->ports->push_back(port_name);
        }
    }

    for (const auto& record : addresses) {
        const auto at = position.find(record.index);
        if (at == position.end()) continue;
        if (record.address.ip.family == netconfig::IpFamily::v6 && record.address.ip.is_link_local()) continue;
        auto& iface = state.interfaces[at->second];
        auto& config = record.address.ip.family == netconfig::IpFamily::v4 ? iface.ipv4 : iface.ipv6;
        config.addresses->push_back(record.address);
    }
    for (auto& iface : state.interfaces) {
        iface.ipv4.enabled = !iface.ipv4.addresses->empty();
    }

    for (const auto& record : routes) {
        netconfig::Route route = record.route;
        if (record.out_index > 0) route.next_hop_interface = name_of(record.out_index);
        state.routes.push_back(std::move(route));
    }
    return state;
}

}  // namespace host::netlink
