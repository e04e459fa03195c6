#include "host/netlink/netlink_adapter.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <string_view>
#include <utility>

#include <netlink/route/nexthop.h>

#include "host/netlink/link_message.h"
#include "host/netlink/observed_state.h"
#include "host/netlink/route_socket.h"
#include "host/sysctl/proc_sys.h"

namespace host::netlink {
namespace {

using netconfig::IfName;
using netconfig::OpResult;

// One RTM_NEWLINK/RTM_DELLINK request under construction. A failed put (the message is full) is remembered
// and reported by message().
class LinkRequest {
public:
    LinkRequest(int type, int flags, int index = 0, unsigned change = 0, unsigned flag_values = 0)
        : m_message(nlmsg_alloc_simple(type, flags)) {
        ifinfomsg header{};
        header.ifi_family = AF_UNSPEC;
        header.ifi_index = index;
        header.ifi_change = change;
        header.ifi_flags = flag_values;
        m_ok = m_message && nlmsg_append(m_message.get(), &header, sizeof header, NLMSG_ALIGNTO) >= 0;
    }
    LinkRequest& name(const IfName& name) { return string(IFLA_IFNAME, name.str()); }
    LinkRequest& string(int type, const std::string& value) {
        m_ok = m_ok && nla_put_string(m_message.get(), type, value.c_str()) >= 0;
        return *this;
    }
    LinkRequest& u8(int type, std::uint8_t value) {
        m_ok = m_ok && nla_put_u8(m_message.get(), type, value) >= 0;
        return *this;
    }
    LinkRequest& u16(int type, std::uint16_t value) {
        m_ok = m_ok && nla_put_u16(m_message.get(), type, value) >= 0;
        return *this;
    }
    LinkRequest& u32(int type, std::uint32_t value) {
        m_ok = m_ok && nla_put_u32(m_message.get(), type, value) >= 0;
        return *this;
    }
    LinkRequest& bytes(int type, const void* data, int length) {
        m_ok = m_ok && nla_put(m_message.get(), type, length, data) >= 0;
        return *this;
    }
    // Raw bytes inside the open nest (VETH_INFO_PEER starts with an ifinfomsg).
    LinkRequest& append(const void* data, std::size_t length) {
        m_ok = m_ok && nlmsg_append(m_message.get(), const_cast<void*>(data), length, NLMSG_ALIGNTO) >= 0;
        return *this;
    }
    LinkRequest& open(int type) {
        nlattr* nest = m_ok ? nla_nest_start(m_message.get(), type) : nullptr;
        m_ok = nest != nullptr;
        m_nests.push_back(nest);
        return *this;
    }
    LinkRequest& close() {
        if (m_ok) m_ok = nla_nest_end(m_message.get(), m_nests.back()) >= 0;
        m_nests.pop_back();
        return *this;
    }
    nl_msg* message() const { return m_ok ? m_message.get() : nullptr; }

private:
    MessagePtr m_message;
    std::vector<nlattr*> m_nests;
    bool m_ok = false;
};

OpResult send(RouteSocket& socket, const LinkRequest& request, const std::string& what) {
    if (!request.message()) return common::make_error(what + ": the netlink message does not fit");
    return socket.request(request.message(), what);
}

void put_bridge_options(LinkRequest& request, const netconfig::BridgeOptions& options) {
    const auto& stp = options.stp;
    // The kernel's bridge timers are centiseconds (clock_t).
    if (stp.enabled) request.u32(IFLA_BR_STP_STATE, *stp.enabled ? 1 : 0);
    if (stp.forward_delay) request.u32(IFLA_BR_FORWARD_DELAY, *stp.forward_delay * 100);
    if (stp.hello_time) request.u32(IFLA_BR_HELLO_TIME, *stp.hello_time * 100);
    if (stp.max_age) request.u32(IFLA_BR_MAX_AGE, *stp.max_age * 100);
    if (stp.priority) request.u16(IFLA_BR_PRIORITY, static_cast<std::uint16_t>(*stp.priority));
}

// libnl 3.7 has no setters for a bond's mode or options: IFLA_INFO_DATA is written attribute by attribute.
void put_bond_options(LinkRequest& request, std::optional<netconfig::BondMode> mode,
                      const netconfig::BondOptions& options, int primary_index) {
    if (mode) request.u8(IFLA_BOND_MODE, static_cast<std::uint8_t>(*mode));
    if (options.miimon) request.u32(IFLA_BOND_MIIMON, *options.miimon);
    if (options.updelay) request.u32(IFLA_BOND_UPDELAY, *options.updelay);
    if (options.downdelay) request.u32(IFLA_BOND_DOWNDELAY, *options.downdelay);
    if (options.lacp_rate) request.u8(IFLA_BOND_AD_LACP_RATE, static_cast<std::uint8_t>(*options.lacp_rate));
    if (options.xmit_hash_policy)
        request.u8(IFLA_BOND_XMIT_HASH_POLICY, static_cast<std::uint8_t>(*options.xmit_hash_policy));
    if (primary_index > 0) request.u32(IFLA_BOND_PRIMARY, static_cast<std::uint32_t>(primary_index));
}

int family_of(const netconfig::IpAddress& ip) { return ip.family == netconfig::IpFamily::v4 ? AF_INET : AF_INET6; }

AddressPtr to_nl_address(const netconfig::IpAddress& ip, unsigned prefix_length) {
    AddressPtr address(nl_addr_build(family_of(ip), ip.bytes.data(), ip.size()));
    if (address) nl_addr_set_prefixlen(address.get(), static_cast<int>(prefix_length));
    return address;
}

std::optional<netconfig::IpAddress> from_nl_address(nl_addr* address) {
    if (!address) return std::nullopt;
    netconfig::IpAddress ip;
    const int family = nl_addr_get_family(address);
    if (family != AF_INET && family != AF_INET6) return std::nullopt;
    ip.family = family == AF_INET ? netconfig::IpFamily::v4 : netconfig::IpFamily::v6;
    const unsigned length = nl_addr_get_len(address);
    if (length > ip.size()) return std::nullopt;
    // A default route's destination has no bytes at all: the zero address.
    const auto* bytes = static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(address));
    std::copy(bytes, bytes + length, ip.bytes.begin());
    return ip;
}

// Route protocols as iproute2 names them (/etc/iproute2/rt_protos); others go by number.
constexpr std::array<std::pair<std::uint8_t, std::string_view>, 7> k_route_protocols{{
    {RTPROT_UNSPEC, "unspec"},
    {RTPROT_REDIRECT, "redirect"},
    {RTPROT_KERNEL, "kernel"},
    {RTPROT_BOOT, "boot"},
    {RTPROT_STATIC, "static"},
    {RTPROT_RA, "ra"},
    {RTPROT_DHCP, "dhcp"},
}};

std::string protocol_name(std::uint8_t protocol) {
    for (const auto& [number, name] : k_route_protocols)
        if (number == protocol) return std::string(name);
    return std::to_string(protocol);
}

// The inverse of protocol_name; a route that names no protocol we know is ours, "static".
std::uint8_t protocol_number(const std::optional<std::string>& name) {
    if (!name) return RTPROT_STATIC;
    for (const auto& [number, known] : k_route_protocols)
        if (known == *name) return number;
    unsigned value = 0;
    const char* end = name->data() + name->size();
    const auto parsed = std::from_chars(name->data(), end, value);
    if (name->empty() || parsed.ec != std::errc{} || parsed.ptr != end || value > 255) return RTPROT_STATIC;
    return static_cast<std::uint8_t>(value);
}

std::string describe_route(const netconfig::Route& route) {
    std::string text = route.destination.is_default() ? "default route" : "route " + route.destination.to_string();
    if (route.next_hop_address) text += " via " + route.next_hop_address->to_string();
    if (route.next_hop_interface) text += " dev " + route.next_hop_interface->str();
    if (route.metric) text += " metric " + std::to_string(*route.metric);
    if (route.table_id && *route.table_id != netconfig::k_main_table)
        text += " table " + std::to_string(*route.table_id);
    if (route.onlink) text += " onlink";
    return text;
}

// Fills a libnl cache (addresses, routes); libnl dumps again by itself when the kernel says a dump was
// interrupted by a change.
template <typename Alloc>
common::Result<CachePtr> fill_cache(RouteSocket& socket, const std::string& what, Alloc alloc) {
    nl_cache* cache = nullptr;
    auto done = socket.call(what, [&](nl_sock* sock) { return alloc(sock, &cache); });
    CachePtr owned(cache);
    if (!done) return done.error();
    return owned;
}

template <typename T>
T* object_cast(nl_object* object) { return reinterpret_cast<T*>(object); }

}  // namespace

NetlinkAdapter::NetlinkAdapter(std::unique_ptr<RouteSocket> socket) : m_socket(std::move(socket)) {}
NetlinkAdapter::~NetlinkAdapter() = default;

common::Result<std::unique_ptr<NetlinkAdapter>> NetlinkAdapter::open() {
    auto socket = RouteSocket::open();
    if (!socket) return socket.error();
    return std::unique_ptr<NetlinkAdapter>(
        new NetlinkAdapter(std::make_unique<RouteSocket>(std::move(socket).value())));
}

common::Result<int> NetlinkAdapter::index_of(const IfName& name, const std::string& what) {
    LinkRequest request(RTM_GETLINK, 0);
    request.name(name).u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    const std::string lookup = what + ": looking up " + name.str();
    if (!request.message()) return common::make_error(lookup + ": the netlink message does not fit");
    auto links = m_socket->query<LinkMessage>(request.message(), lookup, [](std::span<const std::uint8_t> bytes) {
        return decode_link_message(bytes);
    });
    if (!links) return links.error();
    if (links->size() != 1) return common::make_error(lookup + ": the kernel answered with no link");
    return links->front().index;
}

common::Result<netconfig::NetworkState> NetlinkAdapter::observe() {
    auto links = m_socket->dump<LinkMessage>(
        RTM_GETLINK, "reading links", [](std::span<const std::uint8_t> bytes) { return decode_link_message(bytes); });
    if (!links) return links.error();

    auto address_cache = fill_cache(*m_socket, "reading addresses", rtnl_addr_alloc_cache);
    if (!address_cache) return address_cache.error();
    std::vector<AddressRecord> addresses;
    for (nl_object* object = nl_cache_get_first(address_cache->get()); object; object = nl_cache_get_next(object)) {
        auto* address = object_cast<rtnl_addr>(object);
        const auto ip = from_nl_address(rtnl_addr_get_local(address));
        if (!ip) continue;
        AddressRecord record;
        record.index = rtnl_addr_get_ifindex(address);
        record.address.ip = *ip;
        record.address.prefix_length = static_cast<unsigned>(rtnl_addr_get_prefixlen(address));
        record.address.dynamic = !(rtnl_addr_get_flags(address) & IFA_F_PERMANENT);
        addresses.push_back(record);
    }

    auto route_cache = fill_cache(*m_socket, "reading routes", [](nl_sock* sock, nl_cache** cache) {
        return rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, cache);
    });
    if (!route_cache) return route_cache.error();
    std::vector<RouteRecord> routes;
    for (nl_object* object = nl_cache_get_first(route_cache->get()); object; object = nl_cache_get_next(object)) {
        auto* route = object_cast<rtnl_route>(object);
        // Unicast routes of every table but the kernel's local one (its addresses and broadcasts).
        const auto table = rtnl_route_get_table(route);
        if (table == RT_TABLE_LOCAL || table == RT_TABLE_UNSPEC || rtnl_route_get_type(route) != RTN_UNICAST) continue;
        nl_addr* destination = rtnl_route_get_dst(route);
        const auto network = from_nl_address(destination);
        if (!network) continue;
        RouteRecord record;
        record.route.destination = {*network, static_cast<unsigned>(nl_addr_get_prefixlen(destination))};
        record.route.metric = rtnl_route_get_priority(route);
        record.route.table_id = rtnl_route_get_table(route);
        record.route.protocol = protocol_name(rtnl_route_get_protocol(route));
        record.route.scope = static_cast<netconfig::RouteScope>(rtnl_route_get_scope(route));
        record.route.source = from_nl_address(rtnl_route_get_pref_src(route));
        const bool route_onlink = (rtnl_route_get_flags(route) & RTNH_F_ONLINK) != 0;
        const int hops = rtnl_route_get_nnexthops(route);
        if (hops == 0) routes.push_back(record);
        for (int i = 0; i < hops; ++i) {
            rtnl_nexthop* hop = rtnl_route_nexthop_n(route, i);
            RouteRecord one = record;
            one.route.next_hop_address = from_nl_address(rtnl_route_nh_get_gateway(hop));
            one.route.onlink = route_onlink || (rtnl_route_nh_get_flags(hop) & RTNH_F_ONLINK) != 0;
            one.out_index = rtnl_route_nh_get_ifindex(hop);
            routes.push_back(std::move(one));
        }
    }
    return assemble_state(*links, addresses, routes);
}

OpResult NetlinkAdapter::create_bridge(const IfName& name, const netconfig::BridgeOptions& options,
                                       const std::optional<netconfig::MacAddress>& mac) {
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.name(name);
    if (mac) request.bytes(IFLA_ADDRESS, mac->bytes.data(), static_cast<int>(mac->bytes.size()));
    request.open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "bridge").open(IFLA_INFO_DATA);
    put_bridge_options(request, options);
    request.close().close();
    return send(*m_socket, request, "creating bridge " + name.str());
}

OpResult NetlinkAdapter::create_bond(const IfName& name, std::optional<netconfig::BondMode> mode,
                                     const netconfig::BondOptions& options,
                                     const std::optional<netconfig::MacAddress>& mac) {
    const std::string what = "creating bond " + name.str();
    int primary = 0;
    if (options.primary) {
        auto index = index_of(*options.primary, what);
        if (!index) return index.error();
        primary = *index;
    }
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.name(name);
    if (mac) request.bytes(IFLA_ADDRESS, mac->bytes.data(), static_cast<int>(mac->bytes.size()));
    request.open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "bond").open(IFLA_INFO_DATA);
    put_bond_options(request, mode, options, primary);
    request.close().close();
    return send(*m_socket, request, what);
}

OpResult NetlinkAdapter::create_vlan(const IfName& name, const netconfig::VlanConfig& vlan) {
    const std::string what = "creating vlan " + name.str();
    auto base = index_of(vlan.base_iface, what);
    if (!base) return base.error();
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.name(name).u32(IFLA_LINK, static_cast<std::uint32_t>(*base));
    request.open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "vlan").open(IFLA_INFO_DATA).u16(IFLA_VLAN_ID, vlan.id);
    request.close().close();
    return send(*m_socket, request, what);
}

OpResult NetlinkAdapter::create_veth(const IfName& name, const IfName& peer) {
    ifinfomsg peer_header{};
    peer_header.ifi_family = AF_UNSPEC;
    LinkRequest request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    request.name(name).open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "veth").open(IFLA_INFO_DATA);
    request.open(VETH_INFO_PEER).append(&peer_header, sizeof peer_header).name(peer).close();
    request.close().close();
    return send(*m_socket, request, "creating veth " + name.str() + " with peer " + peer.str());
}

OpResult NetlinkAdapter::delete_link(const IfName& name) {
    LinkRequest request(RTM_DELLINK, 0);
    request.name(name);
    return gone_is_done(send(*m_socket, request, "deleting " + name.str()), ENODEV);
}

OpResult NetlinkAdapter::set_bridge_options(const IfName& name, const netconfig::BridgeOptions& options) {
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(name).open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "bridge").open(IFLA_INFO_DATA);
    put_bridge_options(request, options);
    request.close().close();
    return send(*m_socket, request, "setting bridge options of " + name.str());
}

OpResult NetlinkAdapter::set_bond_options(const IfName& name, std::optional<netconfig::BondMode> mode,
                                          const netconfig::BondOptions& options) {
    const std::string what = "setting bond options of " + name.str();
    int primary = 0;
    if (options.primary) {
        auto index = index_of(*options.primary, what);
        if (!index) return index.error();
        primary = *index;
    }
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(name).open(IFLA_LINKINFO).string(IFLA_INFO_KIND, "bond").open(IFLA_INFO_DATA);
    put_bond_options(request, mode, options, primary);
    request.close().close();
    return send(*m_socket, request, what);
}

OpResult NetlinkAdapter::set_port_options(const netconfig::BridgePort& port) {
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(port.name).open(IFLA_LINKINFO).string(IFLA_INFO_SLAVE_KIND, "bridge").open(IFLA_INFO_SLAVE_DATA);
    if (port.stp_path_cost) request.u32(IFLA_BRPORT_COST, *port.stp_path_cost);
    if (port.stp_priority) request.u16(IFLA_BRPORT_PRIORITY, static_cast<std::uint16_t>(*port.stp_priority));
    request.close().close();
    return send(*m_socket, request, "setting bridge port options of " + port.name.str());
}

OpResult NetlinkAdapter::set_master(const IfName& port, const IfName& controller) {
    const std::string what = "attaching " + port.str() + " to " + controller.str();
    auto index = index_of(controller, what);
    if (!index) return index.error();
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(port).u32(IFLA_MASTER, static_cast<std::uint32_t>(*index));
    return send(*m_socket, request, what);
}

OpResult NetlinkAdapter::release(const IfName& port) {
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(port).u32(IFLA_MASTER, 0);
    return gone_is_done(send(*m_socket, request, "releasing " + port.str() + " from its controller"), ENODEV);
}

OpResult NetlinkAdapter::set_mtu(const IfName& name, std::uint32_t mtu) {
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(name).u32(IFLA_MTU, mtu);
    return send(*m_socket, request, "setting MTU " + std::to_string(mtu) + " on " + name.str());
}

OpResult NetlinkAdapter::set_mac(const IfName& name, const netconfig::MacAddress& mac) {
    LinkRequest request(RTM_NEWLINK, 0);
    request.name(name).bytes(IFLA_ADDRESS, mac.bytes.data(), static_cast<int>(mac.bytes.size()));
    return send(*m_socket, request, "setting MAC address " + mac.to_string() + " on " + name.str());
}

// rtnetlink sets only IPv6's token and address generation mode; disable_ipv6 is a sysctl, per namespace as
// netlink is (NetworkManager writes the same file).
OpResult NetlinkAdapter::set_ipv6(const IfName& name, bool enabled) {
    const std::string what = (enabled ? "enabling IPv6 on " : "disabling IPv6 on ") + name.str();
    const auto written = sysctl::write_value(common::HostRoot("/"), "net/ipv6/conf/" + name.str() + "/disable_ipv6",
                                             enabled ? "0" : "1");
    if (!written) return common::make_error(what + ": " + written.error().message);
    if (*written != (enabled ? "0" : "1")) return common::make_error(what + ": the kernel kept disable_ipv6 " + *written);
    return netconfig::op_ok();
}

OpResult NetlinkAdapter::set_up(const IfName& name) {
    LinkRequest request(RTM_NEWLINK, 0, 0, IFF_UP, IFF_UP);
    request.name(name);
    return send(*m_socket, request, "bringing " + name.str() + " up");
}

OpResult NetlinkAdapter::set_down(const IfName& name) {
    LinkRequest request(RTM_NEWLINK, 0, 0, IFF_UP, 0);
    request.name(name);
    return send(*m_socket, request, "bringing " + name.str() + " down");
}

OpResult NetlinkAdapter::add_address(const IfName& name, const netconfig::InterfaceAddress& address) {
    return change_address(name, address, true);
}

OpResult NetlinkAdapter::del_address(const IfName& name, const netconfig::InterfaceAddress& address) {
    return change_address(name, address, false);
}

OpResult NetlinkAdapter::change_address(const IfName& name, const netconfig::InterfaceAddress& address, bool add) {
    const std::string what =
        (add ? "adding " : "removing ") + address.to_string() + (add ? " to " : " from ") + name.str();
    auto index = index_of(name, what);
    if (!index) return add ? index.error() : gone_is_done(index.error(), ENODEV);
    IfAddressPtr request(rtnl_addr_alloc());
    AddressPtr local = to_nl_address(address.ip, address.prefix_length);
    if (!request || !local) return common::make_error(what + ": out of memory");
    rtnl_addr_set_ifindex(request.get(), *index);
    rtnl_addr_set_family(request.get(), family_of(address.ip));
    if (const int rc = rtnl_addr_set_local(request.get(), local.get()); rc < 0)
        return common::make_error(what + ": " + nl_geterror(rc));
    rtnl_addr_set_prefixlen(request.get(), static_cast<int>(address.prefix_length));
    if (add && address.ip.family == netconfig::IpFamily::v4 && address.prefix_length < 31) {
        // What `ip addr add ... brd +` and NetworkManager set: the subnet's broadcast address.
        auto broadcast = address.ip;
        for (unsigned bit = address.prefix_length; bit < 32; ++bit)
            broadcast.bytes[bit / 8] = static_cast<std::uint8_t>(broadcast.bytes[bit / 8] | (0x80u >> (bit % 8)));
        AddressPtr brd = to_nl_address(broadcast, 32);
        if (brd) rtnl_addr_set_broadcast(request.get(), brd.get());
    }
    auto done = m_socket->call(what, [&](nl_sock* sock) {
        return add ? rtnl_addr_add(sock, request.get(), NLM_F_EXCL) : rtnl_addr_delete(sock, request.get(), 0);
    });
    return add ? done : gone_is_done(std::move(done), EADDRNOTAVAIL);
}

OpResult NetlinkAdapter::add_route(const netconfig::Route& route) { return change_route(route, RTM_NEWROUTE); }
OpResult NetlinkAdapter::replace_route(const netconfig::Route& route) { return change_route(route, -RTM_NEWROUTE); }
OpResult NetlinkAdapter::del_route(const netconfig::Route& route) { return change_route(route, RTM_DELROUTE); }

// how: RTM_NEWROUTE (exclusive add), -RTM_NEWROUTE (replace) or RTM_DELROUTE.
OpResult NetlinkAdapter::change_route(const netconfig::Route& route, int how) {
    const std::string what = std::string(how == RTM_DELROUTE ? "removing " : how < 0 ? "replacing " : "adding ") +
                             describe_route(route);
    int out_index = 0;
    if (route.next_hop_interface) {
        auto index = index_of(*route.next_hop_interface, what);
        if (!index) return how == RTM_DELROUTE ? gone_is_done(index.error(), ENODEV) : index.error();
        out_index = *index;
    }
    RoutePtr request(rtnl_route_alloc());
    AddressPtr destination = to_nl_address(route.destination.address, route.destination.prefix_length);
    if (!request || !destination) return common::make_error(what + ": out of memory");
    rtnl_route_set_family(request.get(), static_cast<std::uint8_t>(family_of(route.destination.address)));
    rtnl_route_set_table(request.get(), route.table_id.value_or(netconfig::k_main_table));
    if (const int rc = rtnl_route_set_dst(request.get(), destination.get()); rc < 0)
        return common::make_error(what + ": " + nl_geterror(rc));
    // A removal matches routes of any origin (protocol 0); what we add is ours ("static"), unless a rollback
    // puts back a route with the origin it had ("boot", "dhcp", ...).
    rtnl_route_set_protocol(request.get(), how == RTM_DELROUTE ? RTPROT_UNSPEC : protocol_number(route.protocol));
    if (route.metric) rtnl_route_set_priority(request.get(), *route.metric);
    if (how != RTM_DELROUTE) {
        // Scope, preferred source and onlink as the host had them (a rollback) or as the planner chose.
        if (route.scope) rtnl_route_set_scope(request.get(), static_cast<std::uint8_t>(*route.scope));
        if (route.source) {
            AddressPtr source = to_nl_address(*route.source, route.source->max_prefix_length());
            if (!source) return common::make_error(what + ": out of memory");
            if (const int rc = rtnl_route_set_pref_src(request.get(), source.get()); rc < 0)
                return common::make_error(what + ": " + nl_geterror(rc));
        }
    }
    if (route.next_hop_address || out_index > 0) {
        NextHopPtr hop(rtnl_route_nh_alloc());
        if (!hop) return common::make_error(what + ": out of memory");
        if (out_index > 0) rtnl_route_nh_set_ifindex(hop.get(), out_index);
        if (route.onlink && how != RTM_DELROUTE) rtnl_route_nh_set_flags(hop.get(), RTNH_F_ONLINK);
        if (route.next_hop_address) {
            AddressPtr gateway = to_nl_address(*route.next_hop_address, route.next_hop_address->max_prefix_length());
            if (!gateway) return common::make_error(what + ": out of memory");
            rtnl_route_nh_set_gateway(hop.get(), gateway.get());
        }
        rtnl_route_add_nexthop(request.get(), hop.release());  // the route owns it now
    }
    auto done = m_socket->call(what, [&](nl_sock* sock) {
        if (how == RTM_DELROUTE) return rtnl_route_delete(sock, request.get(), 0);
        return rtnl_route_add(sock, request.get(), how < 0 ? NLM_F_REPLACE : NLM_F_EXCL);
    });
    return how == RTM_DELROUTE ? gone_is_done(std::move(done), ESRCH) : done;
}

OpResult NetlinkAdapter::gone_is_done(OpResult result, int gone_errno) const {
    if (!result && m_socket->kernel_errno() == gone_errno) return netconfig::op_ok();
    return result;
}

}  // namespace host::netlink
