#include "netconfig/nm_keyfile.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "netconfig/nmstate_meaning.h"

namespace netconfig {

namespace {

// ---- UUID version 5 (RFC 4122 section 4.3): SHA-1 of namespace + name ----

// The product's namespace for profile UUIDs; never change it, or every host gets new profile UUIDs.
constexpr std::array<std::uint8_t, 16> k_uuid_namespace{0xc2, 0x1e, 0xb3, 0x64, 0xfc, 0x3e, 0x49, 0xef,
                                                        0x94, 0xe6, 0x1d, 0x0a, 0x5c, 0x79, 0x76, 0xbc};

std::uint32_t rotl(std::uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }

std::array<std::uint8_t, 20> sha1(const std::string& message) {
    std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
    std::string data = message;
    const std::uint64_t bit_length = static_cast<std::uint64_t>(message.size()) * 8;
    data.push_back(static_cast<char>(0x80));
    while (data.size() % 64 != 56) data.push_back('\0');
    for (int i = 7; i >= 0; --i) data.push_back(static_cast<char>((bit_length >> (i * 8)) & 0xff));

    for (std::size_t chunk = 0; chunk < data.size(); chunk += 64) {
        std::uint32_t w[80];
        for (int i = 0; i < 16; ++i) {
            const auto* p = reinterpret_cast<const unsigned char*>(data.data() + chunk + static_cast<std::size_t>(i) * 4);
            w[i] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
        }
        for (int i = 16; i < 80; ++i) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int i = 0; i < 80; ++i) {
            std::uint32_t f = 0, k = 0;
            if (i < 20) {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            } else if (i < 40) {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            } else if (i < 60) {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            } else {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }
            const std::uint32_t next = rotl(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = next;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
    }
    std::array<std::uint8_t, 20> digest{};
    for (std::size_t i = 0; i < 20; ++i) digest[i] = static_cast<std::uint8_t>((h[i / 4] >> (24 - 8 * (i % 4))) & 0xff);
    return digest;
}

// ---- the keyfile text ----

// GLib key files read backslash escapes in values; nothing else in an interface name needs quoting.
std::string escape(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else out += c;
    }
    return out;
}

// Sections in the order they are first set, keys in the order they are set.
class KeyfileText {
public:
    void set(const std::string& section, const std::string& key, const std::string& value) {
        entries(section).emplace_back(key, value);
    }
    // A section written even when it has no keys (NetworkManager expects [bridge] in a bridge profile).
    void touch(const std::string& section) { entries(section); }

    std::string render() const {
        std::string out = "# Written by kvm-agent from the host profile; the next apply replaces changes made here.\n";
        for (const auto& [name, keys] : m_sections) {
            out += "\n[" + name + "]\n";
            for (const auto& [key, value] : keys) out += key + "=" + value + "\n";
        }
        return out;
    }

private:
    std::vector<std::pair<std::string, std::string>>& entries(const std::string& section) {
        for (auto& [name, keys] : m_sections)
            if (name == section) return keys;
        m_sections.emplace_back(section, std::vector<std::pair<std::string, std::string>>{});
        return m_sections.back().second;
    }
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> m_sections;
};

std::string yes_no(bool value) { return value ? "true" : "false"; }

template <typename T>
std::optional<T> either(const std::optional<T>& first, const std::optional<T>& second) {
    return first ? first : second;
}

bool in_range(std::optional<std::uint32_t> value, std::uint32_t low, std::uint32_t high) {
    return value && *value >= low && *value <= high;
}

bool contains(const InterfaceAddress& address, const IpAddress& ip) {
    if (address.ip.family != ip.family) return false;
    unsigned bits = address.prefix_length;
    for (std::size_t i = 0; i < address.ip.size() && bits > 0; ++i) {
        const unsigned take = bits >= 8 ? 8 : bits;
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - take));
        if ((address.ip.bytes[i] & mask) != (ip.bytes[i] & mask)) return false;
        bits -= take;
    }
    return true;
}

struct Cannot {
    std::string message;
};

class Generator {
public:
    Generator(const NetworkState& desired, const NetworkState& observed, const std::map<std::string, std::string>& zones)
        : m_desired(desired), m_observed(observed), m_desired_by_name(desired), m_observed_by_name(observed),
          m_zones(zones) {
        for (const auto& wanted : m_desired.interfaces) {
            if (is_absent(wanted)) continue;
            if (auto ports = listed_ports(wanted))
                for (const auto& port : *ports) m_master_of[port] = wanted.name;
        }
    }

    NmKeyfileSet run() {
        NmKeyfileSet set;
        for (const auto& wanted : m_desired.interfaces)
            if (!is_absent(wanted)) order(wanted.name);
        for (const auto& wanted : m_desired.interfaces)
            if (!is_absent(wanted))
                if (auto ports = listed_ports(wanted))
                    for (const auto& port : *ports) order(port);
        assign_routes();
        for (const auto& name : m_order) set.files.push_back(keyfile(name));

        std::set<IfName> removed;
        for (const auto& wanted : m_desired.interfaces)
            if (is_absent(wanted)) removed.insert(wanted.name);
        // A port its listed controller no longer claims, or the port of a controller that goes: its old profile
        // would enslave it again at boot, and NetworkManager would bring the controller back for it.
        for (const auto& now : m_observed.interfaces) {
            if (!now.controller || m_master_of.count(now.name) || m_desired_by_name.find(now.name)) continue;
            const auto* master = m_desired_by_name.find(*now.controller);
            if (master && (listed_ports(*master) || is_absent(*master))) removed.insert(now.name);
        }
        for (const auto& name : removed)
            if (!m_master_of.count(name)) set.removed.push_back(name);
        return set;
    }

private:

    const Interface* wanted(const IfName& name) const {
        const auto* found = m_desired_by_name.find(name);
        return found && !is_absent(*found) ? found : nullptr;
    }
    const Interface* current(const IfName& name) const { return m_observed_by_name.find(name); }
    bool managed(const IfName& name) const { return wanted(name) || m_master_of.count(name); }
    bool is_port(const IfName& name) const { return m_master_of.count(name) != 0; }

    // Controllers before their ports, bases before their VLANs, otherwise the desired state's order.
    void order(const IfName& name) {
        if (!m_visited.insert(name).second) return;
        if (auto master = m_master_of.find(name); master != m_master_of.end()) order(master->second);
        if (auto base = vlan_of(name); base && managed(base->base_iface)) order(base->base_iface);
        m_order.push_back(name);
    }

    std::optional<VlanConfig> vlan_of(const IfName& name) const {
        if (const auto* w = wanted(name); w && w->vlan) return w->vlan;
        if (const auto* now = current(name); now && now->vlan) return now->vlan;
        return std::nullopt;
    }

    InterfaceType type_of(const IfName& name) const {
        const auto* w = wanted(name);
        const auto* now = current(name);
        if (w && w->type) return *w->type;
        if (now && now->type) return *now->type;
        if (w && w->bridge) return InterfaceType::linux_bridge;
        if (w && w->bond) return InterfaceType::bond;
        if (w && w->vlan) return InterfaceType::vlan;
        if (w && w->veth) return InterfaceType::veth;
        throw Cannot{name.str() + ": its type is not given and it does not exist on the host"};
    }

    std::string nm_type(const IfName& name) const {
        switch (type_of(name)) {
        case InterfaceType::ethernet: return "ethernet";
        case InterfaceType::linux_bridge: return "bridge";
        case InterfaceType::bond: return "bond";
        case InterfaceType::vlan: return "vlan";
        case InterfaceType::veth: return "veth";
        case InterfaceType::other: break;
        }
        const auto* w = wanted(name);
        const auto* now = current(name);
        const std::string kind = w && !w->other_kind.empty() ? w->other_kind : now ? now->other_kind : "";
        if (kind == "dummy") return "dummy";
        throw Cannot{name.str() + ": NetworkManager keyfiles for interfaces of kind '" + kind +
                     "' are not written by kvm-agent"};
    }

    // The MAC `name` shows after the apply, as the planner sets it (netconfig/plan.cpp mac_for).
    std::optional<MacAddress> mac_for(const IfName& name, int depth = 0) const {
        if (depth > 16) return std::nullopt;
        const auto* w = wanted(name);
        const auto* now = current(name);
        if (w && w->mac_address) return w->mac_address;
        const bool follows_port = w && (w->mac_from_port || (w->bond && !(now && now->mac_address)));
        if (follows_port)
            if (auto ports = listed_ports(*w); ports && !ports->empty()) return mac_for(ports->front(), depth + 1);
        if (!now) return std::nullopt;
        if (now->controller && now->permanent_mac_address) return now->permanent_mac_address;
        return now->mac_address;
    }

    NmKeyfile keyfile(const IfName& name) {
        const auto* w = wanted(name);
        const auto* now = current(name);
        NmKeyfile file;
        file.interface = name;
        file.file_name = nm_keyfile_name(name);
        file.id = nm_profile_id(name);
        file.uuid = nm_profile_uuid(name);
        file.is_port = is_port(name);
        if (file.is_port) file.controller = m_master_of.at(name);
        // A down interface keeps its profile without activating it, and so do the ports of a down controller:
        // NetworkManager would bring the controller up with them.
        const auto down = [this](const IfName& which) {
            const auto* entry = wanted(which);
            return entry && entry->state == InterfaceState::down;
        };
        file.autoconnect = !(down(name) || (file.is_port && down(file.controller)));
        const auto type = type_of(name);

        KeyfileText text;
        text.set("connection", "id", escape(file.id));
        text.set("connection", "uuid", file.uuid);
        text.set("connection", "type", nm_type(name));
        text.set("connection", "interface-name", escape(name.str()));
        text.set("connection", "autoconnect", yes_no(file.autoconnect));
        text.set("connection", "autoconnect-priority", std::to_string(k_nm_autoconnect_priority));
        if (const auto zone = m_zones.find(name.str()); zone != m_zones.end())
            text.set("connection", "zone", escape(zone->second));
        const auto master = m_master_of.find(name);
        if (master != m_master_of.end()) {
            text.set("connection", "master", nm_profile_uuid(master->second));
            text.set("connection", "slave-type", type_of(master->second) == InterfaceType::bond ? "bond" : "bridge");
        }
        if (type == InterfaceType::linux_bridge || type == InterfaceType::bond)
            text.set("connection", "autoconnect-slaves", "1");

        if (w && w->mtu) text.set("ethernet", "mtu", std::to_string(*w->mtu));
        if (w && w->mac_address) {
            text.set("ethernet", "cloned-mac-address", w->mac_address->to_string());
        } else if (w && (w->mac_from_port || w->bond)) {
            // After the apply the interface has the MAC the planner chose (a new bond follows its first port, an
            // existing one keeps the MAC udev gave it): keep that one. Before, work it out as the planner does.
            // A bond's is pinned too: at boot it would take the MAC of whichever port NetworkManager enslaves
            // first, and the bridge above it, and the next apply, would see another.
            const auto mac = now && now->mac_address ? now->mac_address : mac_for(name);
            if (mac) text.set("ethernet", "cloned-mac-address", mac->to_string());
        }

        if (type == InterfaceType::linux_bridge) bridge_section(text, w, now);
        if (type == InterfaceType::bond) bond_section(text, w, now);
        if (type == InterfaceType::vlan) {
            const auto vlan = vlan_of(name);
            if (!vlan) throw Cannot{name.str() + ": a VLAN without base-iface and id"};
            text.set("vlan", "parent", escape(vlan->base_iface.str()));
            file.parent = vlan->base_iface;
            text.set("vlan", "id", std::to_string(vlan->id));
        }
        if (type == InterfaceType::veth) {
            const auto& veth = w && w->veth ? w->veth : now ? now->veth : std::nullopt;
            if (!veth) throw Cannot{name.str() + ": a veth without its peer"};
            text.set("veth", "peer", escape(veth->peer.str()));
        }
        if (master != m_master_of.end() && type_of(master->second) == InterfaceType::linux_bridge)
            bridge_port_section(text, name, master->second);

        // A port has no IP configuration of its own; NetworkManager refuses one.
        if (master == m_master_of.end()) {
            ip_section(text, name, w, now, IpFamily::v4);
            ip_section(text, name, w, now, IpFamily::v6);
        }
        file.content = text.render();
        return file;
    }

    // A value is written when the profile gives it, or when the host's differs from NetworkManager's default
    // (which is the kernel's for all but STP, always written: NetworkManager turns it on, the kernel off). So
    // the file is the same whether read against the host before or after the apply, and a reboot brings back
    // what the apply left. Only values NetworkManager accepts: the kernel lets some through a profile may not hold.
    static void set_option(KeyfileText& text, const std::string& section, const std::string& key,
                           std::optional<std::uint32_t> want, std::optional<std::uint32_t> have,
                           std::uint32_t nm_default, std::uint32_t low, std::uint32_t high) {
        const auto value = want ? want : have && *have != nm_default ? have : std::nullopt;
        if (in_range(value, low, high)) text.set(section, key, std::to_string(*value));
    }

    static void bridge_section(KeyfileText& text, const Interface* w, const Interface* now) {
        text.touch("bridge");
        const StpOptions none;
        const auto& want = w && w->bridge ? w->bridge->options.stp : none;
        const auto& have = now && now->bridge ? now->bridge->options.stp : none;
        text.set("bridge", "stp", yes_no(either(want.enabled, have.enabled).value_or(k_default_stp)));
        set_option(text, "bridge", "forward-delay", want.forward_delay, have.forward_delay, 15, 2, 30);
        set_option(text, "bridge", "hello-time", want.hello_time, have.hello_time, 2, 1, 10);
        set_option(text, "bridge", "max-age", want.max_age, have.max_age, 20, 6, 40);
        set_option(text, "bridge", "priority", want.priority, have.priority, 32768, 0, 65535);
    }

    static const BridgePort* port_entry(const Interface* bridge, const IfName& port) {
        if (!bridge || !bridge->bridge || !bridge->bridge->ports) return nullptr;
        for (const auto& entry : *bridge->bridge->ports)
            if (entry.name == port) return &entry;
        return nullptr;
    }

    void bridge_port_section(KeyfileText& text, const IfName& port, const IfName& bridge) const {
        const auto* want = port_entry(wanted(bridge), port);
        const auto* have = port_entry(current(bridge), port);
        // The kernel derives a port's cost from its speed; NetworkManager sets 100 unless told otherwise.
        set_option(text, "bridge-port", "path-cost", want ? want->stp_path_cost : std::nullopt,
                   have ? have->stp_path_cost : std::nullopt, 100, 1, 65535);
        set_option(text, "bridge-port", "priority", want ? want->stp_priority : std::nullopt,
                   have ? have->stp_priority : std::nullopt, 32, 0, 63);
    }

    static void bond_section(KeyfileText& text, const Interface* w, const Interface* now) {
        const BondConfig none;
        const auto& want = w && w->bond ? *w->bond : none;
        const auto& have = now && now->bond ? *now->bond : none;
        const auto mode = either(want.mode, have.mode).value_or(BondMode::balance_rr);
        text.set("bond", "mode", std::string(to_string(mode)));
        const auto& wo = want.options;
        const auto& ho = have.options;
        // NetworkManager's miimon is 100 where the kernel's is 0: a bond made without it is written with 0.
        set_option(text, "bond", "miimon", wo.miimon, ho.miimon, 100, 0, UINT32_MAX);
        if (auto v = either(wo.updelay, ho.updelay); v && (*v != 0 || wo.updelay))
            text.set("bond", "updelay", std::to_string(*v));
        if (auto v = either(wo.downdelay, ho.downdelay); v && (*v != 0 || wo.downdelay))
            text.set("bond", "downdelay", std::to_string(*v));
        // NetworkManager refuses an option the mode does not use.
        if (mode == BondMode::ieee_802_3ad)
            if (auto v = either(wo.lacp_rate, ho.lacp_rate)) text.set("bond", "lacp_rate", std::string(to_string(*v)));
        if (mode == BondMode::balance_xor || mode == BondMode::ieee_802_3ad || mode == BondMode::balance_tlb)
            if (auto v = either(wo.xmit_hash_policy, ho.xmit_hash_policy))
                text.set("bond", "xmit_hash_policy", std::string(to_string(*v)));
        if (mode == BondMode::active_backup || mode == BondMode::balance_tlb || mode == BondMode::balance_alb)
            if (auto v = either(wo.primary, ho.primary)) text.set("bond", "primary", escape(v->str()));
    }

    // ---- addresses and routes ----

    struct FamilyConfig {
        bool enabled = true;
        bool dhcp = false;
        bool autoconf = false;  // ipv6
        std::vector<InterfaceAddress> addresses;
    };

    static const IpConfig* ip_of(const Interface* interface, IpFamily family) {
        if (!interface) return nullptr;
        return family == IpFamily::v4 ? &interface->ipv4 : &interface->ipv6;
    }

    // What the profile asks for a family, or, where it says nothing, what the host has: static addresses as
    // they are, a dynamic one as the DHCP client (ipv4) or autoconfiguration (ipv6) that got it.
    FamilyConfig family_config(const Interface* w, const Interface* now, IpFamily family) const {
        FamilyConfig config;
        const auto* want = ip_of(w, family);
        const auto* have = ip_of(now, family);
        if (want && want->enabled == false) {
            config.enabled = false;
            return config;
        }
        const bool said = want && (want->addresses || want->dhcp || want->autoconf);
        if (said) {
            config.dhcp = want->dhcp.value_or(false);
            config.autoconf = want->autoconf.value_or(false);
            if (want->addresses) config.addresses = *want->addresses;
        } else if (have && have->addresses) {
            for (const auto& address : *have->addresses) {
                if (address.ip.family != family || address.ip.is_link_local()) continue;
                if (!address.dynamic) config.addresses.push_back(address);
                else if (family == IpFamily::v4) config.dhcp = true;
                else config.autoconf = true;
            }
        }
        for (auto& address : config.addresses) address.dynamic = false;
        return config;
    }

    struct PlacedRoute {
        Route route;
        bool as_gateway = false;
    };

    IfName interface_for(const Route& route) const {
        if (route.next_hop_interface) return *route.next_hop_interface;
        // No device given: the interface whose subnet holds the gateway, among the profile's interfaces.
        for (const auto& name : m_order) {
            if (is_port(name)) continue;
            const auto config = family_config(wanted(name), current(name), route.destination.address.family);
            for (const auto& address : config.addresses)
                if (contains(address, *route.next_hop_address)) return name;
            if (const auto* now = current(name); now && ip_of(now, route.destination.address.family)->addresses)
                for (const auto& address : *ip_of(now, route.destination.address.family)->addresses)
                    if (contains(address, *route.next_hop_address)) return name;
        }
        throw Cannot{"route to " + route.destination.to_string() + " via " + route.next_hop_address->to_string() +
                     ": no interface of the profile has an address in the gateway's subnet"};
    }

    static bool same_route(const Route& want, const Route& have) {
        return want.destination == have.destination &&
               (!want.next_hop_address || want.next_hop_address == have.next_hop_address) &&
               (!want.next_hop_interface || want.next_hop_interface == have.next_hop_interface) &&
               (!want.metric || want.metric == have.metric) &&
               want.table_id.value_or(k_main_table) == have.table_id.value_or(k_main_table);
    }

    // Every route the desired state lists, and the static routes the host has on the profile's interfaces
    // (a reboot must bring them back too), placed on the interface they leave through.
    void assign_routes() {
        std::vector<std::pair<IfName, Route>> routes;
        for (const auto& route : m_desired.routes) {
            if (route.absent) continue;
            const auto name = interface_for(route);
            if (!wanted(name) && !is_port(name))
                throw Cannot{"route to " + route.destination.to_string() + ": " + name.str() +
                             " is not an interface of the profile (list it to persist the route)"};
            if (is_port(name))
                throw Cannot{"route to " + route.destination.to_string() + ": " + name.str() +
                             " is a port of " + m_master_of.at(name).str() + " and has no IP configuration"};
            routes.emplace_back(name, route);
        }
        for (const auto& route : m_observed.routes) {
            if (!route.next_hop_interface || is_port(*route.next_hop_interface) || !wanted(*route.next_hop_interface))
                continue;
            if (route.protocol != "static" && route.protocol != "boot") continue;
            bool known = false;
            for (const auto& want : m_desired.routes)
                if (same_route(want, route)) known = true;
            if (!known) routes.emplace_back(*route.next_hop_interface, route);
        }
        for (auto& [name, route] : routes) {
            PlacedRoute placed{route, false};
            placed.route.protocol.reset();
            auto& list = m_routes[{name, route.destination.address.family}];
            const bool main_default = route.destination.is_default() && route.next_hop_address &&
                                      route.table_id.value_or(k_main_table) == k_main_table;
            bool have_gateway = false;
            for (const auto& other : list) have_gateway = have_gateway || other.as_gateway;
            placed.as_gateway = main_default && !have_gateway;
            list.push_back(placed);
        }
    }

    void ip_section(KeyfileText& text, const IfName& name, const Interface* w, const Interface* now,
                    IpFamily family) const {
        const std::string section = family == IpFamily::v4 ? "ipv4" : "ipv6";
        const auto config = family_config(w, now, family);
        static const std::vector<PlacedRoute> no_routes;
        const auto found = m_routes.find({name, family});
        const auto& routes = found == m_routes.end() ? no_routes : found->second;

        std::string method;
        if (!config.enabled) method = "disabled";
        else if (family == IpFamily::v4) method = config.dhcp ? "auto" : !config.addresses.empty() ? "manual" : "disabled";
        else if (config.autoconf) method = "auto";
        else if (config.dhcp) method = "dhcp";
        else method = !config.addresses.empty() ? "manual" : "link-local";
        if (!routes.empty() && method == "disabled")
            throw Cannot{name.str() + ": routes through it need " + section + ", which the profile disables"};
        text.set(section, "method", method);

        int n = 0;
        for (const auto& address : config.addresses) text.set(section, "address" + std::to_string(++n), address.to_string());
        // gateway= needs a static address beside it; without one the default route is a route like the others.
        n = 0;
        for (const auto& placed : routes) {
            const auto& route = placed.route;
            const bool onlink = route.onlink || needs_onlink(route, config.addresses);
            if (placed.as_gateway && !onlink && !route.source && !config.addresses.empty()) {
                text.set(section, "gateway", route.next_hop_address->to_string());
                if (route.metric) text.set(section, "route-metric", std::to_string(*route.metric));
                continue;
            }
            std::string value = route.destination.to_string();
            if (route.next_hop_address || route.metric) value += "," + (route.next_hop_address ? route.next_hop_address->to_string() : "");
            if (route.metric) value += "," + std::to_string(*route.metric);
            const auto key = "route" + std::to_string(++n);
            text.set(section, key, value);
            // NetworkManager's route attributes: the table, onlink and the preferred source, as the host has them.
            std::string options;
            const auto add_option = [&options](const std::string& option) {
                options += (options.empty() ? "" : ",") + option;
            };
            if (onlink) add_option("onlink=true");
            if (route.source) add_option("src=" + route.source->to_string());
            if (route.table_id && *route.table_id != k_main_table) add_option("table=" + std::to_string(*route.table_id));
            if (!options.empty()) text.set(section, key + "_options", options);
        }
        // The kernel's EUI-64 link-local address, not NetworkManager's stable-privacy one: the same after a reboot.
        if (family == IpFamily::v6 && method != "disabled") text.set(section, "addr-gen-mode", "eui64");
    }

    const NetworkState& m_desired;
    const NetworkState& m_observed;
    const InterfaceIndex m_desired_by_name;
    const InterfaceIndex m_observed_by_name;
    const std::map<std::string, std::string>& m_zones;
    std::map<IfName, IfName> m_master_of;  // port -> the listed bridge or bond that claims it
    std::set<IfName> m_visited;
    std::vector<IfName> m_order;
    std::map<std::pair<IfName, IpFamily>, std::vector<PlacedRoute>> m_routes;
};

}  // namespace

std::string nm_keyfile_name(const IfName& interface) { return nm_profile_id(interface) + ".nmconnection"; }

std::string nm_profile_id(const IfName& interface) { return "kvm-agent-" + interface.str(); }

std::string nm_profile_uuid(const IfName& interface) {
    std::string message(k_uuid_namespace.begin(), k_uuid_namespace.end());
    message += interface.str();
    auto digest = sha1(message);
    digest[6] = static_cast<std::uint8_t>((digest[6] & 0x0f) | 0x50);  // version 5
    digest[8] = static_cast<std::uint8_t>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
    std::string text;
    char hex[3];
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
        std::snprintf(hex, sizeof hex, "%02x", digest[i]);
        text += hex;
    }
    return text;
}

common::Result<NmKeyfileSet> nm_keyfiles(const NetworkState& desired, const NetworkState& observed,
                                         const std::map<std::string, std::string>& zones) {
    try {
        return Generator(desired, observed, zones).run();
    } catch (const Cannot& cannot) {
        return common::make_error("cannot persist the network for NetworkManager: " + cannot.message);
    }
}

std::vector<IfName> bond_ports_to_release(const NmKeyfileSet& set, const NetworkState& observed,
                                          const std::set<std::string>& active_uuids) {
    std::vector<IfName> ports;
    const InterfaceIndex observed_by_name(observed);
    for (const auto& file : set.files) {
        if (!file.is_port) continue;
        const auto* port = observed_by_name.find(file.interface);
        const auto* bond = observed_by_name.find(file.controller);
        if (!port || port->controller != file.controller || !bond || bond->type != InterfaceType::bond) continue;
        if (active_uuids.count(nm_profile_uuid(file.controller))) continue;
        ports.push_back(file.interface);
    }
    return ports;
}

namespace {

// "section.key" -> value, in file order.
std::vector<std::pair<std::string, std::string>> keyfile_entries(std::string_view text) {
    std::vector<std::pair<std::string, std::string>> entries;
    std::string section;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        if (line.front() == '[' && line.back() == ']') {
            section = std::string(line.substr(1, line.size() - 2));
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos) continue;
        entries.emplace_back(section + "." + std::string(line.substr(0, equals)), std::string(line.substr(equals + 1)));
    }
    return entries;
}

}  // namespace

std::vector<std::string> nm_keyfile_changes(std::string_view before, std::string_view after) {
    const auto old_entries = keyfile_entries(before);
    const auto new_entries = keyfile_entries(after);
    auto value_in = [](const auto& entries, const std::string& key) -> std::optional<std::string> {
        for (const auto& [k, v] : entries)
            if (k == key) return v;
        return std::nullopt;
    };
    std::vector<std::string> changes;
    auto note = [&](const std::string& key, const std::optional<std::string>& was, const std::optional<std::string>& is) {
        if (was != is) changes.push_back(key + " " + was.value_or("(none)") + " -> " + is.value_or("(none)"));
    };
    for (const auto& [key, value] : new_entries) note(key, value_in(old_entries, key), value);
    for (const auto& [key, value] : old_entries)
        if (!value_in(new_entries, key)) note(key, value, std::nullopt);
    return changes;
}

}  // namespace netconfig
