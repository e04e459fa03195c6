// net.bridge and net.bond: the profile's bridges and bonds as the kernel has them now (links, ports, carrier,
// addresses over netlink; the bonding driver's own view in /proc/net/bonding).
//
// Without a profile net.bridge SKIPs: which ports and address a bridge should have is the profile's to say.
// net.bond judges every bond on the host for its health (a port down, no active port) with or without a
// profile, and the profile's bonds against the profile too (exists, mode, miimon, exactly its ports).
// A port enslaved but down, while another carries the traffic, is a WARN (redundancy lost); no working port,
// or ports that differ from the profile, is a FAIL.
#include <algorithm>
#include <set>

#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

using netconfig::Interface;
using netconfig::InterfaceType;
using netconfig::NetworkState;

const Interface* find_interface(const NetworkState& state, const std::string& name) {
    for (const auto& iface : state.interfaces)
        if (iface.name.str() == name) return &iface;
    return nullptr;
}

std::vector<const Interface*> ports_of(const NetworkState& state, const std::string& controller) {
    std::vector<const Interface*> ports;
    for (const auto& iface : state.interfaces)
        if (iface.controller && iface.controller->str() == controller) ports.push_back(&iface);
    return ports;
}

// A guest's tap device (libvirt plugs one into the bridge per virtual NIC): never in the profile.
bool is_guest_tap(const Interface& iface) {
    return iface.type == InterfaceType::other && iface.other_kind == "tun";
}

bool is_up(const Interface& iface) { return iface.state == netconfig::InterfaceState::up; }
bool has_carrier(const Interface& iface) { return is_up(iface) && iface.carrier.value_or(false); }

std::string link_word(const Interface& iface) {
    if (!is_up(iface)) return "down";
    return has_carrier(iface) ? "carrier" : "no carrier";
}

std::string type_word(const Interface& iface) {
    if (!iface.type) return "an interface";
    switch (*iface.type) {
        case InterfaceType::linux_bridge: return "a bridge";
        case InterfaceType::bond: return "a bond";
        case InterfaceType::vlan: return "a VLAN";
        case InterfaceType::ethernet: return "an Ethernet interface";
        case InterfaceType::veth: return "a veth";
        case InterfaceType::other: return iface.other_kind.empty() ? "an interface" : "a " + iface.other_kind + " interface";
    }
    return "an interface";
}

std::vector<std::string> addresses_of(const Interface& iface) {
    std::vector<std::string> out;
    for (const auto* config : {&iface.ipv4, &iface.ipv6})
        if (config->addresses)
            for (const auto& address : *config->addresses)
                if (!address.ip.is_link_local()) out.push_back(address.to_string());
    return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// Where a port the profile names is instead: "nic1 does not exist", "nic1 is a port of br1", "nic1 is not a port".
std::string whereabouts(const NetworkState& state, const std::string& port, const std::string& controller) {
    const auto* iface = find_interface(state, port);
    if (!iface) return port + " does not exist";
    if (iface->controller) return port + " is a port of " + iface->controller->str() + ", not of " + controller;
    return port + " is not a port of " + controller;
}

// What one bridge or bond came to: problems that FAIL, warnings, and the evidence of what is right.
struct Verdicts {
    std::vector<std::string> failures, warnings, fine;

    Outcome outcome(const std::string& fix) const {
        if (!failures.empty()) {
            auto all = failures;
            all.insert(all.end(), warnings.begin(), warnings.end());
            return fail(common::join(all, "; "), fix);
        }
        if (!warnings.empty()) return warn(common::join(warnings, "; "), fix);
        return pass(common::join(fine, "; "));
    }
};

void judge_bridge(const NetworkState& state, const ExpectedBridge& expected, Verdicts& verdicts) {
    const auto* bridge = find_interface(state, expected.name);
    if (!bridge) {
        verdicts.failures.push_back(expected.name + " does not exist");
        return;
    }
    if (bridge->type != InterfaceType::linux_bridge) {
        verdicts.failures.push_back(expected.name + " is " + type_word(*bridge) + ", not a bridge");
        return;
    }
    const std::size_t failures_before = verdicts.failures.size();
    const std::size_t warnings_before = verdicts.warnings.size();
    if (!is_up(*bridge)) verdicts.failures.push_back(expected.name + " is down");

    // The ports: exactly the profile's (guests' taps aside), each with carrier.
    std::vector<const Interface*> ports;
    std::vector<std::string> port_names;
    for (const auto* port : ports_of(state, expected.name)) {
        if (is_guest_tap(*port)) continue;
        ports.push_back(port);
        port_names.push_back(port->name.str());
    }
    if (expected.ports) {
        for (const auto& name : *expected.ports)
            if (!contains(port_names, name)) verdicts.failures.push_back(whereabouts(state, name, expected.name));
        for (const auto& name : port_names)
            if (!contains(*expected.ports, name))
                verdicts.failures.push_back(name + " is a port of " + expected.name + " but not in the profile");
    }
    std::vector<std::string> with_carrier, without;
    for (const auto* port : ports)
        (has_carrier(*port) ? with_carrier : without).push_back(port->name.str() + " (" + link_word(*port) + ")");
    if (!ports.empty() && with_carrier.empty())
        verdicts.failures.push_back("no port of " + expected.name + " has carrier: " + common::join(without, ", "));
    else if (!without.empty())
        verdicts.warnings.push_back("port " + common::join(without, ", ") + " of " + expected.name +
                                    " has no carrier: the bridge runs on " + common::join(with_carrier, ", "));

    // The address lives on the bridge: a port with an address takes the traffic meant for the bridge.
    const auto on_bridge = addresses_of(*bridge);
    for (const auto& address : expected.addresses) {
        if (contains(on_bridge, address)) continue;
        std::string elsewhere;
        for (const auto& iface : state.interfaces)
            if (&iface != bridge && contains(addresses_of(iface), address)) elsewhere = iface.name.str();
        verdicts.failures.push_back(address + " is not on " + expected.name +
                                    (elsewhere.empty() ? "" : " (it is on " + elsewhere + ")"));
    }
    for (const auto* port : ports)
        for (const auto& address : addresses_of(*port))
            verdicts.failures.push_back(port->name.str() + ", a port of " + expected.name + ", has " + address +
                                        ": addresses belong on the bridge");

    if (verdicts.failures.size() == failures_before && verdicts.warnings.size() == warnings_before)
        verdicts.fine.push_back(expected.name + " up, ports " +
                                (with_carrier.empty() ? std::string("none") : common::join(with_carrier, ", ")) +
                                (on_bridge.empty() ? "" : ", " + common::join(on_bridge, ", ")));
}

// A bond the profile lists, or one it does not (expectations without mode, miimon or ports: its health only).
void judge_bond(const HostFacts& facts, const NetworkState& state, const ExpectedBond& expected, Verdicts& verdicts) {
    const auto* bond = find_interface(state, expected.name);
    if (!bond) {
        verdicts.failures.push_back(expected.name + " does not exist");
        return;
    }
    if (bond->type != InterfaceType::bond) {
        verdicts.failures.push_back(expected.name + " is " + type_word(*bond) + ", not a bond");
        return;
    }
    const std::size_t failures_before = verdicts.failures.size();
    const std::size_t warnings_before = verdicts.warnings.size();
    const std::string& name = expected.name;
    if (!is_up(*bond)) verdicts.failures.push_back(name + " is down");

    const auto& bonding = facts.bonding(name);
    const BondingStatus* driver = bonding.has_value() ? &bonding.value() : nullptr;
    std::string mode;
    if (bond->bond && bond->bond->mode) mode = std::string(netconfig::to_string(*bond->bond->mode));
    else if (driver) mode = driver->mode;
    std::uint32_t miimon = 0;
    bool miimon_known = true;
    if (bond->bond && bond->bond->options.miimon) miimon = *bond->bond->options.miimon;
    else if (driver && driver->miimon) miimon = *driver->miimon;
    else miimon_known = false;
    if (expected.mode && mode != *expected.mode)
        verdicts.failures.push_back(name + " is in mode " + (mode.empty() ? "unknown" : mode) + ", the profile says " +
                                    *expected.mode);
    if (expected.miimon && (!miimon_known || miimon != *expected.miimon))
        verdicts.failures.push_back(name + " has miimon " + (miimon_known ? std::to_string(miimon) : "unknown") +
                                    ", the profile says " + std::to_string(*expected.miimon));

    std::vector<const Interface*> ports = ports_of(state, name);
    std::vector<std::string> port_names;
    for (const auto* port : ports) port_names.push_back(port->name.str());
    if (expected.ports) {
        for (const auto& port : *expected.ports)
            if (!contains(port_names, port)) verdicts.failures.push_back(whereabouts(state, port, name));
        for (const auto& port : port_names)
            if (!contains(*expected.ports, port))
                verdicts.failures.push_back(port + " is a port of " + name + " but not in the profile");
    }
    if (ports.empty()) {
        verdicts.failures.push_back(name + " has no ports");
        return;
    }

    // A port is up when its link is (netlink) and the bonding driver's MII monitor agrees.
    std::vector<std::string> up, down, described;
    for (const auto* port : ports) {
        const BondingPort* seen = driver ? driver->find(port->name.str()) : nullptr;
        std::string why;
        if (!has_carrier(*port)) why = link_word(*port);
        else if (seen && seen->mii_status != "up") why = "MII " + (seen->mii_status.empty() ? "unknown" : seen->mii_status);
        if (why.empty()) up.push_back(port->name.str());
        else down.push_back(port->name.str() + " (" + why + ")");
        described.push_back(port->name.str() + (why.empty() ? " up" : " " + why));
    }
    if (up.empty()) {
        verdicts.failures.push_back("no port of " + name + " is up: " + common::join(down, ", "));
    } else if (!down.empty()) {
        verdicts.warnings.push_back("port " + common::join(down, ", ") + " of " + name + " is down: " + name +
                                    " runs on " + common::join(up, ", ") + " without redundancy");
    }

    // The port that carries the traffic.
    std::string active_note;
    if (!driver) {
        verdicts.warnings.push_back("cannot tell " + name + "'s active port: " + bonding.reason());
    } else if (driver->reports_active) {
        if (!driver->active) verdicts.failures.push_back(name + " has no active port (Currently Active Slave: None)");
        else if (!contains(up, *driver->active))
            verdicts.failures.push_back(name + "'s active port " + *driver->active + " is not up");
        else active_note = ", active " + *driver->active;
    } else if (mode == "802.3ad") {
        if (!driver->active_aggregator) {
            verdicts.failures.push_back(name + " has no active LACP aggregator");
        } else {
            std::vector<std::string> outside;
            for (const auto& port : driver->ports)
                if (contains(up, port.name) && port.aggregator_id != driver->active_aggregator) outside.push_back(port.name);
            if (!outside.empty())
                verdicts.warnings.push_back("port " + common::join(outside, ", ") + " of " + name +
                                            " is up but not in the active LACP aggregator " +
                                            std::to_string(*driver->active_aggregator) +
                                            " (the switch ports are not in one LACP group?)");
            active_note = ", aggregator " + std::to_string(*driver->active_aggregator);
        }
    }
    if (verdicts.failures.size() == failures_before && verdicts.warnings.size() == warnings_before)
        verdicts.fine.push_back(name + " " + (mode.empty() ? "mode unknown" : mode) +
                                (miimon_known ? " miimon " + std::to_string(miimon) : "") + ": " +
                                common::join(described, ", ") + active_note);
}

}  // namespace

Outcome judge_net_bridge(const HostFacts& facts, const Expectations* expectations) {
    if (!expectations) return skip(k_no_profile);
    if (expectations->bridges.empty()) return skip("the profile lists no bridges");
    const auto& network = facts.network();
    if (!network.has_value()) return missing_fact(network);
    Verdicts verdicts;
    for (const auto& bridge : expectations->bridges) judge_bridge(network.value(), bridge, verdicts);
    return verdicts.outcome(apply_fix(*expectations, "network"));
}

Outcome judge_net_bond(const HostFacts& facts, const Expectations* expectations) {
    const auto& network = facts.network();
    if (!network.has_value()) return missing_fact(network);
    Verdicts verdicts;
    std::set<std::string> judged;
    if (expectations)
        for (const auto& bond : expectations->bonds) {
            judge_bond(facts, network.value(), bond, verdicts);
            judged.insert(bond.name);
        }
    for (const auto& iface : network->interfaces)
        if (iface.type == InterfaceType::bond && !judged.count(iface.name.str()))
            judge_bond(facts, network.value(), ExpectedBond{iface.name.str(), {}, {}, {}}, verdicts);
    if (verdicts.failures.empty() && verdicts.warnings.empty() && verdicts.fine.empty())
        return skip(expectations ? "the profile lists no bonds and the host has none"
                                 : std::string("no bonds on this host; ") + k_no_profile);
    const std::string fix = expectations ? apply_fix(*expectations, "network")
                                         : "bring the ports up (ip link set PORT up; check the cable and the switch "
                                           "port), then cat /proc/net/bonding/BOND";
    return verdicts.outcome(fix);
}

}  // namespace checks
