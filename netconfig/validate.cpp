#include "netconfig/validate.h"

#include <algorithm>
#include <functional>
#include <map>

namespace netconfig {

namespace {

std::string range_text(std::uint64_t low, std::uint64_t high) {
    return std::to_string(low) + ".." + std::to_string(high);
}

bool is_master(const Interface& iface) { return iface.bridge.has_value() || iface.bond.has_value(); }

// The names the desired state lists as ports of `iface`.
std::vector<IfName> port_names(const Interface& iface) {
    std::vector<IfName> names;
    if (iface.bridge && iface.bridge->ports)
        for (const auto& port : *iface.bridge->ports) names.push_back(port.name);
    if (iface.bond && iface.bond->ports)
        for (const auto& port : *iface.bond->ports) names.push_back(port);
    return names;
}

// "interfaces[2].bridge.port[1]" or "interfaces[2].link-aggregation.port[1]": where port k is listed.
std::string port_path(const std::string& base, const Interface& iface, std::size_t k) {
    return base + (iface.bridge ? ".bridge.port[" : ".link-aggregation.port[") + std::to_string(k) + "]";
}

class Validator {
public:
    Validator(const NetworkState& desired, const std::set<IfName>* observed)
        : m_desired(desired), m_observed(observed) {}

    std::vector<Problem> run() {
        for (std::size_t i = 0; i < m_desired.interfaces.size(); ++i) {
            const auto& iface = m_desired.interfaces[i];
            if (!iface.name.empty() && !m_first_index.count(iface.name)) m_first_index[iface.name] = i;
        }
        for (std::size_t i = 0; i < m_desired.interfaces.size(); ++i) check_interface(i);
        check_ports();
        check_cycles();
        for (std::size_t j = 0; j < m_desired.routes.size(); ++j) check_route(j);
        return std::move(m_problems);
    }

private:
    void add(const std::string& subject, std::string path, std::string message) {
        m_problems.push_back({subject, std::move(message), std::move(path)});
    }

    static std::string base_path(std::size_t i) { return "interfaces[" + std::to_string(i) + "]"; }
    static std::string subject_of(const Interface& iface, std::size_t i) {
        return iface.name.empty() ? base_path(i) : iface.name.str();
    }

    const Interface* declared(const IfName& name) const {
        auto it = m_first_index.find(name);
        return it == m_first_index.end() ? nullptr : &m_desired.interfaces[it->second];
    }
    bool observed(const IfName& name) const { return m_observed && m_observed->count(name); }

    // A reference to another interface (VLAN base, port, route device): must not be absent, and must exist
    // somewhere when we know what exists. Returns the problem text, or "".
    std::string reference_problem(const IfName& name, std::string_view role) const {
        const auto* other = declared(name);
        if (other && is_absent(*other)) return std::string(role) + " " + name.str() + " is marked absent";
        if (!other && m_observed && !observed(name))
            return std::string(role) + " " + name.str() + " is neither in the profile nor on the host";
        return {};
    }

    void check_interface(std::size_t i) {
        const auto& iface = m_desired.interfaces[i];
        const auto base = base_path(i);
        const auto subject = subject_of(iface, i);
        if (iface.name.empty()) {
            add(subject, base, "interface without a name");
            return;
        }
        if (auto first = m_first_index.at(iface.name); first != i) {
            add(subject, base + ".name", "defined twice, first as " + base_path(first));
            return;
        }
        check_type_sections(iface, base, subject);
        if (is_absent(iface)) return;  // everything else describes an interface that will not exist
        if (iface.mtu && (*iface.mtu < 68 || *iface.mtu > 65536))
            add(subject, base + ".mtu", "mtu " + std::to_string(*iface.mtu) + " is out of range " +
                                            range_text(68, 65536));
        check_mac(iface, base, subject);
        check_ip(iface.ipv4, IpFamily::v4, base + ".ipv4", subject);
        check_ip(iface.ipv6, IpFamily::v6, base + ".ipv6", subject);
        if (iface.bridge) check_bridge(*iface.bridge, base + ".bridge", subject);
        if (iface.bond) check_bond(*iface.bond, base + ".link-aggregation", subject);
        if (iface.vlan) check_vlan(iface, base + ".vlan", subject);
        if (iface.veth && iface.veth->peer == iface.name)
            add(subject, base + ".veth.peer", "a veth cannot be its own peer");
    }

    void check_type_sections(const Interface& iface, const std::string& base, const std::string& subject) {
        struct Section {
            bool present;
            std::string_view key;
            InterfaceType type;
        };
        const Section sections[] = {
            {iface.bridge.has_value(), "bridge", InterfaceType::linux_bridge},
            {iface.bond.has_value(), "link-aggregation", InterfaceType::bond},
            {iface.vlan.has_value(), "vlan", InterfaceType::vlan},
            {iface.veth.has_value(), "veth", InterfaceType::veth},
        };
        for (const auto& section : sections) {
            if (!section.present || iface.type == section.type) continue;
            add(subject, base + "." + std::string(section.key),
                "\"" + std::string(section.key) + "\" needs type " + std::string(to_string(section.type)) +
                    (iface.type ? ", not " + std::string(to_string(*iface.type)) : std::string()));
        }
        if (is_absent(iface) || observed(iface.name)) return;
        if (iface.type == InterfaceType::vlan && !iface.vlan)
            add(subject, base, "a new vlan needs \"vlan: {base-iface, id}\"");
        if (iface.type == InterfaceType::veth && !iface.veth)
            add(subject, base, "a new veth needs \"veth: {peer}\"");
    }

    void check_mac(const Interface& iface, const std::string& base, const std::string& subject) {
        const auto path = base + ".mac-address";
        if (iface.mac_address) {
            const auto& bytes = iface.mac_address->bytes;
            if (bytes == std::array<std::uint8_t, 6>{})
                add(subject, path, "mac-address 00:00:00:00:00:00 is not a usable address");
            else if (bytes[0] & 1)
                add(subject, path, "mac-address " + iface.mac_address->to_string() + " is a multicast address");
        }
        if (!iface.mac_from_port) return;
        if (!is_master(iface)) {
            add(subject, path, "mac-address: from-port is only for linux-bridge and bond interfaces");
        } else if (port_names(iface).empty()) {
            add(subject, path, "mac-address: from-port needs at least one port");
        }
    }

    void check_ip(const IpConfig& ip, IpFamily family, const std::string& base, const std::string& subject) {
        const std::string family_name = family == IpFamily::v4 ? "IPv4" : "IPv6";
        if (family == IpFamily::v4 && ip.autoconf) add(subject, base + ".autoconf", "autoconf is only for ipv6");
        if (!ip.addresses) return;
        if (ip.enabled == false && !ip.addresses->empty())
            add(subject, base + ".enabled", std::string(family == IpFamily::v4 ? "ipv4" : "ipv6") +
                                                " is disabled but lists addresses");
        for (std::size_t k = 0; k < ip.addresses->size(); ++k) {
            const auto& address = (*ip.addresses)[k];
            const auto path = base + ".address[" + std::to_string(k) + "]";
            if (address.ip.family != family) {
                add(subject, path + ".ip", address.ip.to_string() + " is not an " + family_name + " address");
                continue;
            }
            const auto max = address.ip.max_prefix_length();
            if (address.prefix_length < 1 || address.prefix_length > max) {
                add(subject, path + ".prefix-length",
                    "prefix-length " + std::to_string(address.prefix_length) + " is out of range " +
                        range_text(1, max));
                continue;
            }
            for (std::size_t earlier = 0; earlier < k; ++earlier)
                if ((*ip.addresses)[earlier] == address) {
                    add(subject, path, "address " + address.to_string() + " is listed twice");
                    break;
                }
        }
    }

    void check_range(const std::optional<std::uint32_t>& value, std::uint32_t low, std::uint32_t high,
                     const std::string& key, const std::string& path, const std::string& subject) {
        if (value && (*value < low || *value > high))
            add(subject, path, key + " " + std::to_string(*value) + " is out of range " + range_text(low, high));
    }

    void check_bridge(const BridgeConfig& bridge, const std::string& base, const std::string& subject) {
        const auto stp = base + ".options.stp";
        check_range(bridge.options.stp.forward_delay, 2, 30, "forward-delay", stp + ".forward-delay", subject);
        check_range(bridge.options.stp.hello_time, 1, 10, "hello-time", stp + ".hello-time", subject);
        check_range(bridge.options.stp.max_age, 6, 40, "max-age", stp + ".max-age", subject);
        check_range(bridge.options.stp.priority, 0, 65535, "priority", stp + ".priority", subject);
        if (!bridge.ports) return;
        for (std::size_t k = 0; k < bridge.ports->size(); ++k) {
            const auto& port = (*bridge.ports)[k];
            const auto path = base + ".port[" + std::to_string(k) + "]";
            check_range(port.stp_path_cost, 1, 65535, "stp-path-cost", path + ".stp-path-cost", subject);
            check_range(port.stp_priority, 0, 63, "stp-priority", path + ".stp-priority", subject);
        }
    }

    void check_bond(const BondConfig& bond, const std::string& base, const std::string& subject) {
        const auto mode = bond.mode;
        if (bond.options.lacp_rate && mode && *mode != BondMode::ieee_802_3ad)
            add(subject, base + ".options.lacp_rate",
                "lacp_rate is only for mode 802.3ad, not " + std::string(to_string(*mode)));
        if (bond.options.primary) {
            const bool mode_has_primary = !mode || *mode == BondMode::active_backup ||
                                          *mode == BondMode::balance_tlb || *mode == BondMode::balance_alb;
            if (!mode_has_primary)
                add(subject, base + ".options.primary",
                    "primary is only for modes active-backup, balance-tlb and balance-alb, not " +
                        std::string(to_string(*mode)));
            else if (bond.ports && std::find(bond.ports->begin(), bond.ports->end(), *bond.options.primary) ==
                                       bond.ports->end())
                add(subject, base + ".options.primary",
                    "primary " + bond.options.primary->str() + " is not one of the ports");
        }
    }

    void check_vlan(const Interface& iface, const std::string& base, const std::string& subject) {
        const auto& vlan = *iface.vlan;
        if (vlan.id < 1 || vlan.id > 4094)
            add(subject, base + ".id", "vlan id " + std::to_string(vlan.id) + " is out of range 1..4094");
        if (vlan.base_iface.empty()) {
            add(subject, base + ".base-iface", "vlan needs a base-iface");
            return;
        }
        if (vlan.base_iface == iface.name) return;  // reported as a cycle
        if (auto problem = reference_problem(vlan.base_iface, "base-iface"); !problem.empty())
            add(subject, base + ".base-iface", problem);
    }

    // Each port once, under one master, existing, not absent, and without addresses of its own.
    void check_ports() {
        std::map<IfName, IfName> master_of;
        for (std::size_t i = 0; i < m_desired.interfaces.size(); ++i) {
            const auto& iface = m_desired.interfaces[i];
            if (iface.name.empty() || m_first_index.at(iface.name) != i || is_absent(iface)) continue;
            const auto ports = port_names(iface);
            const auto base = base_path(i);
            for (std::size_t k = 0; k < ports.size(); ++k) {
                const auto& port = ports[k];
                const auto path = port_path(base, iface, k);
                if (port == iface.name) continue;  // reported as a cycle
                auto [it, inserted] = master_of.emplace(port, iface.name);
                if (!inserted) {
                    add(iface.name.str(), path,
                        it->second == iface.name ? "port " + port.str() + " is listed twice"
                                                 : "port " + port.str() + " is already a port of " +
                                                       it->second.str());
                    continue;
                }
                if (auto problem = reference_problem(port, "port"); !problem.empty()) {
                    add(iface.name.str(), path, problem);
                    continue;
                }
                const auto* port_iface = declared(port);
                if (!port_iface) continue;
                for (const auto* ip : {&port_iface->ipv4, &port_iface->ipv6}) {
                    if (ip->addresses && !ip->addresses->empty()) {
                        const auto family = ip == &port_iface->ipv4 ? ".ipv4" : ".ipv6";
                        add(port.str(), base_path(m_first_index.at(port)) + family + ".address",
                            "is a port of " + iface.name.str() + " and cannot have IP addresses");
                        break;
                    }
                }
            }
        }
    }

    // Masters contain their ports, VLANs sit on their bases: that graph must have no loop.
    void check_cycles() {
        std::map<IfName, std::vector<IfName>> below;
        for (const auto& iface : m_desired.interfaces) {
            if (iface.name.empty() || declared(iface.name) != &iface) continue;
            auto& edges = below[iface.name];
            for (auto& port : port_names(iface)) edges.push_back(port);
            if (iface.vlan && !iface.vlan->base_iface.empty()) edges.push_back(iface.vlan->base_iface);
        }
        enum class Mark { unvisited, active, done };
        std::map<IfName, Mark> marks;
        std::vector<IfName> stack;
        std::function<bool(const IfName&)> visit = [&](const IfName& name) -> bool {
            auto& mark = marks[name];
            if (mark == Mark::done) return false;
            if (mark == Mark::active) {
                stack.push_back(name);
                return true;
            }
            mark = Mark::active;
            stack.push_back(name);
            if (auto it = below.find(name); it != below.end())
                for (const auto& next : it->second)
                    if (visit(next)) return true;
            stack.pop_back();
            marks[name] = Mark::done;
            return false;
        };
        for (std::size_t i = 0; i < m_desired.interfaces.size(); ++i) {
            const auto& iface = m_desired.interfaces[i];
            if (iface.name.empty() || m_first_index.at(iface.name) != i) continue;
            stack.clear();
            if (!visit(iface.name)) continue;
            // The stack ends with the name that closed the loop; print the loop from its first occurrence.
            const auto& closing = stack.back();
            std::size_t start = 0;
            while (stack[start] != closing) ++start;
            std::string text;
            for (std::size_t k = start; k < stack.size(); ++k) text += (k > start ? " -> " : "") + stack[k].str();
            const auto first = m_first_index.at(closing);
            add(closing.str(), base_path(first), "interfaces contain each other: " + text);
            return;  // one loop is enough to explain; the rest would repeat it
        }
    }

    void check_route(std::size_t j) {
        const auto& route = m_desired.routes[j];
        const auto base = "routes[" + std::to_string(j) + "]";
        const auto family = route.destination.address.family;
        if (route.absent && route.any_destination) {
            if (!route.next_hop_interface && !route.next_hop_address && !route.table_id && !route.metric)
                add("routes", base, "an absent route without destination needs at least one of next-hop-interface, "
                                    "next-hop-address, table-id or metric: it would match every route");
            return;
        }
        if (route.next_hop_address && route.next_hop_address->family != family)
            add("routes", base + ".next-hop-address",
                "next-hop-address " + route.next_hop_address->to_string() + " is not an " +
                    (family == IpFamily::v4 ? "IPv4" : "IPv6") + " address like the destination " +
                    route.destination.to_string());
        if (route.absent) return;
        if (!route.next_hop_interface && !route.next_hop_address)
            add("routes", base, "route to " + route.destination.to_string() +
                                    " needs next-hop-interface or next-hop-address");
        if (route.next_hop_interface)
            if (auto problem = reference_problem(*route.next_hop_interface, "next-hop-interface"); !problem.empty())
                add("routes", base + ".next-hop-interface", problem);
    }

    const NetworkState& m_desired;
    const std::set<IfName>* m_observed;
    std::map<IfName, std::size_t> m_first_index;
    std::vector<Problem> m_problems;
};

}  // namespace

std::vector<Problem> validate(const NetworkState& desired, const std::set<IfName>* observed_names) {
    return Validator(desired, observed_names).run();
}

}  // namespace netconfig
