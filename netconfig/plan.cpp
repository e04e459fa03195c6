#include "netconfig/plan.h"

#include <algorithm>
#include <functional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace netconfig {

namespace {

InterfaceState effective_state(const Interface& iface) { return iface.state.value_or(InterfaceState::up); }
std::uint32_t table_of(const Route& route) { return route.table_id.value_or(k_main_table); }

// Types we create and delete; ethernet is hardware, other kinds we only delete (never lo).
bool is_virtual(const Interface& iface) {
    if (!iface.type) return false;
    switch (*iface.type) {
        case InterfaceType::linux_bridge:
        case InterfaceType::bond:
        case InterfaceType::vlan:
        case InterfaceType::veth: return true;
        default: return false;
    }
}
bool is_deletable(const Interface& iface) {
    return is_virtual(iface) || (iface.type == InterfaceType::other && iface.other_kind != "loopback");
}

const BridgePort* bridge_port(const Interface& master, const IfName& port) {
    if (!master.bridge || !master.bridge->ports) return nullptr;
    for (const auto& entry : *master.bridge->ports)
        if (entry.name == port) return &entry;
    return nullptr;
}

template <typename T>
bool differs(const std::optional<T>& wanted, const std::optional<T>& current) {
    return wanted && wanted != current;
}

// The options of `wanted` that `current` does not already have.
BondOptions bond_changes(const BondOptions& wanted, const BondOptions& current) {
    BondOptions out;
    if (differs(wanted.miimon, current.miimon)) out.miimon = wanted.miimon;
    if (differs(wanted.updelay, current.updelay)) out.updelay = wanted.updelay;
    if (differs(wanted.downdelay, current.downdelay)) out.downdelay = wanted.downdelay;
    if (differs(wanted.lacp_rate, current.lacp_rate)) out.lacp_rate = wanted.lacp_rate;
    if (differs(wanted.xmit_hash_policy, current.xmit_hash_policy)) out.xmit_hash_policy = wanted.xmit_hash_policy;
    if (differs(wanted.primary, current.primary)) out.primary = wanted.primary;
    return out;
}
bool any(const BondOptions& o) {
    return o.miimon || o.updelay || o.downdelay || o.lacp_rate || o.xmit_hash_policy || o.primary;
}

BridgeOptions bridge_changes(const BridgeOptions& wanted, const BridgeOptions& current) {
    BridgeOptions out;
    const auto& w = wanted.stp;
    const auto& c = current.stp;
    if (differs(w.enabled, c.enabled)) out.stp.enabled = w.enabled;
    if (differs(w.forward_delay, c.forward_delay)) out.stp.forward_delay = w.forward_delay;
    if (differs(w.hello_time, c.hello_time)) out.stp.hello_time = w.hello_time;
    if (differs(w.max_age, c.max_age)) out.stp.max_age = w.max_age;
    if (differs(w.priority, c.priority)) out.stp.priority = w.priority;
    return out;
}
bool any(const BridgeOptions& o) {
    return o.stp.enabled || o.stp.forward_delay || o.stp.hello_time || o.stp.max_age || o.stp.priority;
}

template <typename T>
void merge(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}
void merge(BondOptions& into, const BondOptions& from) {
    merge(into.miimon, from.miimon);
    merge(into.updelay, from.updelay);
    merge(into.downdelay, from.downdelay);
    merge(into.lacp_rate, from.lacp_rate);
    merge(into.xmit_hash_policy, from.xmit_hash_policy);
    merge(into.primary, from.primary);
}
void merge(BridgeOptions& into, const BridgeOptions& from) {
    merge(into.stp.enabled, from.stp.enabled);
    merge(into.stp.forward_delay, from.stp.forward_delay);
    merge(into.stp.hello_time, from.stp.hello_time);
    merge(into.stp.max_age, from.stp.max_age);
    merge(into.stp.priority, from.stp.priority);
}

const std::optional<std::vector<InterfaceAddress>>& addresses_of(const Interface& iface, IpFamily family) {
    return family == IpFamily::v4 ? iface.ipv4.addresses : iface.ipv6.addresses;
}
bool has_address(const Interface& iface, const InterfaceAddress& address) {
    const auto& list = addresses_of(iface, address.ip.family);
    return list && std::find(list->begin(), list->end(), address) != list->end();
}

// A desired route is there when an observed one has its destination, table and next hop (metric when given).
bool satisfies(const Route& current, const Route& wanted) {
    return current.destination == wanted.destination && table_of(current) == table_of(wanted) &&
           (!wanted.metric || current.metric == wanted.metric) &&
           (!wanted.next_hop_interface || current.next_hop_interface == wanted.next_hop_interface) &&
           current.next_hop_address == wanted.next_hop_address;
}
// An absent route matches on the keys it gives, as in nmstate: no destination or table-id matches any.
bool matches_absent(const Route& current, const Route& absent) {
    return (absent.any_destination || current.destination == absent.destination) &&
           (!absent.table_id || table_of(current) == *absent.table_id) &&
           (!absent.metric || current.metric == absent.metric) &&
           (!absent.next_hop_interface || current.next_hop_interface == absent.next_hop_interface) &&
           (!absent.next_hop_address || current.next_hop_address == absent.next_hop_address);
}
// Every key the kernel tells routes apart by: a removal names exactly one route.
bool same_route(const Route& a, const Route& b) {
    return a.destination == b.destination && table_of(a) == table_of(b) && a.metric == b.metric &&
           a.next_hop_interface == b.next_hop_interface && a.next_hop_address == b.next_hop_address;
}
// The kernel keys of a route: RTM_NEWROUTE with NLM_F_REPLACE swaps the route with the same ones.
bool same_slot(const Route& a, const Route& b) {
    return a.destination == b.destination && table_of(a) == table_of(b) && (!b.metric || a.metric == b.metric);
}
bool derived_from_addresses(const Route& route) { return route.protocol == "kernel" || route.protocol == "ra"; }

// --- simulation ---------------------------------------------------------------------------------------------

// A state changed step by step, its interfaces indexed by name, each master's ports (the interfaces naming it as
// their controller) kept in the state's order, and each base's VLANs: the planner and the simulation look these
// up at every step, and a scan per lookup made plans of thousands of interfaces quadratic. Creations append; a
// deleted interface stays in the vector, marked gone, until compact() (erasing at once shifts the vector and
// its positions with every deletion). Names are unique in the kernel's states and validate() refuses duplicates
// in a desired one; should a state hold two of a name all the same, find() gives the first and a deletion takes
// them all, as the scans did.
class IndexedState {
public:
    explicit IndexedState(NetworkState& state) : m_state(state), m_gone(state.interfaces.size(), false) {
        m_position.reserve(state.interfaces.size());
        for (std::size_t position = 0; position < state.interfaces.size(); ++position) index(position);
    }

    std::vector<Route>& routes() { return m_state.routes; }
    const std::vector<Route>& routes() const { return m_state.routes; }

    // The interfaces not deleted, in the state's order.
    std::vector<const Interface*> live() const {
        std::vector<const Interface*> out;
        out.reserve(m_position.size());
        for (std::size_t position = 0; position < m_state.interfaces.size(); ++position)
            if (!m_gone[position]) out.push_back(&m_state.interfaces[position]);
        return out;
    }

    Interface* find(const IfName& name) {
        const auto it = m_position.find(name);
        return it == m_position.end() ? nullptr : &m_state.interfaces[it->second.front()];
    }
    const Interface* find(const IfName& name) const { return const_cast<IndexedState*>(this)->find(name); }

    // The interfaces whose controller is `master`, in the state's order.
    std::vector<IfName> ports_of(const IfName& master) const { return names_at(m_ports, master); }
    // The VLANs whose base is `base`.
    std::vector<IfName> vlans_on(const IfName& base) const { return names_at(m_vlans, base); }

    void add(Interface iface) {
        m_state.interfaces.push_back(std::move(iface));
        m_gone.push_back(false);
        index(m_state.interfaces.size() - 1);
    }

    // `iface` is one of this state's interfaces.
    void set_controller(Interface& iface, std::optional<IfName> controller) {
        const auto position = position_of(iface);
        if (iface.controller) unlink(m_ports, *iface.controller, position);
        iface.controller = std::move(controller);
        if (iface.controller) m_ports[*iface.controller].insert(position);
    }

    void erase(const IfName& name) {
        const auto it = m_position.find(name);
        if (it == m_position.end()) return;
        for (const auto position : it->second) {
            const auto& iface = m_state.interfaces[position];
            if (iface.controller) unlink(m_ports, *iface.controller, position);
            if (iface.vlan) unlink(m_vlans, iface.vlan->base_iface, position);
            m_gone[position] = true;
        }
        m_position.erase(it);
    }

    // Drops the deleted interfaces from the state itself, the others keeping their order; the index is not used
    // afterwards.
    void compact() {
        auto& interfaces = m_state.interfaces;
        std::size_t kept = 0;
        for (std::size_t position = 0; position < interfaces.size(); ++position) {
            if (m_gone[position]) continue;
            if (kept != position) interfaces[kept] = std::move(interfaces[position]);
            ++kept;
        }
        interfaces.resize(kept);
    }

private:
    using Members = std::unordered_map<IfName, std::set<std::size_t>>;  // name -> positions, in order

    std::size_t position_of(const Interface& iface) const {
        return static_cast<std::size_t>(&iface - m_state.interfaces.data());
    }
    void index(std::size_t position) {
        const auto& iface = m_state.interfaces[position];
        m_position[iface.name].push_back(position);  // ascending: the first of a name is front()
        if (iface.controller) m_ports[*iface.controller].insert(position);
        if (iface.vlan) m_vlans[iface.vlan->base_iface].insert(position);
    }
    static void unlink(Members& members, const IfName& key, std::size_t position) {
        if (const auto it = members.find(key); it != members.end()) {
            it->second.erase(position);
            if (it->second.empty()) members.erase(it);
        }
    }
    std::vector<IfName> names_at(const Members& members, const IfName& key) const {
        std::vector<IfName> names;
        if (const auto it = members.find(key); it != members.end())
            for (const auto position : it->second) names.push_back(m_state.interfaces[position].name);
        return names;
    }

    NetworkState& m_state;
    std::vector<bool> m_gone;  // by position: deleted
    std::unordered_map<IfName, std::vector<std::size_t>> m_position;  // name -> positions (one, but for a bad state)
    Members m_ports;  // controller -> its ports
    Members m_vlans;  // base -> its VLANs
};

void detach(IndexedState& state, const IfName& port) {
    auto* iface = state.find(port);
    if (!iface || !iface->controller) return;
    if (auto* master = state.find(*iface->controller)) {
        if (master->bridge && master->bridge->ports)
            std::erase_if(*master->bridge->ports, [&](const BridgePort& p) { return p.name == port; });
        if (master->bond && master->bond->ports) std::erase(*master->bond->ports, port);
    }
    state.set_controller(*iface, std::nullopt);
}

Interface fresh(const IfName& name, InterfaceType type) {
    Interface iface;
    iface.name = name;
    iface.type = type;
    iface.state = InterfaceState::down;
    iface.ipv4.addresses.emplace();
    iface.ipv6.addresses.emplace();
    iface.ipv6.enabled = true;  // the usual net.ipv6.conf.default; verification catches a host that differs
    return iface;
}

void remove_link(IndexedState& state, const IfName& name) {
    const auto* iface = state.find(name);
    if (!iface) return;
    std::optional<IfName> peer;
    if (iface->veth && !iface->veth->peer.empty()) peer = iface->veth->peer;
    for (const auto& port : state.ports_of(name))
        if (auto* other = state.find(port)) state.set_controller(*other, std::nullopt);
    detach(state, name);
    std::erase_if(state.routes(), [&](const Route& r) { return r.next_hop_interface == name; });
    state.erase(name);
    // The kernel takes VLANs down with their base, and a veth's peer with it.
    std::vector<IfName> uppers = state.vlans_on(name);
    if (peer) uppers.push_back(*peer);
    for (const auto& upper : uppers) remove_link(state, upper);
}

void apply(IndexedState& state, const Step& step) {
    auto* iface = step.name.empty() ? nullptr : state.find(step.name);
    switch (step.kind) {
        case StepKind::create_bond: {
            auto created = fresh(step.name, InterfaceType::bond);
            created.bond.emplace();
            created.bond->mode = step.bond_mode;
            created.bond->options = step.bond_options;
            created.bond->ports.emplace();
            if (step.initial_mac) created.mac_address = step.initial_mac;
            state.add(std::move(created));
            break;
        }
        case StepKind::create_bridge: {
            auto created = fresh(step.name, InterfaceType::linux_bridge);
            created.bridge.emplace();
            created.bridge->options = step.bridge_options;
            created.bridge->ports.emplace();
            if (step.initial_mac) created.mac_address = step.initial_mac;
            state.add(std::move(created));
            break;
        }
        case StepKind::create_vlan: {
            auto created = fresh(step.name, InterfaceType::vlan);
            created.vlan = step.vlan;
            state.add(std::move(created));
            break;
        }
        case StepKind::create_veth: {
            auto one = fresh(step.name, InterfaceType::veth);
            one.veth = VethConfig{step.peer};
            auto other = fresh(step.peer, InterfaceType::veth);
            other.veth = VethConfig{step.name};
            state.add(std::move(one));
            state.add(std::move(other));
            break;
        }
        case StepKind::set_bond_options:
            if (iface && iface->bond) {
                if (step.bond_mode) iface->bond->mode = step.bond_mode;
                merge(iface->bond->options, step.bond_options);
            }
            break;
        case StepKind::set_bridge_options:
            if (iface && iface->bridge) merge(iface->bridge->options, step.bridge_options);
            break;
        case StepKind::set_port_options:
            if (auto* master = state.find(step.controller); master && master->bridge && master->bridge->ports)
                for (auto& port : *master->bridge->ports)
                    if (port.name == step.name) {
                        merge(port.stp_path_cost, step.port.stp_path_cost);
                        merge(port.stp_priority, step.port.stp_priority);
                    }
            break;
        case StepKind::set_master: {
            if (!iface) break;
            const auto* old_master = iface->controller ? state.find(*iface->controller) : nullptr;
            if (old_master && old_master->bond) iface->state = InterfaceState::down;  // released on the way
            detach(state, step.name);
            state.set_controller(*iface, step.controller);
            if (auto* master = state.find(step.controller)) {
                if (master->bridge) {
                    if (!master->bridge->ports) master->bridge->ports.emplace();
                    master->bridge->ports->push_back(BridgePort{step.name, std::nullopt, std::nullopt});
                }
                if (master->bond) {
                    if (!master->bond->ports) master->bond->ports.emplace();
                    master->bond->ports->push_back(step.name);
                }
            }
            break;
        }
        case StepKind::release: {
            const auto* master = iface && iface->controller ? state.find(*iface->controller) : nullptr;
            const bool from_bond = master && master->bond;
            detach(state, step.name);
            if (iface && from_bond) iface->state = InterfaceState::down;  // the bonding driver closes it
            break;
        }
        case StepKind::set_mtu:
            if (iface) iface->mtu = step.mtu;
            break;
        case StepKind::set_mac:
            if (iface) iface->mac_address = step.mac;
            break;
        case StepKind::set_ipv6:
            if (iface) {
                iface->ipv6.enabled = step.ipv6_enabled;
                // The kernel drops the link's IPv6 addresses and routes with it.
                if (!step.ipv6_enabled) {
                    iface->ipv6.addresses.emplace();
                    std::erase_if(state.routes(), [&](const Route& r) {
                        return r.next_hop_interface == step.name && r.destination.address.family == IpFamily::v6;
                    });
                }
            }
            break;
        case StepKind::add_address:
            if (iface) {
                auto& ip = step.address.ip.family == IpFamily::v4 ? iface->ipv4 : iface->ipv6;
                if (!ip.addresses) ip.addresses.emplace();
                if (std::find(ip.addresses->begin(), ip.addresses->end(), step.address) == ip.addresses->end())
                    ip.addresses->push_back(step.address);
                if (step.address.ip.family == IpFamily::v4) ip.enabled = true;
            }
            break;
        case StepKind::del_address:
            if (iface) {
                auto& ip = step.address.ip.family == IpFamily::v4 ? iface->ipv4 : iface->ipv6;
                if (ip.addresses) {
                    std::erase(*ip.addresses, step.address);
                    if (step.address.ip.family == IpFamily::v4) ip.enabled = !ip.addresses->empty();
                }
            }
            break;
        case StepKind::add_route: state.routes().push_back(step.route); break;
        case StepKind::replace_route:
            std::erase_if(state.routes(), [&](const Route& r) { return same_slot(r, step.route); });
            state.routes().push_back(step.route);
            break;
        case StepKind::del_route:
            std::erase_if(state.routes(), [&](const Route& r) { return same_route(r, step.route); });
            break;
        case StepKind::set_up:
            if (iface) iface->state = InterfaceState::up;
            break;
        case StepKind::set_down:
            // The kernel flushes the routes through a device that goes down.
            if (iface) iface->state = InterfaceState::down;
            std::erase_if(state.routes(), [&](const Route& r) { return r.next_hop_interface == step.name; });
            break;
        case StepKind::delete_link: remove_link(state, step.name); break;
    }
}

class Planner {
public:
    Planner(const NetworkState& desired, const NetworkState& observed)
        : m_desired(desired), m_wanted(desired), m_observed(observed), m_state(observed), m_current(m_state) {
        for (const auto& iface : m_desired.interfaces)
            if (!is_absent(iface))
                if (auto ports = listed_ports(iface))
                    for (const auto& port : *ports) m_master_of.emplace(port, iface.name);
    }

    common::Result<Plan> run() {
        try {
            change_bond_modes();
            create_interfaces();
            set_options();
            set_mtu_and_mac();
            set_ipv6();
            add_addresses();
            release_ports();
            enslave_ports();
            set_up();
            add_routes();
            remove_routes();
            remove_addresses();
            set_down();
            delete_absent();
            set_mac(true);
        } catch (const common::Error& error) {
            return error;
        }
        return Plan{std::move(m_steps)};
    }

private:
    [[noreturn]] static void impossible(std::string message) { throw common::make_error(std::move(message)); }

    void emit(Step step) {
        apply(m_current, step);
        // The layer order follows who is whose port and which interfaces exist.
        if (step.kind == StepKind::set_master || step.kind == StepKind::release || step.kind == StepKind::delete_link ||
            creates_link(step.kind))
            m_order.reset();
        m_steps.push_back(std::move(step));
    }
    Step step(StepKind kind, const IfName& name) const {
        Step out;
        out.kind = kind;
        out.name = name;
        return out;
    }
    const Interface* current(const IfName& name) const { return m_current.find(name); }
    const Interface* wanted(const IfName& name) const { return m_wanted.find(name); }

    // Lower layers first: a port before its master, a base before its VLANs. Desired order breaks ties.
    // Computed again only after a step that changed it (see emit); a copy, since the passes emit while they walk it.
    std::vector<const Interface*> bottom_up() const {
        if (!m_order) m_order = layer_order();
        return *m_order;
    }
    std::vector<const Interface*> layer_order() const {
        std::unordered_map<IfName, int> level;
        std::unordered_set<IfName> visiting;
        std::function<int(const IfName&)> level_of = [&](const IfName& name) -> int {
            if (auto it = level.find(name); it != level.end()) return it->second;
            if (!visiting.insert(name).second) return 0;  // a loop; validate() reports those
            int result = 0;
            const auto* desired = wanted(name);
            const auto* now = current(name);
            auto listed = desired ? listed_ports(*desired) : std::nullopt;
            std::vector<IfName> below = listed ? std::move(*listed) : ports_now(name);
            const auto* vlan = desired && desired->vlan ? &*desired->vlan : (now && now->vlan ? &*now->vlan : nullptr);
            if (vlan && !vlan->base_iface.empty()) below.push_back(vlan->base_iface);
            for (const auto& lower : below) result = std::max(result, level_of(lower) + 1);
            visiting.erase(name);
            return level[name] = result;
        };
        std::vector<std::pair<int, const Interface*>> leveled;
        leveled.reserve(m_desired.interfaces.size());
        for (const auto& iface : m_desired.interfaces) leveled.emplace_back(level_of(iface.name), &iface);
        std::stable_sort(leveled.begin(), leveled.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        std::vector<const Interface*> order;
        order.reserve(leveled.size());
        for (const auto& entry : leveled) order.push_back(entry.second);
        return order;
    }
    std::vector<const Interface*> top_down() const {
        auto order = bottom_up();
        std::reverse(order.begin(), order.end());
        return order;
    }

    // A bond's mode changes only while it is down and has no ports.
    void change_bond_modes() {
        for (const auto& wanted : m_desired.interfaces) {
            if (is_absent(wanted) || !wanted.bond || !wanted.bond->mode) continue;
            const auto* now = current(wanted.name);
            if (!now || !now->bond || now->bond->mode == wanted.bond->mode) continue;
            if (now->state == InterfaceState::up) emit(step(StepKind::set_down, wanted.name));
            for (const auto& port : ports_now(wanted.name)) {
                auto release = step(StepKind::release, port);
                release.controller = wanted.name;
                emit(release);
            }
            auto change = step(StepKind::set_bond_options, wanted.name);
            change.bond_mode = wanted.bond->mode;
            change.bond_options = bond_changes(wanted.bond->options, current(wanted.name)->bond->options);
            emit(change);
        }
    }

    std::vector<IfName> ports_now(const IfName& master) const { return m_current.ports_of(master); }

    void create_interfaces() {
        for (const auto* wanted : bottom_up()) {
            if (is_absent(*wanted)) continue;
            const auto& name = wanted->name;
            if (const auto* now = current(name)) {
                check_same_kind(*wanted, *now);
                continue;
            }
            if (!wanted->type)
                impossible(name.str() + " does not exist, and without a type it cannot be created");
            switch (*wanted->type) {
                case InterfaceType::bond: {
                    auto create = step(StepKind::create_bond, name);
                    if (wanted->bond) {
                        create.bond_mode = wanted->bond->mode;
                        create.bond_options = wanted->bond->options;
                    }
                    create.initial_mac = mac_for(name);
                    emit(create);
                    break;
                }
                case InterfaceType::linux_bridge: {
                    auto create = step(StepKind::create_bridge, name);
                    if (wanted->bridge) create.bridge_options = wanted->bridge->options;
                    if (wanted->mac_address || wanted->mac_from_port) create.initial_mac = mac_for(name);
                    emit(create);
                    break;
                }
                case InterfaceType::vlan: {
                    if (!wanted->vlan) impossible(name.str() + " does not exist, and has no vlan: to create it with");
                    if (!current(wanted->vlan->base_iface))
                        impossible(name.str() + ": base-iface " + wanted->vlan->base_iface.str() + " does not exist");
                    auto create = step(StepKind::create_vlan, name);
                    create.vlan = *wanted->vlan;
                    emit(create);
                    break;
                }
                case InterfaceType::veth: {
                    if (!wanted->veth) impossible(name.str() + " does not exist, and has no veth: to create it with");
                    if (current(wanted->veth->peer))
                        impossible(name.str() + ": veth peer " + wanted->veth->peer.str() + " exists already");
                    auto create = step(StepKind::create_veth, name);
                    create.peer = wanted->veth->peer;
                    emit(create);
                    break;
                }
                default:
                    impossible(name.str() + " does not exist (an " + std::string(to_string(*wanted->type)) +
                               " interface cannot be created)");
            }
        }
    }

    // nmstate takes `ethernet` for a veth end as well: to everything above the link both are Ethernet.
    static bool same_kind(InterfaceType wanted, InterfaceType now) {
        return wanted == now || (wanted == InterfaceType::ethernet && now == InterfaceType::veth);
    }

    static void check_same_kind(const Interface& wanted, const Interface& now) {
        const auto& name = wanted.name.str();
        if (wanted.type && now.type && !same_kind(*wanted.type, *now.type)) {
            const auto wanted_type = std::string(to_string(*wanted.type));
            // Only what we could create again may be replaced; a NIC stays, the new interface needs a name.
            impossible(name + " is " + std::string(to_string(*now.type)) + " on the host, not " + wanted_type +
                       (is_deletable(now) ? " (mark it absent to replace it)"
                                          : " (it cannot be replaced: give the " + wanted_type + " another name)"));
        }
        if (wanted.vlan && now.vlan &&
            (wanted.vlan->id != now.vlan->id || wanted.vlan->base_iface != now.vlan->base_iface))
            impossible(name + " is vlan " + std::to_string(now.vlan->id) + " on " + now.vlan->base_iface.str() +
                       " on the host, not vlan " + std::to_string(wanted.vlan->id) + " on " +
                       wanted.vlan->base_iface.str() + " (mark it absent to replace it)");
    }

    void set_options() {
        for (const auto& wanted : m_desired.interfaces) {
            if (is_absent(wanted)) continue;
            const auto* now = current(wanted.name);
            if (!now) continue;
            if (wanted.bond && now->bond) {
                const auto changes = bond_changes(wanted.bond->options, now->bond->options);
                if (any(changes)) {
                    auto change = step(StepKind::set_bond_options, wanted.name);
                    change.bond_options = changes;
                    emit(change);
                }
            }
            if (wanted.bridge && now->bridge) {
                const auto changes = bridge_changes(wanted.bridge->options, now->bridge->options);
                if (any(changes)) {
                    auto change = step(StepKind::set_bridge_options, wanted.name);
                    change.bridge_options = changes;
                    emit(change);
                }
            }
        }
    }

    // The MAC `name` will show: an explicit one, a master's first port's (from-port, and a fresh bond takes
    // its first port's), or the current one (a hardware port's own when a bond has rewritten it).
    std::optional<MacAddress> mac_for(const IfName& name, int depth = 0) const {
        if (depth > 16) return std::nullopt;
        const auto* wanted = this->wanted(name);
        const auto* now = current(name);
        if (wanted && wanted->mac_address) return wanted->mac_address;
        // A bond follows its first port too: on systemd hosts udev gives a new bond a MAC of its own, which its
        // ports then take, so without this the wire would show neither the NIC's MAC nor the bridge's.
        const bool follows_port = wanted && (wanted->mac_from_port || wanted->bond);
        if (follows_port)
            if (auto ports = listed_ports(*wanted); ports && !ports->empty()) return mac_for(ports->front(), depth + 1);
        if (!now) return std::nullopt;
        if (now->controller && now->permanent_mac_address) return now->permanent_mac_address;
        return now->mac_address;
    }

    void set_mtu_and_mac() {
        for (const auto* wanted : bottom_up()) {
            if (is_absent(*wanted)) continue;
            const auto* now = current(wanted->name);
            if (!now) continue;
            if (wanted->mtu && now->mtu != wanted->mtu) {
                auto change = step(StepKind::set_mtu, wanted->name);
                change.mtu = *wanted->mtu;
                emit(change);
            }
        }
        set_mac(false);
    }

    // A port that is leaving its bond gets its MAC after the release (the bond rewrites its ports' MACs and
    // restores them on release): the late pass, after everything else, sets what is still not right.
    void set_mac(bool late) {
        for (const auto* wanted : bottom_up()) {
            if (is_absent(*wanted) || (!wanted->mac_address && !wanted->mac_from_port && !wanted->bond)) continue;
            const auto* now = current(wanted->name);
            if (!now) continue;
            if (!late && now->controller) {
                const auto* master = current(*now->controller);
                const auto stays = m_master_of.find(wanted->name);
                if (master && master->bond && (stays == m_master_of.end() || stays->second != *now->controller))
                    continue;
            }
            const auto mac = mac_for(wanted->name);
            if (mac && now->mac_address != mac) {
                auto change = step(StepKind::set_mac, wanted->name);
                change.mac = *mac;
                emit(change);
            }
        }
    }

    // nmstate's `ipv6: {enabled: false}`: no IPv6 on the link at all, link-local and router advertisements
    // included; the kernel's disable_ipv6. Before addresses are added, so a re-enabled link can take them.
    void set_ipv6() {
        for (const auto& wanted : m_desired.interfaces) {
            if (is_absent(wanted) || !wanted.ipv6.enabled) continue;
            const auto* now = current(wanted.name);
            if (!now || now->ipv6.enabled == wanted.ipv6.enabled) continue;
            auto change = step(StepKind::set_ipv6, wanted.name);
            change.ipv6_enabled = *wanted.ipv6.enabled;
            emit(change);
        }
    }

    void add_addresses() {
        for (const auto& wanted : m_desired.interfaces) {
            if (is_absent(wanted) || !current(wanted.name)) continue;
            for (const auto* ip : {&wanted.ipv4, &wanted.ipv6}) {
                if (!ip->addresses || ip->enabled == false) continue;
                for (const auto& address : *ip->addresses) {
                    if (has_address(*current(wanted.name), address)) continue;
                    auto add = step(StepKind::add_address, wanted.name);
                    add.address = address;
                    add.address.dynamic = false;
                    emit(add);
                }
            }
        }
    }

    void enslave_ports() {
        for (const auto* wanted : bottom_up()) {
            if (is_absent(*wanted)) continue;
            const auto ports = listed_ports(*wanted);
            if (!ports) continue;
            for (const auto& port : *ports) {
                const auto* now = current(port);
                if (!now) impossible(wanted->name.str() + ": port " + port.str() + " does not exist");
                if (now->controller != wanted->name) {
                    // The bonding driver refuses a port that is up; the set-up pass brings it back.
                    if (wanted->bond && now->state == InterfaceState::up) emit(step(StepKind::set_down, port));
                    auto enslave = step(StepKind::set_master, port);
                    enslave.controller = wanted->name;
                    emit(enslave);
                }
                const auto* wanted_port = bridge_port(*wanted, port);
                if (!wanted_port) continue;
                const auto* master = current(wanted->name);
                const auto* port_now = master ? bridge_port(*master, port) : nullptr;
                BridgePort changes;
                changes.name = port;
                if (differs(wanted_port->stp_path_cost, port_now ? port_now->stp_path_cost : std::nullopt))
                    changes.stp_path_cost = wanted_port->stp_path_cost;
                if (differs(wanted_port->stp_priority, port_now ? port_now->stp_priority : std::nullopt))
                    changes.stp_priority = wanted_port->stp_priority;
                if (changes.stp_path_cost || changes.stp_priority) {
                    auto change = step(StepKind::set_port_options, port);
                    change.controller = wanted->name;
                    change.port = changes;
                    emit(change);
                }
            }
        }
    }

    void set_up() {
        // Listed interfaces that are not down or absent, and the ports of listed masters, lower layers first.
        std::vector<IfName> order;
        std::set<IfName> seen;
        for (const auto* wanted : bottom_up()) {
            if (auto ports = listed_ports(*wanted); ports && !is_absent(*wanted))
                for (const auto& port : *ports)
                    if (!this->wanted(port) && seen.insert(port).second) order.push_back(port);
            if (effective_state(*wanted) == InterfaceState::up && seen.insert(wanted->name).second)
                order.push_back(wanted->name);
        }
        for (const auto& name : order) {
            const auto* now = current(name);
            if (now && now->state != InterfaceState::up) emit(step(StepKind::set_up, name));
        }
    }

    void add_routes() {
        for (const auto& wanted : m_desired.routes) {
            if (wanted.absent) continue;
            const auto& routes = m_state.routes;
            if (std::any_of(routes.begin(), routes.end(), [&](const Route& r) { return satisfies(r, wanted); }))
                continue;
            Route route = wanted;  // a rollback's routes keep the origin and flags they had ("boot", onlink)
            if (!route.onlink && needs_onlink(route)) route.onlink = true;
            const auto slot = std::find_if(routes.begin(), routes.end(), [&](const Route& r) {
                return same_slot(r, wanted);
            });
            Step change = step(slot == routes.end() ? StepKind::add_route : StepKind::replace_route, IfName());
            if (slot != routes.end() && !route.metric) route.metric = slot->metric;  // replace that very route
            change.route = route;
            emit(change);
        }
    }

    bool becomes_port(const Interface& iface) const { return m_master_of.count(iface.name) > 0; }

    bool needs_onlink(const Route& route) const {
        const auto* device = route.next_hop_interface ? current(*route.next_hop_interface) : nullptr;
        return device && device->ipv4.addresses && netconfig::needs_onlink(route, *device->ipv4.addresses);
    }

    // Routes the host had before this apply and still has: an absent entry removes those it matches, never a
    // route the profile itself adds (nmstate's gateway change: an absent default route beside the new one).
    void remove_routes() {
        const auto wanted_present = [&](const Route& route) {
            return std::any_of(m_desired.routes.begin(), m_desired.routes.end(),
                               [&](const Route& r) { return !r.absent && satisfies(route, r); });
        };
        const auto still_there = [&](const Route& route) {
            return std::any_of(m_state.routes.begin(), m_state.routes.end(),
                               [&](const Route& r) { return same_route(r, route); });
        };
        std::vector<Route> doomed;
        for (const auto& route : m_observed.routes) {
            // The kernel's own routes first: a host with thousands of addresses has as many, and they never go.
            if (derived_from_addresses(route) || !still_there(route) || wanted_present(route)) continue;
            const bool unwanted = std::any_of(m_desired.routes.begin(), m_desired.routes.end(), [&](const Route& r) {
                return r.absent && matches_absent(route, r);
            });
            // A port carries no routes; those the kernel made for its addresses go with them.
            const auto* device = route.next_hop_interface ? current(*route.next_hop_interface) : nullptr;
            const bool on_port = device && becomes_port(*device);
            if (unwanted || on_port) doomed.push_back(route);
        }
        for (auto& route : doomed) {
            auto remove = step(StepKind::del_route, IfName());
            route.protocol.reset();
            remove.route = route;
            emit(remove);
        }
    }

    void remove_addresses() {
        std::vector<std::pair<IfName, InterfaceAddress>> doomed;
        for (const auto* live : m_current.live()) {
            const auto& now = *live;
            const auto* wanted = this->wanted(now.name);
            if (wanted && is_absent(*wanted)) continue;  // handled with the deletion
            for (const auto family : {IpFamily::v4, IpFamily::v6}) {
                const auto& list = addresses_of(now, family);
                if (!list) continue;
                const IpConfig* ip = wanted ? (family == IpFamily::v4 ? &wanted->ipv4 : &wanted->ipv6) : nullptr;
                const bool all = becomes_port(now) || (ip && ip->enabled == false);
                const bool exact = ip && ip->addresses && ip->dhcp != true && ip->autoconf != true;
                for (const auto& address : *list) {
                    if (address.ip.family == IpFamily::v6 && address.ip.is_link_local()) continue;
                    const bool keep = !all && (!exact || address.dynamic ||
                                               std::find(ip->addresses->begin(), ip->addresses->end(), address) !=
                                                   ip->addresses->end());
                    if (!keep) doomed.emplace_back(now.name, address);
                }
            }
        }
        for (const auto& [name, address] : doomed) {
            auto remove = step(StepKind::del_address, name);
            remove.address = address;
            emit(remove);
        }
    }

    // Ports that no listed master keeps, and the ports of absent masters, leave before anything is enslaved
    // or set up: a bond closes the ports it releases, and the set-up pass must come after that. A port
    // that moves to another master is not released: set_master moves it.
    void release_ports() {
        for (const auto* wanted : top_down()) {
            const auto ports = listed_ports(*wanted);
            if (!is_absent(*wanted) && !ports) continue;
            for (const auto& port : ports_now(wanted->name)) {
                if (m_master_of.count(port)) continue;
                auto release = step(StepKind::release, port);
                release.controller = wanted->name;
                emit(release);
            }
        }
    }

    void set_down() {
        for (const auto* wanted : top_down()) {
            const auto* now = current(wanted->name);
            if (effective_state(*wanted) == InterfaceState::down && now && now->state != InterfaceState::down)
                emit(step(StepKind::set_down, wanted->name));
        }
    }

    void delete_absent() {
        for (const auto* wanted : top_down()) {
            if (!is_absent(*wanted)) continue;
            const auto* now = current(wanted->name);
            if (!now) continue;  // already gone, or went with its base or peer
            for (const auto& port : ports_now(wanted->name)) {
                auto release = step(StepKind::release, port);
                release.controller = wanted->name;
                emit(release);
            }
            if (is_deletable(*now)) {
                emit(step(StepKind::delete_link, wanted->name));
                continue;
            }
            // Hardware stays: unconfigure it.
            if (now->controller) {
                auto release = step(StepKind::release, wanted->name);
                release.controller = *now->controller;
                emit(release);
            }
            std::vector<InterfaceAddress> addresses;
            for (const auto family : {IpFamily::v4, IpFamily::v6})
                if (const auto& list = addresses_of(*current(wanted->name), family))
                    for (const auto& address : *list)
                        if (!(family == IpFamily::v6 && address.ip.is_link_local())) addresses.push_back(address);
            for (const auto& address : addresses) {
                auto remove = step(StepKind::del_address, wanted->name);
                remove.address = address;
                emit(remove);
            }
            if (current(wanted->name)->state == InterfaceState::up) emit(step(StepKind::set_down, wanted->name));
        }
    }

    const NetworkState& m_desired;
    InterfaceIndex m_wanted;                         // m_desired by name
    const NetworkState& m_observed;                  // the host before this apply
    NetworkState m_state;                            // the observed state with the steps so far applied
    IndexedState m_current;                          // m_state by name, with each master's ports
    std::unordered_map<IfName, IfName> m_master_of;  // port -> the desired master that lists it
    mutable std::optional<std::vector<const Interface*>> m_order;  // bottom_up(), until a step changes it
    std::vector<Step> m_steps;
};

// --- text ------------------------------------------------------------------------------------------------------

void add_part(std::string& out, const std::string& part) { out += (out.empty() ? "" : ", ") + part; }

std::string options_text(const std::optional<BondMode>& mode, const BondOptions& o) {
    std::string out;
    if (mode) add_part(out, "mode " + std::string(to_string(*mode)));
    if (o.miimon) add_part(out, "miimon " + std::to_string(*o.miimon));
    if (o.updelay) add_part(out, "updelay " + std::to_string(*o.updelay));
    if (o.downdelay) add_part(out, "downdelay " + std::to_string(*o.downdelay));
    if (o.lacp_rate) add_part(out, "lacp_rate " + std::string(to_string(*o.lacp_rate)));
    if (o.xmit_hash_policy) add_part(out, "xmit_hash_policy " + std::string(to_string(*o.xmit_hash_policy)));
    if (o.primary) add_part(out, "primary " + o.primary->str());
    return out;
}

std::string options_text(const BridgeOptions& o) {
    std::string out;
    if (o.stp.enabled) add_part(out, *o.stp.enabled ? "stp on" : "stp off");
    if (o.stp.forward_delay) add_part(out, "forward-delay " + std::to_string(*o.stp.forward_delay));
    if (o.stp.hello_time) add_part(out, "hello-time " + std::to_string(*o.stp.hello_time));
    if (o.stp.max_age) add_part(out, "max-age " + std::to_string(*o.stp.max_age));
    if (o.stp.priority) add_part(out, "priority " + std::to_string(*o.stp.priority));
    return out;
}

std::string route_text(const Route& route) {
    std::string out = route.destination.to_string();
    if (route.next_hop_address) out += " via " + route.next_hop_address->to_string();
    if (route.next_hop_interface) out += " dev " + route.next_hop_interface->str();
    if (route.metric) out += " metric " + std::to_string(*route.metric);
    if (route.table_id && *route.table_id != k_main_table) out += " table " + std::to_string(*route.table_id);
    if (route.source) out += " src " + route.source->to_string();
    if (route.scope == RouteScope::host) out += " scope host";
    if (route.scope == RouteScope::link && route.next_hop_address) out += " scope link";
    if (route.onlink) out += " onlink";
    return out;
}

std::string parenthesized(const std::string& text) { return text.empty() ? "" : " (" + text + ")"; }

std::string with_mac(std::string options, const std::optional<MacAddress>& mac) {
    if (mac) add_part(options, "mac-address " + mac->to_string());
    return options;
}

}  // namespace

std::string_view to_string(StepKind kind) { return name_of(kind, k_step_kinds); }

std::string Step::to_string() const {
    const auto& n = name.str();
    switch (kind) {
        case StepKind::create_bond:
            return "create bond " + n + parenthesized(with_mac(options_text(bond_mode, bond_options), initial_mac));
        case StepKind::create_bridge:
            return "create bridge " + n + parenthesized(with_mac(options_text(bridge_options), initial_mac));
        case StepKind::create_vlan:
            return "create vlan " + n + " (id " + std::to_string(vlan.id) + " on " + vlan.base_iface.str() + ")";
        case StepKind::create_veth: return "create veth pair " + n + " and " + peer.str();
        case StepKind::set_bond_options: return "set bond " + n + " " + options_text(bond_mode, bond_options);
        case StepKind::set_bridge_options: return "set bridge " + n + " " + options_text(bridge_options);
        case StepKind::set_port_options: {
            std::string parts;
            if (port.stp_path_cost) add_part(parts, "stp-path-cost " + std::to_string(*port.stp_path_cost));
            if (port.stp_priority) add_part(parts, "stp-priority " + std::to_string(*port.stp_priority));
            return "set port " + n + " of " + controller.str() + " " + parts;
        }
        case StepKind::set_master: return "make " + n + " a port of " + controller.str();
        case StepKind::release: return "release " + n + " from " + controller.str();
        case StepKind::set_mtu: return "set mtu of " + n + " to " + std::to_string(mtu);
        case StepKind::set_mac: return "set mac-address of " + n + " to " + mac.to_string();
        case StepKind::set_ipv6:
            return ipv6_enabled ? "enable IPv6 on " + n : "disable IPv6 on " + n + " (no link-local address, no router advertisements)";
        case StepKind::add_address: return "add address " + address.to_string() + " to " + n;
        case StepKind::del_address: return "remove address " + address.to_string() + " from " + n;
        case StepKind::add_route: return "add route " + route_text(route);
        case StepKind::replace_route: return "replace route " + route_text(route);
        case StepKind::del_route: return "remove route " + route_text(route);
        case StepKind::set_up: return "set " + n + " up";
        case StepKind::set_down: return "set " + n + " down";
        case StepKind::delete_link: return "delete " + n;
    }
    return "?";
}

common::Result<Plan> plan(const NetworkState& desired, const NetworkState& observed) {
    return Planner(desired, observed).run();
}

void simulate(NetworkState& state, const std::vector<Step>& steps) {
    IndexedState indexed(state);
    for (const auto& step : steps) apply(indexed, step);
    indexed.compact();
}

NetworkState rollback_target(const NetworkState& before, const NetworkState& after) {
    const InterfaceIndex before_by_name(before);
    std::unordered_map<IfName, std::vector<IfName>> ports_before;  // master -> its ports, in before's order
    for (const auto& iface : before.interfaces)
        if (iface.controller) ports_before[*iface.controller].push_back(iface.name);
    NetworkState target;
    for (const auto& was : before.interfaces) {
        Interface wanted;
        wanted.name = was.name;
        wanted.type = was.type;
        wanted.other_kind = was.other_kind;
        wanted.state = was.state;
        wanted.mtu = was.mtu;
        wanted.mac_address = was.mac_address;
        wanted.ipv6.enabled = was.ipv6.enabled;  // the link's own switch, as it was
        for (auto [from, to] : {std::pair{&was.ipv4, &wanted.ipv4}, std::pair{&was.ipv6, &wanted.ipv6}}) {
            to->addresses.emplace();
            if (from->addresses)
                for (auto address : *from->addresses) {
                    if (address.ip.family == IpFamily::v6 && address.ip.is_link_local()) continue;
                    address.dynamic = false;
                    to->addresses->push_back(address);
                }
        }
        // Port sets from who named whom as controller; per-port options from the bridge's list.
        const auto listed = ports_before.find(was.name);
        const auto ports = listed == ports_before.end() ? std::vector<IfName>{} : listed->second;
        if (was.bridge) {
            auto& bridge = wanted.bridge.emplace();
            bridge.options = was.bridge->options;
            bridge.ports.emplace();
            for (const auto& port : ports) {
                const auto* entry = bridge_port(was, port);
                bridge.ports->push_back(entry ? *entry : BridgePort{port, std::nullopt, std::nullopt});
            }
        }
        if (was.bond) {
            auto& bond = wanted.bond.emplace();
            bond.mode = was.bond->mode;
            bond.options = was.bond->options;
            bond.ports = ports;
        }
        if (was.vlan) wanted.vlan = was.vlan;
        if (was.veth && !was.veth->peer.empty()) wanted.veth = was.veth;
        target.interfaces.push_back(std::move(wanted));
    }
    for (const auto& now : after.interfaces) {
        if (before_by_name.find(now.name)) continue;
        Interface gone;
        gone.name = now.name;
        gone.type = now.type;
        gone.other_kind = now.other_kind;
        gone.state = InterfaceState::absent;
        target.interfaces.push_back(std::move(gone));
    }
    auto ours = [](const Route& r) { return !derived_from_addresses(r); };
    for (const auto& was : before.routes) {
        if (!ours(was)) continue;
        target.routes.push_back(was);  // with its protocol: restored as it was, not as ours
    }
    for (const auto& now : after.routes) {
        if (!ours(now)) continue;
        const bool existed = std::any_of(before.routes.begin(), before.routes.end(), [&](const Route& r) {
            return r.destination == now.destination && table_of(r) == table_of(now) && r.metric == now.metric &&
                   r.next_hop_interface == now.next_hop_interface && r.next_hop_address == now.next_hop_address;
        });
        if (existed) continue;
        Route gone = now;
        gone.protocol.reset();
        gone.absent = true;
        target.routes.push_back(gone);
    }
    return target;
}

common::Result<Plan> rollback_plan(const NetworkState& before, const NetworkState& after) {
    return plan(rollback_target(before, after), after);
}

}  // namespace netconfig
