#pragma once
// Helpers for the network judge tests: interfaces as netlink observes them, definitions as the reader finds
// them, and a profile's expectations.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/expectations.h"
#include "checks/host_facts.h"

namespace checks::testing {

inline netconfig::InterfaceAddress address(const std::string& cidr) {
    const auto slash = cidr.find('/');
    auto ip = netconfig::IpAddress::parse(cidr.substr(0, slash));
    if (!ip) throw std::invalid_argument("not an address: " + cidr);
    return {*ip, static_cast<unsigned>(std::stoul(cidr.substr(slash + 1))), false};
}

// An interface that is up with carrier unless told otherwise; `controller` makes it a port.
inline netconfig::Interface make_link(const std::string& name, netconfig::InterfaceType type,
                                 std::optional<std::string> controller = std::nullopt,
                                 std::vector<std::string> addresses = {}) {
    netconfig::Interface iface;
    iface.name = netconfig::IfName(name);
    iface.type = type;
    iface.state = netconfig::InterfaceState::up;
    iface.carrier = true;
    if (controller) iface.controller = netconfig::IfName(*controller);
    iface.ipv4.addresses.emplace();
    iface.ipv6.addresses.emplace();
    for (const auto& cidr : addresses) {
        const auto parsed = address(cidr);
        (parsed.ip.family == netconfig::IpFamily::v4 ? iface.ipv4 : iface.ipv6).addresses->push_back(parsed);
    }
    if (type == netconfig::InterfaceType::linux_bridge) iface.bridge.emplace();
    if (type == netconfig::InterfaceType::bond) iface.bond.emplace();
    return iface;
}

inline netconfig::Interface bond_link(const std::string& name, netconfig::BondMode mode, std::uint32_t miimon,
                                      std::optional<std::string> controller = std::nullopt) {
    auto iface = make_link(name, netconfig::InterfaceType::bond, std::move(controller));
    iface.bond->mode = mode;
    iface.bond->options.miimon = miimon;
    return iface;
}

// A guest's NIC as libvirt plugs it into a bridge.
inline netconfig::Interface tap(const std::string& name, const std::string& bridge) {
    auto iface = make_link(name, netconfig::InterfaceType::other, bridge);
    iface.other_kind = "tun";
    return iface;
}

inline netconfig::Interface& find_link(netconfig::NetworkState& state, const std::string& name) {
    for (auto& iface : state.interfaces)
        if (iface.name.str() == name) return iface;
    throw std::invalid_argument("no interface " + name);
}

// The test guest's layout: nic1 and nic2 in an active-backup bond0 under br0, which has the address.
inline netconfig::NetworkState bonded_bridge() {
    netconfig::NetworkState state;
    state.interfaces = {make_link("lo", netconfig::InterfaceType::other),
                        make_link("nic0", netconfig::InterfaceType::ethernet, std::nullopt, {"10.0.2.15/24"}),
                        make_link("nic1", netconfig::InterfaceType::ethernet, "bond0"),
                        make_link("nic2", netconfig::InterfaceType::ethernet, "bond0"),
                        bond_link("bond0", netconfig::BondMode::active_backup, 100, "br0"),
                        make_link("br0", netconfig::InterfaceType::linux_bridge, std::nullopt, {"192.0.2.10/24"})};
    state.interfaces[0].other_kind = "loopback";
    return state;
}

inline BondingStatus active_backup_status(const std::string& active = "nic1", const std::string& nic2_mii = "up") {
    BondingStatus status;
    status.mode = "active-backup";
    status.mode_description = "fault-tolerance (active-backup)";
    status.mii_status = "up";
    status.miimon = 100;
    status.reports_active = true;
    if (!active.empty()) status.active = active;
    status.ports = {{"nic1", "up", 0, std::nullopt}, {"nic2", nic2_mii, 0, std::nullopt}};
    return status;
}

inline Expectations bonded_bridge_profile() {
    Expectations expectations;
    expectations.profile = "/etc/kvm-agent/host.yaml";
    expectations.bridges = {{"br0", std::vector<std::string>{"bond0"}, {"192.0.2.10/24"}}};
    expectations.bonds = {{"bond0", std::string("active-backup"), 100u, std::vector<std::string>{"nic1", "nic2"}}};
    return expectations;
}

inline NetworkDefinition keyfile(const std::string& interface, const std::string& type,
                                 const std::string& controller = "", const std::string& zone = "") {
    NetworkDefinition definition;
    definition.path = "/etc/NetworkManager/system-connections/kvm-agent-" + interface + ".nmconnection";
    definition.source = "NetworkManager";
    definition.id = "kvm-agent-" + interface;
    definition.interface = interface;
    definition.type = type;
    definition.controller = controller;
    definition.zone = zone;
    definition.autoconnect_priority = 100;
    return definition;
}

}  // namespace checks::testing
