// net.persistent: the running bridges, bonds and VLANs against what brings them back at boot (NetworkManager
// keyfiles, ifcfg files, libvirt networks), needing no profile. Both directions WARN: a runtime interface
// without a definition (or whose ports no definition enslaves) is gone after a reboot; a definition that comes
// up at boot for an interface that does not exist now changes the host at the next reboot.
// Guests' taps and veths are nobody's to persist; only definitions that come up at boot count
// (autoconnect=false / ONBOOT=no ones bring nothing back).
#include <algorithm>
#include <map>

#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

using netconfig::Interface;
using netconfig::InterfaceType;

bool is_virtual_link(const Interface& iface) {
    return iface.type == InterfaceType::linux_bridge || iface.type == InterfaceType::bond ||
           iface.type == InterfaceType::vlan;
}

// A port the host's configuration must enslave again at boot (guests' taps and containers' veths are not).
bool is_configured_port(const Interface& iface) {
    return iface.type == InterfaceType::ethernet || iface.type == InterfaceType::bond || iface.type == InterfaceType::vlan;
}

std::string kind_word(const Interface& iface) {
    switch (iface.type.value_or(InterfaceType::other)) {
        case InterfaceType::linux_bridge: return "bridge";
        case InterfaceType::bond: return "bond";
        case InterfaceType::vlan: return "VLAN";
        default: return "interface";
    }
}

std::string named(const NetworkDefinition& definition) {
    return definition.path + (definition.id.empty() ? "" : " (\"" + definition.id + "\")");
}

}  // namespace

Outcome judge_net_persistent(const HostFacts& facts) {
    const auto& network = facts.network();
    if (!network.has_value()) return missing_fact(network);
    const auto& read = facts.network_definitions();
    if (!read.has_value()) return missing_fact(read);
    const auto& definitions = read->definitions;
    std::multimap<std::string, const NetworkDefinition*> by_interface;
    for (const auto& definition : definitions)
        if (!definition.interface.empty()) by_interface.emplace(definition.interface, &definition);

    std::vector<std::string> vanish, appear, persisted;
    for (const auto& iface : network->interfaces) {
        if (!is_virtual_link(iface)) continue;
        const std::string& name = iface.name.str();
        const auto [first, last] = by_interface.equal_range(name);
        std::vector<const NetworkDefinition*> at_boot, inactive;
        for (auto it = first; it != last; ++it) (it->second->autoconnect ? at_boot : inactive).push_back(it->second);
        if (at_boot.empty()) {
            vanish.push_back(name + " (" + kind_word(iface) + ") has no persistent definition" +
                             (inactive.empty() ? "" : " that comes up at boot (" + named(*inactive.front()) +
                                                         " has autoconnect off)") +
                             ": it is gone after a reboot");
            continue;
        }
        persisted.push_back(name);
        // Its ports: a definition must enslave each at boot, or the bridge or bond comes back empty.
        if (iface.type == InterfaceType::vlan) continue;
        for (const auto& port : network->interfaces) {
            if (!port.controller || port.controller->str() != name || !is_configured_port(port)) continue;
            const auto [port_first, port_last] = by_interface.equal_range(port.name.str());
            const bool enslaved = std::any_of(port_first, port_last, [&](const auto& entry) {
                return entry.second->autoconnect && entry.second->controller == name;
            });
            if (!enslaved)
                vanish.push_back(port.name.str() + " is a port of " + name +
                                 " now, but no persistent definition makes it one at boot");
        }
    }
    for (const auto& definition : definitions) {
        if (!definition.autoconnect || definition.interface.empty() || definition.source == "libvirt") continue;
        if (definition.type != "bridge" && definition.type != "bond" && definition.type != "vlan") continue;
        const bool exists = std::any_of(network->interfaces.begin(), network->interfaces.end(),
                                        [&](const Interface& iface) { return iface.name.str() == definition.interface; });
        if (!exists)
            appear.push_back(named(definition) + " brings up " + definition.type + " " + definition.interface +
                             " at boot, which does not exist now");
    }

    if (vanish.empty() && appear.empty()) {
        if (persisted.empty()) return pass("no bridges, bonds or VLANs run, and no definition brings one up at boot");
        return pass(common::join(persisted, ", ") + ": each has a persistent definition, its ports too");
    }
    std::vector<std::string> all = vanish;
    all.insert(all.end(), appear.begin(), appear.end());
    std::string fix;
    if (!vanish.empty())
        fix = "persist the running network: kvm-agent apply --profile FILE (without --memory-only) writes "
              "NetworkManager keyfiles for it, or nmcli connection add ... for each";
    if (!appear.empty())
        fix += std::string(fix.empty() ? "" : "; ") +
               "for a definition that should not come up: nmcli connection delete ID (or remove the file); "
               "else nmcli connection up ID now";
    return warn(common::join(all, "; "), fix);
}

}  // namespace checks
