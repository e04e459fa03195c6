#pragma once
// LinkOps and NetworkObserver over one NETLINK_ROUTE socket (libnl-route-3). The adapter works in the network
// namespace of the thread that opened it (the socket keeps that namespace for its whole life), so a test can
// open it after setns() and `kvm-agent` run under `ip netns exec` observes and changes that namespace only.
// Errors name the operation and the object: "creating bond0: Operation not supported (Unknown device type)".
#include <memory>

#include "common/result.h"
#include "netconfig/link_ops.h"

namespace host::netlink {

class RouteSocket;

class NetlinkAdapter final : public netconfig::LinkOps, public netconfig::NetworkObserver {
public:
    static common::Result<std::unique_ptr<NetlinkAdapter>> open();
    ~NetlinkAdapter() override;

    // All links with their kind-specific settings and ports, all addresses but IPv6 link-local ones (which
    // the kernel makes by itself, as nmstate leaves them out too), and the unicast routes of the main table
    // including the kernel's own prefix routes (Route::protocol says "kernel" for those).
    common::Result<netconfig::NetworkState> observe() override;

    netconfig::OpResult create_bridge(const netconfig::IfName& name, const netconfig::BridgeOptions& options,
                                      const std::optional<netconfig::MacAddress>& mac) override;
    netconfig::OpResult create_bond(const netconfig::IfName& name, std::optional<netconfig::BondMode> mode,
                                    const netconfig::BondOptions& options,
                                    const std::optional<netconfig::MacAddress>& mac) override;
    netconfig::OpResult create_vlan(const netconfig::IfName& name, const netconfig::VlanConfig& vlan) override;
    netconfig::OpResult create_veth(const netconfig::IfName& name, const netconfig::IfName& peer) override;
    netconfig::OpResult delete_link(const netconfig::IfName& name) override;

    netconfig::OpResult set_bridge_options(const netconfig::IfName& name,
                                           const netconfig::BridgeOptions& options) override;
    netconfig::OpResult set_bond_options(const netconfig::IfName& name, std::optional<netconfig::BondMode> mode,
                                         const netconfig::BondOptions& options) override;
    netconfig::OpResult set_port_options(const netconfig::BridgePort& port) override;

    netconfig::OpResult set_master(const netconfig::IfName& port, const netconfig::IfName& controller) override;
    netconfig::OpResult release(const netconfig::IfName& port) override;

    netconfig::OpResult set_mtu(const netconfig::IfName& name, std::uint32_t mtu) override;
    netconfig::OpResult set_mac(const netconfig::IfName& name, const netconfig::MacAddress& mac) override;
    netconfig::OpResult set_ipv6(const netconfig::IfName& name, bool enabled) override;
    netconfig::OpResult set_up(const netconfig::IfName& name) override;
    netconfig::OpResult set_down(const netconfig::IfName& name) override;

    netconfig::OpResult add_address(const netconfig::IfName& name,
                                    const netconfig::InterfaceAddress& address) override;
    netconfig::OpResult del_address(const netconfig::IfName& name,
                                    const netconfig::InterfaceAddress& address) override;

    netconfig::OpResult add_route(const netconfig::Route& route) override;
    netconfig::OpResult replace_route(const netconfig::Route& route) override;
    netconfig::OpResult del_route(const netconfig::Route& route) override;

private:
    explicit NetlinkAdapter(std::unique_ptr<RouteSocket> socket);
    common::Result<int> index_of(const netconfig::IfName& name, const std::string& what);
    netconfig::OpResult change_address(const netconfig::IfName& name, const netconfig::InterfaceAddress& address,
                                       bool add);
    netconfig::OpResult change_route(const netconfig::Route& route, int how);
    // A removal the kernel refused with `gone_errno` (no such device/address/route) found its work done.
    netconfig::OpResult gone_is_done(netconfig::OpResult result, int gone_errno) const;

    std::unique_ptr<RouteSocket> m_socket;
};

}  // namespace host::netlink
