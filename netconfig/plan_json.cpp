#include "netconfig/plan_json.h"

namespace netconfig {

namespace {

template <typename T>
void put(nlohmann::json& out, const char* key, const std::optional<T>& value) {
    if (value) out[key] = *value;
}

nlohmann::json bond_options_json(const BondOptions& o) {
    nlohmann::json out = nlohmann::json::object();
    put(out, "miimon", o.miimon);
    put(out, "updelay", o.updelay);
    put(out, "downdelay", o.downdelay);
    if (o.lacp_rate) out["lacp_rate"] = to_string(*o.lacp_rate);
    if (o.xmit_hash_policy) out["xmit_hash_policy"] = to_string(*o.xmit_hash_policy);
    if (o.primary) out["primary"] = o.primary->str();
    return out;
}

nlohmann::json bridge_options_json(const BridgeOptions& o) {
    nlohmann::json stp = nlohmann::json::object();
    put(stp, "enabled", o.stp.enabled);
    put(stp, "forward-delay", o.stp.forward_delay);
    put(stp, "hello-time", o.stp.hello_time);
    put(stp, "max-age", o.stp.max_age);
    put(stp, "priority", o.stp.priority);
    return {{"stp", stp}};
}

nlohmann::json address_json(const InterfaceAddress& address) {
    return {{"ip", address.ip.to_string()}, {"prefix-length", address.prefix_length}};
}

}  // namespace

nlohmann::json to_json(const Route& route) {
    nlohmann::json out{{"destination", route.destination.to_string()}};
    if (route.next_hop_address) out["next-hop-address"] = route.next_hop_address->to_string();
    if (route.next_hop_interface) out["next-hop-interface"] = route.next_hop_interface->str();
    put(out, "metric", route.metric);
    put(out, "table-id", route.table_id);
    return out;
}

nlohmann::json to_json(const Step& step) {
    nlohmann::json out{{"step", to_string(step.kind)}};
    if (!step.name.empty()) out["interface"] = step.name.str();
    if (step.initial_mac) out["mac-address"] = step.initial_mac->to_string();
    switch (step.kind) {
        case StepKind::create_bond:
        case StepKind::set_bond_options:
            if (step.bond_mode) out["mode"] = to_string(*step.bond_mode);
            out["options"] = bond_options_json(step.bond_options);
            break;
        case StepKind::create_bridge:
        case StepKind::set_bridge_options: out["options"] = bridge_options_json(step.bridge_options); break;
        case StepKind::create_vlan: out["vlan"] = {{"base-iface", step.vlan.base_iface.str()}, {"id", step.vlan.id}}; break;
        case StepKind::create_veth: out["peer"] = step.peer.str(); break;
        case StepKind::set_port_options:
            out["controller"] = step.controller.str();
            put(out, "stp-path-cost", step.port.stp_path_cost);
            put(out, "stp-priority", step.port.stp_priority);
            break;
        case StepKind::set_master:
        case StepKind::release: out["controller"] = step.controller.str(); break;
        case StepKind::set_mtu: out["mtu"] = step.mtu; break;
        case StepKind::set_mac: out["mac-address"] = step.mac.to_string(); break;
        case StepKind::set_ipv6: out["ipv6-enabled"] = step.ipv6_enabled; break;
        case StepKind::add_address:
        case StepKind::del_address: out["address"] = address_json(step.address); break;
        case StepKind::add_route:
        case StepKind::replace_route:
        case StepKind::del_route: out["route"] = to_json(step.route); break;
        case StepKind::set_up:
        case StepKind::set_down:
        case StepKind::delete_link: break;
    }
    out["text"] = step.to_string();
    return out;
}

nlohmann::json to_json(const Plan& plan) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& step : plan.steps) out.push_back(to_json(step));
    return out;
}

}  // namespace netconfig
