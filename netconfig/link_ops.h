#pragma once
// The system edge of the network planner: what a plan asks of the kernel (LinkOps) and how the current state
// is read (NetworkObserver). Pure interfaces over the model; host/netlink implements them over netlink, tests
// use recording fakes. Every failure is an Error whose message names the operation and the object
// ("creating bond0: Operation not supported"). Removing what is already gone succeeds (del_address,
// del_route, release, delete_link): the kernel takes a device's routes and IPv6 addresses with it when it goes
// down or away, and a veth's peer with the veth.
#include <cstdint>
#include <optional>
#include <variant>

#include "common/result.h"
#include "netconfig/model.h"

namespace netconfig {

// The outcome of an operation that returns nothing but may fail.
using OpResult = common::Result<std::monostate>;
inline OpResult op_ok() { return std::monostate{}; }

class LinkOps {
public:
    virtual ~LinkOps() = default;

    // Virtual interfaces are created administratively down. Options left empty keep the kernel's defaults; a
    // bridge or bond created with a `mac` has it from the start (nullopt: the kernel makes one up).
    virtual OpResult create_bridge(const IfName& name, const BridgeOptions& options,
                                   const std::optional<MacAddress>& mac) = 0;
    virtual OpResult create_bond(const IfName& name, std::optional<BondMode> mode, const BondOptions& options,
                                 const std::optional<MacAddress>& mac) = 0;
    virtual OpResult create_vlan(const IfName& name, const VlanConfig& vlan) = 0;
    virtual OpResult create_veth(const IfName& name, const IfName& peer) = 0;
    virtual OpResult delete_link(const IfName& name) = 0;

    // Only the options that are set are sent. The kernel refuses a mode change on a bond that is up or has ports.
    virtual OpResult set_bridge_options(const IfName& name, const BridgeOptions& options) = 0;
    virtual OpResult set_bond_options(const IfName& name, std::optional<BondMode> mode,
                                      const BondOptions& options) = 0;
    // Bridge port STP cost and priority of `port.name`, which must already be a port of a bridge.
    virtual OpResult set_port_options(const BridgePort& port) = 0;

    // Makes `port` a port of the bridge or bond `controller`; release() detaches it from whichever it has.
    virtual OpResult set_master(const IfName& port, const IfName& controller) = 0;
    virtual OpResult release(const IfName& port) = 0;

    virtual OpResult set_mtu(const IfName& name, std::uint32_t mtu) = 0;
    virtual OpResult set_mac(const IfName& name, const MacAddress& mac) = 0;
    // The link's IPv6 switch (disable_ipv6): off, the kernel drops its IPv6 addresses, link-local included.
    virtual OpResult set_ipv6(const IfName& name, bool enabled) = 0;
    virtual OpResult set_up(const IfName& name) = 0;
    virtual OpResult set_down(const IfName& name) = 0;

    virtual OpResult add_address(const IfName& name, const InterfaceAddress& address) = 0;
    virtual OpResult del_address(const IfName& name, const InterfaceAddress& address) = 0;

    // Routes go to route.table_id (main when empty). add_route fails when an equal route (destination, table,
    // metric) exists; replace_route swaps it in one kernel call, which is how a default route moves to a
    // bridge without a gap. del_route matches on what the route sets (an empty metric matches any).
    virtual OpResult add_route(const Route& route) = 0;
    virtual OpResult replace_route(const Route& route) = 0;
    virtual OpResult del_route(const Route& route) = 0;
};

// Reads the interfaces, addresses and routes of the network namespace the adapter works in.
class NetworkObserver {
public:
    virtual ~NetworkObserver() = default;
    virtual common::Result<NetworkState> observe() = 0;
};

}  // namespace netconfig
