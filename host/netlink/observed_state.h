#pragma once
// Assembling the model from what the kernel said: links (decoded RTM_NEWLINK messages), addresses and routes
// (from libnl's caches, reduced to plain records). Pure, so the mapping rules are tested without a kernel.
#include <vector>

#include "host/netlink/link_message.h"
#include "netconfig/model.h"

namespace host::netlink {

struct AddressRecord {
    int index = 0;  // the interface's ifindex
    netconfig::InterfaceAddress address;
};

// One next hop of a route (a multipath route gives one record per next hop).
struct RouteRecord {
    netconfig::Route route;  // next_hop_interface is filled from out_index
    int out_index = 0;
};

// Interfaces in ifindex order. Kinds: bridge, bond, vlan and veth by IFLA_INFO_KIND; a link with no kind and an
// Ethernet link type is `ethernet`; anything else is `other` with its kind ("loopback" for lo). Ports are listed
// on their bridge or bond in ifindex order. IPv6 link-local addresses are left out.
netconfig::NetworkState assemble_state(const std::vector<LinkMessage>& links,
                                       const std::vector<AddressRecord>& addresses,
                                       const std::vector<RouteRecord>& routes);

}  // namespace host::netlink
