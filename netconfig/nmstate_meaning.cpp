#include "netconfig/nmstate_meaning.h"

#include <optional>

namespace netconfig {

NetworkState with_creation_defaults(const NetworkState& desired, const NetworkState& observed) {
    NetworkState out = desired;
    const InterfaceIndex observed_by_name(observed);
    for (auto& iface : out.interfaces) {
        if (iface.state == InterfaceState::absent) continue;
        const auto* now = observed_by_name.find(iface.name);
        if (iface.type == InterfaceType::linux_bridge && !now && !iface.bridge) iface.bridge.emplace();
        if (iface.type == InterfaceType::bond && !now && !iface.bond) iface.bond.emplace();
        if (iface.type == InterfaceType::linux_bridge && iface.bridge) {
            if (!now && !iface.bridge->options.stp.enabled) iface.bridge->options.stp.enabled = k_default_stp;
            if (iface.bridge->ports)
                for (auto& port : *iface.bridge->ports) {
                    const auto* port_now = observed_by_name.find(port.name);
                    const bool joins = !port_now || port_now->controller != iface.name;
                    if (joins && !port.stp_path_cost) port.stp_path_cost = k_default_port_path_cost;
                }
        }
        if (iface.type == InterfaceType::bond && iface.bond && !now && !iface.bond->options.miimon)
            iface.bond->options.miimon = k_default_miimon_ms;
    }
    return out;
}

namespace {

bool is_software(const std::optional<InterfaceType>& type) {
    return type == InterfaceType::linux_bridge || type == InterfaceType::bond || type == InterfaceType::vlan ||
           type == InterfaceType::veth;
}

}  // namespace

NetworkState with_down_software_removed(const NetworkState& desired, const NetworkState& observed) {
    NetworkState out = desired;
    const InterfaceIndex observed_by_name(observed);
    for (auto& iface : out.interfaces) {
        if (iface.state != InterfaceState::down) continue;
        const auto* now = observed_by_name.find(iface.name);
        if (is_software(iface.type) || (!iface.type && now && is_software(now->type)))
            iface.state = InterfaceState::absent;
    }
    return out;
}

}  // namespace netconfig
