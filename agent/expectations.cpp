#include "agent/expectations.h"

namespace agent {
namespace {

bool brought_up(const netconfig::Interface& iface) {
    return !iface.state || *iface.state == netconfig::InterfaceState::up;
}

std::vector<std::string> static_addresses(const netconfig::Interface& iface) {
    std::vector<std::string> addresses;
    for (const auto* config : {&iface.ipv4, &iface.ipv6}) {
        if (config->enabled == false || !config->addresses) continue;
        for (const auto& address : *config->addresses) addresses.push_back(address.to_string());
    }
    return addresses;
}

}  // namespace

checks::Expectations expectations_from(const profile::HostProfile& profile) {
    checks::Expectations expectations;
    expectations.profile = profile.source;
    if (profile.network) {
        for (const auto& iface : profile.network->desired.interfaces) {
            if (!brought_up(iface) || !iface.type) continue;
            if (*iface.type == netconfig::InterfaceType::linux_bridge) {
                checks::ExpectedBridge bridge;
                bridge.name = iface.name.str();
                if (iface.bridge && iface.bridge->ports) {
                    bridge.ports.emplace();
                    for (const auto& port : *iface.bridge->ports) bridge.ports->push_back(port.name.str());
                }
                bridge.addresses = static_addresses(iface);
                expectations.bridges.push_back(std::move(bridge));
            } else if (*iface.type == netconfig::InterfaceType::bond) {
                checks::ExpectedBond bond;
                bond.name = iface.name.str();
                if (iface.bond) {
                    if (iface.bond->mode) bond.mode = std::string(netconfig::to_string(*iface.bond->mode));
                    bond.miimon = iface.bond->options.miimon;
                    if (iface.bond->ports) {
                        bond.ports.emplace();
                        for (const auto& port : *iface.bond->ports) bond.ports->push_back(port.str());
                    }
                }
                expectations.bonds.push_back(std::move(bond));
            }
        }
    }
    if (profile.firewall)
        for (const auto& zone : profile.firewall->zones)
            expectations.zones.push_back({zone.name, zone.interfaces, zone.masquerade, zone.services, zone.ports});
    if (profile.storage && profile.storage->images) {
        const auto& images = *profile.storage->images;
        expectations.images = checks::ExpectedImages{images.path, images.pool, images.min_free_bytes,
                                                     images.selinux_type, images.device.has_value()};
    }
    expectations.default_network_absent =
        profile.libvirt && profile.libvirt->default_network == profile::LibvirtSection::DefaultNetwork::absent;
    return expectations;
}

}  // namespace agent
