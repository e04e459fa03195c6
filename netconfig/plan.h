#pragma once
// The network planner: a pure diff of a desired state against an observed one, as ordered steps that map one
// to one onto LinkOps (netconfig/link_ops.h). Re-planning against a state that satisfies the desired one
// yields no steps.
//
// Meaning of the desired state (nmstate's, where nmstate has one):
// - an interface not listed is left alone, unless a listed master claims it as a port;
// - state unspecified means up; absent deletes a virtual interface (ports released first) and unconfigures
//   a physical one (released, addresses removed, down);
// - bridge/bond port lists, when given, are the full set: unlisted ports are released; a port carries no
//   addresses of its own (they move to the master before they leave the port);
// - an address list, when given and DHCP/autoconf is not on, is the full static set of that family: other
//   addresses are removed (dynamic and IPv6 link-local ones never); `enabled: false` removes them all;
// - routes listed must exist (a route to the same destination elsewhere is replaced in one kernel call, so a
//   default route moves without a gap); `state: absent` routes are removed, unspecified keys matching any.
//
// Order, chosen so that connectivity moves from a port to its new master with the shortest interruption:
//   bonds whose mode changes are taken down and emptied; interfaces are created (bases before VLANs);
//   options, MTU (lower layers first) and MAC are set; addresses are added (to a new master while it is
//   still down, before its ports join it); ports nobody keeps are released (a bond closes them: they must
//   leave before the set-up pass); ports are enslaved (a port joining a bond is set down first: the bonding
//   driver requires it); interfaces are set up (lower layers first); routes are added or replaced; routes and
//   addresses that must go are removed (a port's last); interfaces are set down; absent interfaces are
//   deleted; MACs a bond held until it released the port are set last.
// Removals may find the kernel was first (a device going down loses its routes, IPv6 its addresses): apply
// should take "no such route/address" on a removal as done.
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "netconfig/model.h"

namespace netconfig {

enum class StepKind {
    create_bond,         // name, bond_mode, bond_options
    create_bridge,       // name, bridge_options
    create_vlan,         // name, vlan
    create_veth,         // name, peer
    set_bond_options,    // name, bond_mode (only when it changes), bond_options (only those that change)
    set_bridge_options,  // name, bridge_options (only those that change)
    set_port_options,    // name (the port), controller, port (its options that change)
    set_master,          // name (the port), controller
    release,             // name (the port), controller (the one it leaves)
    set_mtu,             // name, mtu
    set_mac,             // name, mac
    set_ipv6,            // name, ipv6_enabled (the link's disable_ipv6: off takes its link-local and RA too)
    add_address,         // name, address
    del_address,         // name, address
    add_route,           // route
    replace_route,       // route (takes the place of the route with its destination, table and metric)
    del_route,           // route
    set_up,              // name
    set_down,            // name
    delete_link,         // name
};

inline constexpr std::array<NamedValue<StepKind>, 20> k_step_kinds{{
    {StepKind::create_bond, "create-bond"},
    {StepKind::create_bridge, "create-bridge"},
    {StepKind::create_vlan, "create-vlan"},
    {StepKind::create_veth, "create-veth"},
    {StepKind::set_bond_options, "set-bond-options"},
    {StepKind::set_bridge_options, "set-bridge-options"},
    {StepKind::set_port_options, "set-port-options"},
    {StepKind::set_master, "set-master"},
    {StepKind::release, "release"},
    {StepKind::set_mtu, "set-mtu"},
    {StepKind::set_mac, "set-mac"},
    {StepKind::set_ipv6, "set-ipv6"},
    {StepKind::add_address, "add-address"},
    {StepKind::del_address, "del-address"},
    {StepKind::add_route, "add-route"},
    {StepKind::replace_route, "replace-route"},
    {StepKind::del_route, "del-route"},
    {StepKind::set_up, "set-up"},
    {StepKind::set_down, "set-down"},
    {StepKind::delete_link, "delete-link"},
}};
std::string_view to_string(StepKind kind);
// A step that makes a new link (a bridge, bond, VLAN or veth).
inline bool creates_link(StepKind kind) {
    return kind == StepKind::create_bond || kind == StepKind::create_bridge || kind == StepKind::create_vlan ||
           kind == StepKind::create_veth;
}

// One change. Only the fields its kind names (see StepKind) are meaningful.
struct Step {
    StepKind kind = StepKind::set_up;
    IfName name;                        // the interface changed (empty for routes)
    IfName controller;                  // set_master, release, set_port_options: the bridge or bond
    std::optional<BondMode> bond_mode;  // create_bond, set_bond_options
    BondOptions bond_options;
    BridgeOptions bridge_options;       // create_bridge, set_bridge_options
    BridgePort port;                    // set_port_options (port.name == name)
    VlanConfig vlan;                    // create_vlan
    IfName peer;                        // create_veth
    std::uint32_t mtu = 0;              // set_mtu
    MacAddress mac;                     // set_mac
    bool ipv6_enabled = true;           // set_ipv6
    // create_bond, create_bridge: the MAC the link is born with. udev (MACAddressPolicy=persistent) gives a new
    // link whose MAC the kernel made up one of its own, moments later; one born with ours it leaves alone.
    std::optional<MacAddress> initial_mac;
    InterfaceAddress address;           // add_address, del_address
    Route route;                        // add_route, replace_route, del_route

    // One human line: "create bond bond0 (mode active-backup, miimon 100)".
    std::string to_string() const;
};

struct Plan {
    std::vector<Step> steps;
    bool empty() const { return steps.empty(); }
};

// The steps that turn `observed` into a state that satisfies `desired`. An error when that is impossible
// without asking: an interface of a type we cannot create (ethernet, other) is missing, an existing interface
// has another type or VLAN id/base than desired. `desired` is expected to have passed validate().
common::Result<Plan> plan(const NetworkState& desired, const NetworkState& observed);

// What `steps` do to `state`, as far as the model can tell (no kernel side effects such as a bond taking its
// first port's MAC). Used to check a plan converges, and by tests and dry runs.
void simulate(NetworkState& state, const std::vector<Step>& steps);

// The desired state that takes `after` back to `before`: every interface of `before` as it was (type, state,
// MTU, MAC, exact port sets, options, static addresses), every interface created since as absent, the routes
// of `before` (kernel and RA routes aside: they follow addresses) and the routes added since as absent.
// Addresses that were dynamic before come back static: the host keeps its address until its DHCP client
// renews it.
NetworkState rollback_target(const NetworkState& before, const NetworkState& after);

// plan(rollback_target(before, after), after).
common::Result<Plan> rollback_plan(const NetworkState& before, const NetworkState& after);

}  // namespace netconfig
