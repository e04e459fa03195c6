#include "netconfig/dynamic_addressing.h"

#include <algorithm>
#include <unordered_set>

namespace netconfig {

namespace {

constexpr int k_max_depth = 8;  // bridge over bond over NIC is three; validate() refuses cycles anyway

const IpConfig& config_of(const Interface& iface, IpFamily family) {
    return family == IpFamily::v4 ? iface.ipv4 : iface.ipv6;
}
IpConfig& config_of(Interface& iface, IpFamily family) { return family == IpFamily::v4 ? iface.ipv4 : iface.ipv6; }

const char* family_name(IpFamily family) { return family == IpFamily::v4 ? "IPv4" : "IPv6"; }

bool silent(const IpConfig& config) {
    return !config.enabled && !config.addresses && !config.dhcp && !config.autoconf;
}

bool has_dynamic_address(const Interface& iface, IpFamily family) {
    const auto& addresses = config_of(iface, family).addresses;
    if (!addresses) return false;
    return std::any_of(addresses->begin(), addresses->end(), [&](const InterfaceAddress& address) {
        return address.dynamic && address.ip.family == family && !address.ip.is_link_local();
    });
}

// `name` and the interfaces below it in `desired` (its listed ports, theirs, ...).
void collect_below(const InterfaceIndex& desired, const IfName& name, std::vector<IfName>& out, int depth = 0) {
    out.push_back(name);
    if (depth >= k_max_depth) return;
    if (const auto* wanted = desired.find(name))
        for (const auto& port : listed_ports(*wanted).value_or(std::vector<IfName>{}))
            collect_below(desired, port, out, depth + 1);
}

// The ports the desired masters that stay list.
std::unordered_set<IfName> listed_ports_of_all(const NetworkState& desired) {
    std::unordered_set<IfName> ports;
    for (const auto& master : desired.interfaces)
        if (!is_absent(master))
            for (auto& port : listed_ports(master).value_or(std::vector<IfName>{})) ports.insert(std::move(port));
    return ports;
}

bool has_default_route_via(const NetworkState& state, IpFamily family, const std::vector<IfName>& interfaces) {
    return std::any_of(state.routes.begin(), state.routes.end(), [&](const Route& route) {
        return !route.absent && route.destination.is_default() && is_main_table(route) &&
               route.destination.address.family == family && route.next_hop_interface &&
               std::find(interfaces.begin(), interfaces.end(), *route.next_hop_interface) != interfaces.end();
    });
}

}  // namespace

std::vector<DynamicRequest> dynamic_requests(const NetworkState& desired) {
    std::vector<DynamicRequest> requests;
    for (const auto& iface : desired.interfaces) {
        // A down interface keeps its profile without activating it: no lease comes.
        if (is_absent(iface) || iface.state == InterfaceState::down) continue;
        DynamicRequest request{iface.name};
        request.ipv4 = iface.ipv4.enabled != false && iface.ipv4.dhcp == true;
        request.ipv6 = iface.ipv6.enabled != false && (iface.ipv6.dhcp == true || iface.ipv6.autoconf == true);
        if (request.ipv4 || request.ipv6) requests.push_back(request);
    }
    return requests;
}

NetworkState with_inherited_addressing(const NetworkState& desired, const NetworkState& observed) {
    NetworkState effective = desired;
    const InterfaceIndex desired_by_name(desired);
    const InterfaceIndex observed_by_name(observed);
    const auto ports = listed_ports_of_all(desired);
    for (auto& iface : effective.interfaces) {
        const auto own_ports = listed_ports(iface);
        if (is_absent(iface) || !own_ports || own_ports->empty() || ports.count(iface.name)) continue;
        std::vector<IfName> below;
        collect_below(desired_by_name, iface.name, below);
        for (const auto family : {IpFamily::v4, IpFamily::v6}) {
            auto& config = config_of(iface, family);
            if (!silent(config)) continue;
            const bool port_was_dynamic = std::any_of(below.begin() + 1, below.end(), [&](const IfName& port) {
                const auto* now = observed_by_name.find(port);
                return now && has_dynamic_address(*now, family);
            });
            if (!port_was_dynamic) continue;
            if (family == IpFamily::v4) config.dhcp = true;
            else config.autoconf = true;
        }
    }
    return effective;
}

NetworkState with_dynamic_kept_static(const NetworkState& desired, const NetworkState& observed) {
    NetworkState effective = desired;
    const InterfaceIndex observed_by_name(observed);
    for (auto& iface : effective.interfaces) {
        if (is_absent(iface)) continue;
        const auto* now = observed_by_name.find(iface.name);
        if (!now) continue;
        for (const auto family : {IpFamily::v4, IpFamily::v6}) {
            auto& config = config_of(iface, family);
            const bool dynamic_off = config.dhcp == false && (family == IpFamily::v4 || config.autoconf != true);
            if (!dynamic_off || config.enabled == false || config.addresses) continue;
            std::vector<InterfaceAddress> kept;
            if (const auto& addresses = config_of(*now, family).addresses)
                for (const auto& address : *addresses)
                    if (address.dynamic && !address.ip.is_link_local()) kept.push_back({address.ip, address.prefix_length});
            if (kept.empty()) continue;
            config.addresses = kept;
            for (const auto& route : observed.routes) {
                const bool leased_default = route.destination.is_default() && is_main_table(route) &&
                                            route.destination.address.family == family &&
                                            route.next_hop_interface == iface.name &&
                                            (route.protocol == "dhcp" || route.protocol == "ra");
                const bool listed = std::any_of(desired.routes.begin(), desired.routes.end(), [&](const Route& r) {
                    return r.destination == route.destination && r.table_id.value_or(k_main_table) == k_main_table;
                });
                if (!leased_default || listed) continue;
                Route kept_route;
                kept_route.destination = route.destination;
                kept_route.next_hop_address = route.next_hop_address;
                kept_route.next_hop_interface = route.next_hop_interface;
                kept_route.metric = route.metric;
                effective.routes.push_back(kept_route);
            }
        }
    }
    return effective;
}

std::vector<std::string> missing_dynamic_addressing(const std::vector<DynamicRequest>& requests,
                                                    const NetworkState& desired, const NetworkState& before,
                                                    const NetworkState& now) {
    std::vector<std::string> missing;
    const InterfaceIndex desired_by_name(desired);
    for (const auto& request : requests) {
        const auto* iface = now.find(request.interface);
        std::vector<IfName> below;
        collect_below(desired_by_name, request.interface, below);
        for (const auto family : {IpFamily::v4, IpFamily::v6}) {
            if (!request.wants(family)) continue;
            const std::string subject = request.interface.str() + ": ";
            if (!iface || !has_dynamic_address(*iface, family))
                missing.push_back(subject + "no " + (family == IpFamily::v4 ? "DHCP" : "DHCPv6 or autoconf") + " (" +
                                  family_name(family) + ") address arrived");
            else if (has_default_route_via(before, family, below) &&
                     !has_default_route_via(now, family, {request.interface}))
                missing.push_back(subject + "no " + family_name(family) +
                                  " default route through it arrived (the host had one before)");
        }
    }
    return missing;
}

std::vector<std::pair<IfName, InterfaceAddress>> dynamic_addresses(const NetworkState& state) {
    std::vector<std::pair<IfName, InterfaceAddress>> found;
    for (const auto& iface : state.interfaces)
        for (const auto family : {IpFamily::v4, IpFamily::v6})
            if (const auto& addresses = config_of(iface, family).addresses)
                for (const auto& address : *addresses)
                    if (address.dynamic && !address.ip.is_link_local()) found.emplace_back(iface.name, address);
    return found;
}

}  // namespace netconfig
