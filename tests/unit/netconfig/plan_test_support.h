#pragma once
// Small builders for observed network states, shared by the netconfig planner tests.
#include <stdexcept>
#include <string>
#include <vector>

#include "netconfig/model.h"
#include "netconfig/plan.h"
#include "profile/profile.h"

namespace netconfig::testing {

inline InterfaceAddress address(const std::string& ip, unsigned prefix_length, bool dynamic = false) {
    return {*IpAddress::parse(ip), prefix_length, dynamic};
}

inline MacAddress mac(const std::string& text) { return *MacAddress::parse(text); }

// An interface as the netlink adapter reports it: every field filled.
inline Interface observed(const std::string& name, InterfaceType type, const std::string& mac_text,
                          std::vector<InterfaceAddress> addresses = {}, InterfaceState state = InterfaceState::up) {
    Interface iface;
    iface.name = IfName(name);
    iface.type = type;
    iface.state = state;
    iface.mtu = 1500;
    iface.mac_address = mac(mac_text);
    if (type == InterfaceType::ethernet) iface.permanent_mac_address = iface.mac_address;
    iface.ipv4.addresses.emplace();
    iface.ipv6.addresses.emplace();
    for (auto& a : addresses) (a.ip.family == IpFamily::v4 ? *iface.ipv4.addresses : *iface.ipv6.addresses).push_back(a);
    iface.ipv4.enabled = !iface.ipv4.addresses->empty();
    iface.ipv6.enabled = true;  // the kernel's IPv6 switch of the link, on as on most hosts
    if (type == InterfaceType::linux_bridge) iface.bridge.emplace().ports.emplace();
    if (type == InterfaceType::bond) iface.bond.emplace().ports.emplace();
    return iface;
}

inline Interface loopback() {
    auto lo = observed("lo", InterfaceType::other, "00:00:00:00:00:00", {address("127.0.0.1", 8), address("::1", 128)});
    lo.other_kind = "loopback";
    lo.mtu = 65536;
    return lo;
}

inline Route route(const std::string& destination, const std::string& via, const std::string& dev,
                   std::optional<std::uint32_t> metric = std::nullopt, const std::string& protocol = "boot") {
    Route r;
    r.destination = *IpNetwork::parse(destination);
    if (!via.empty()) r.next_hop_address = IpAddress::parse(via);
    if (!dev.empty()) r.next_hop_interface = IfName(dev);
    r.metric = metric;
    r.table_id = k_main_table;
    r.protocol = protocol;
    return r;
}

// A host with lo, eno1 (carrying 192.0.2.10/24 and the default route via 192.0.2.1) and spare eno2..eno4.
inline NetworkState single_homed_host() {
    NetworkState state;
    state.interfaces.push_back(loopback());
    state.interfaces.push_back(observed("eno1", InterfaceType::ethernet, "52:54:00:00:00:01", {address("192.0.2.10", 24)}));
    for (int i = 2; i <= 4; ++i)
        state.interfaces.push_back(observed("eno" + std::to_string(i), InterfaceType::ethernet,
                                            "52:54:00:00:00:0" + std::to_string(i), {}, InterfaceState::down));
    state.routes.push_back(route("192.0.2.0/24", "", "eno1", 0, "kernel"));
    state.routes.push_back(route("0.0.0.0/0", "192.0.2.1", "eno1", 100, "dhcp"));
    return state;
}

// The desired state of a profile whose network section is network_yaml (indented under `network:`).
inline NetworkState desired_from_yaml(const std::string& network_yaml) {
    auto loaded = profile::parse_profile("network:\n" + network_yaml, "test.yaml");
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return loaded->network->desired;
}

inline std::vector<std::string> lines(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& step : plan.steps) out.push_back(step.to_string());
    return out;
}

}  // namespace netconfig::testing
