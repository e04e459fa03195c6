#include "netconfig/apply.h"

namespace netconfig {

OpResult apply_step(const Step& step, LinkOps& ops) {
    switch (step.kind) {
    case StepKind::create_bond: return ops.create_bond(step.name, step.bond_mode, step.bond_options, step.initial_mac);
    case StepKind::create_bridge: return ops.create_bridge(step.name, step.bridge_options, step.initial_mac);
    case StepKind::create_vlan: return ops.create_vlan(step.name, step.vlan);
    case StepKind::create_veth: return ops.create_veth(step.name, step.peer);
    case StepKind::set_bond_options: return ops.set_bond_options(step.name, step.bond_mode, step.bond_options);
    case StepKind::set_bridge_options: return ops.set_bridge_options(step.name, step.bridge_options);
    case StepKind::set_port_options: {
        BridgePort port = step.port;
        port.name = step.name;  // the step's interface is the port, whatever port.name says
        return ops.set_port_options(port);
    }
    case StepKind::set_master: return ops.set_master(step.name, step.controller);
    case StepKind::release: return ops.release(step.name);
    case StepKind::set_mtu: return ops.set_mtu(step.name, step.mtu);
    case StepKind::set_mac: return ops.set_mac(step.name, step.mac);
    case StepKind::set_ipv6: return ops.set_ipv6(step.name, step.ipv6_enabled);
    case StepKind::add_address: return ops.add_address(step.name, step.address);
    case StepKind::del_address: return ops.del_address(step.name, step.address);
    case StepKind::add_route: return ops.add_route(step.route);
    case StepKind::replace_route: return ops.replace_route(step.route);
    case StepKind::del_route: return ops.del_route(step.route);
    case StepKind::set_up: return ops.set_up(step.name);
    case StepKind::set_down: return ops.set_down(step.name);
    case StepKind::delete_link: return ops.delete_link(step.name);
    }
    return common::make_error("step \"" + step.to_string() + "\": unknown kind of step");
}

ApplyOutcome apply(const Plan& plan, LinkOps& ops, const Interruption& interrupted) {
    ApplyOutcome outcome;
    for (const auto& step : plan.steps) {
        if (interrupted) {
            if (auto why = interrupted()) {
                outcome.error = common::make_error(*why + " before this step");
                return outcome;
            }
        }
        auto done = apply_step(step, ops);
        if (!done) {
            outcome.error = done.error();
            return outcome;
        }
        ++outcome.completed;
    }
    return outcome;
}

std::vector<std::string> apply_every(const Plan& plan, LinkOps& ops) {
    std::vector<std::string> failures;
    for (const auto& step : plan.steps)
        if (auto done = apply_step(step, ops); !done)
            failures.push_back("rollback step \"" + step.to_string() + "\": " + done.error().message);
    return failures;
}

}  // namespace netconfig
