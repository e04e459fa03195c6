#pragma once
// Interfaces whose addresses come from the host's network service (ipv4.dhcp, ipv6.dhcp, ipv6.autoconf) rather
// than from netlink: which they are, what a bridge or bond over an uplink on DHCP inherits from it, and whether
// the lease and its routes have arrived. Pure: the agent waits and observes, this only judges.
#include <set>
#include <string>
#include <vector>

#include "netconfig/model.h"

namespace netconfig {

// One interface the network service must configure, and for which families.
struct DynamicRequest {
    IfName interface;
    bool ipv4 = false;  // DHCPv4
    bool ipv6 = false;  // DHCPv6 or SLAAC
    bool wants(IpFamily family) const { return family == IpFamily::v4 ? ipv4 : ipv6; }
};

// The interfaces of `desired` that ask for DHCP or autoconf in a family that is not disabled, in profile order.
std::vector<DynamicRequest> dynamic_requests(const NetworkState& desired);

// `desired` where a bridge or bond the profile says nothing about in a family (no addresses, no dhcp, no
// autoconf, not disabled) takes over the DHCP or autoconf that its listed ports have in `observed`: moving an
// uplink on DHCP under a bridge keeps the host on DHCP, as moving its static addresses does (the planner
// moves those).
NetworkState with_inherited_addressing(const NetworkState& desired, const NetworkState& observed);

// nmstate's switch from DHCP to static: a family whose profile turns DHCP (and, for IPv6, autoconf) off
// without listing addresses keeps the dynamic addresses the interface has as static ones, and the default
// route of that family its lease brought as a static route. Otherwise the profile written would leave the
// host without an address once the lease ends, or at the next boot.
NetworkState with_dynamic_kept_static(const NetworkState& desired, const NetworkState& observed);

// What is still missing after an apply of `desired` for each request: a dynamic address of each requested
// family on the interface, and, where `before` had a default route of that family through the interface or
// one of its (new) ports, a default route through the interface. One line each ("br0: no DHCP (IPv4) address
// yet"); empty when everything arrived.
std::vector<std::string> missing_dynamic_addressing(const std::vector<DynamicRequest>& requests,
                                                    const NetworkState& desired, const NetworkState& before,
                                                    const NetworkState& now);

// The addresses of `before` that were dynamic (a lease, SLAAC), by interface: what the network service
// brings back by itself once the interface's own profile is active again.
std::vector<std::pair<IfName, InterfaceAddress>> dynamic_addresses(const NetworkState& state);

}  // namespace netconfig
