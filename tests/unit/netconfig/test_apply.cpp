// netconfig::apply (netconfig/apply.cpp): every kind of step reaches its LinkOps call with its arguments, in
// plan order, and a failure stops the run where it happened with LinkOps' own message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "netconfig/apply.h"

namespace {

using netconfig::IfName;
using netconfig::OpResult;
using netconfig::Step;
using netconfig::StepKind;

// Records each call as one line; fails the call numbered `fail_at` (0-based) with "<line>: refused".
class RecordingOps : public netconfig::LinkOps {
public:
    explicit RecordingOps(std::optional<std::size_t> fail_at = std::nullopt) : m_fail_at(fail_at) {}
    std::vector<std::string> calls;

    OpResult create_bridge(const IfName& name, const netconfig::BridgeOptions& options,
                           const std::optional<netconfig::MacAddress>& mac) override {
        return record("create_bridge " + name.str() + " stp=" + flag(options.stp.enabled) +
                      " fd=" + number(options.stp.forward_delay) + mac_text(mac));
    }
    OpResult create_bond(const IfName& name, std::optional<netconfig::BondMode> mode,
                         const netconfig::BondOptions& options, const std::optional<netconfig::MacAddress>& mac) override {
        return record("create_bond " + name.str() + " mode=" + (mode ? std::string(to_string(*mode)) : "-") +
                      " miimon=" + number(options.miimon) + mac_text(mac));
    }
    OpResult create_vlan(const IfName& name, const netconfig::VlanConfig& vlan) override {
        return record("create_vlan " + name.str() + " on " + vlan.base_iface.str() + " id " + std::to_string(vlan.id));
    }
    OpResult create_veth(const IfName& name, const IfName& peer) override {
        return record("create_veth " + name.str() + " peer " + peer.str());
    }
    OpResult delete_link(const IfName& name) override { return record("delete_link " + name.str()); }
    OpResult set_bridge_options(const IfName& name, const netconfig::BridgeOptions& options) override {
        return record("set_bridge_options " + name.str() + " stp=" + flag(options.stp.enabled));
    }
    OpResult set_bond_options(const IfName& name, std::optional<netconfig::BondMode> mode,
                              const netconfig::BondOptions& options) override {
        return record("set_bond_options " + name.str() + " mode=" + (mode ? std::string(to_string(*mode)) : "-") +
                      " updelay=" + number(options.updelay));
    }
    OpResult set_port_options(const netconfig::BridgePort& port) override {
        return record("set_port_options " + port.name.str() + " cost=" + number(port.stp_path_cost) +
                      " priority=" + number(port.stp_priority));
    }
    OpResult set_master(const IfName& port, const IfName& controller) override {
        return record("set_master " + port.str() + " " + controller.str());
    }
    OpResult release(const IfName& port) override { return record("release " + port.str()); }
    OpResult set_mtu(const IfName& name, std::uint32_t mtu) override {
        return record("set_mtu " + name.str() + " " + std::to_string(mtu));
    }
    OpResult set_mac(const IfName& name, const netconfig::MacAddress& mac) override {
        return record("set_mac " + name.str() + " " + mac.to_string());
    }
    OpResult set_ipv6(const IfName& name, bool enabled) override {
        return record("set_ipv6 " + name.str() + (enabled ? " on" : " off"));
    }
    OpResult set_up(const IfName& name) override { return record("set_up " + name.str()); }
    OpResult set_down(const IfName& name) override { return record("set_down " + name.str()); }
    OpResult add_address(const IfName& name, const netconfig::InterfaceAddress& address) override {
        return record("add_address " + name.str() + " " + address.to_string());
    }
    OpResult del_address(const IfName& name, const netconfig::InterfaceAddress& address) override {
        return record("del_address " + name.str() + " " + address.to_string());
    }
    OpResult add_route(const netconfig::Route& route) override { return record("add_route " + text(route)); }
    OpResult replace_route(const netconfig::Route& route) override {
        return record("replace_route " + text(route));
    }
    OpResult del_route(const netconfig::Route& route) override { return record("del_route " + text(route)); }

private:
    static std::string flag(std::optional<bool> value) { return value ? (*value ? "on" : "off") : "-"; }
    static std::string number(std::optional<std::uint32_t> value) { return value ? std::to_string(*value) : "-"; }
    static std::string mac_text(const std::optional<netconfig::MacAddress>& mac) {
        return mac ? " mac=" + mac->to_string() : "";
    }
    static std::string text(const netconfig::Route& route) {
        std::string out = route.destination.to_string();
        if (route.next_hop_address) out += " via " + route.next_hop_address->to_string();
        if (route.next_hop_interface) out += " dev " + route.next_hop_interface->str();
        return out;
    }
    OpResult record(std::string line) {
        const bool fail = m_fail_at && calls.size() == *m_fail_at;
        calls.push_back(line);
        if (fail) return common::make_error(line + ": refused");
        return netconfig::op_ok();
    }
    std::optional<std::size_t> m_fail_at;
};

Step step(StepKind kind, const std::string& name = "") {
    Step out;
    out.kind = kind;
    if (!name.empty()) out.name = IfName(name);
    return out;
}

netconfig::InterfaceAddress address(const std::string& ip, unsigned prefix) {
    return {*netconfig::IpAddress::parse(ip), prefix, false};
}

// One step of every kind, and the call each must make.
std::vector<std::pair<Step, std::string>> every_kind() {
    std::vector<std::pair<Step, std::string>> cases;
    auto add = [&](Step s, std::string call) { cases.emplace_back(std::move(s), std::move(call)); };

    auto bond = step(StepKind::create_bond, "bond0");
    bond.bond_mode = netconfig::BondMode::active_backup;
    bond.bond_options.miimon = 100;
    add(bond, "create_bond bond0 mode=active-backup miimon=100");
    auto bridge = step(StepKind::create_bridge, "br0");
    bridge.bridge_options.stp.enabled = true;
    bridge.bridge_options.stp.forward_delay = 4;
    add(bridge, "create_bridge br0 stp=on fd=4");
    auto vlan = step(StepKind::create_vlan, "bond0.10");
    vlan.vlan = {IfName("bond0"), 10};
    add(vlan, "create_vlan bond0.10 on bond0 id 10");
    auto veth = step(StepKind::create_veth, "va");
    veth.peer = IfName("vb");
    add(veth, "create_veth va peer vb");
    auto bond_options = step(StepKind::set_bond_options, "bond0");
    bond_options.bond_options.updelay = 200;
    add(bond_options, "set_bond_options bond0 mode=- updelay=200");
    auto bridge_options = step(StepKind::set_bridge_options, "br0");
    bridge_options.bridge_options.stp.enabled = false;
    add(bridge_options, "set_bridge_options br0 stp=off");
    auto port = step(StepKind::set_port_options, "eth0");
    port.controller = IfName("br0");
    port.port.stp_path_cost = 7;
    port.port.stp_priority = 3;
    add(port, "set_port_options eth0 cost=7 priority=3");  // the step's name even if port.name is unset
    auto master = step(StepKind::set_master, "eth0");
    master.controller = IfName("br0");
    add(master, "set_master eth0 br0");
    auto release = step(StepKind::release, "eth1");
    release.controller = IfName("br0");
    add(release, "release eth1");
    auto mtu = step(StepKind::set_mtu, "br0");
    mtu.mtu = 9000;
    add(mtu, "set_mtu br0 9000");
    auto mac = step(StepKind::set_mac, "br0");
    mac.mac = *netconfig::MacAddress::parse("52:54:00:12:34:56");
    add(mac, "set_mac br0 52:54:00:12:34:56");
    auto ipv6 = step(StepKind::set_ipv6, "br0");
    ipv6.ipv6_enabled = false;
    add(ipv6, "set_ipv6 br0 off");
    auto add_address = step(StepKind::add_address, "br0");
    add_address.address = address("192.0.2.10", 24);
    add(add_address, "add_address br0 192.0.2.10/24");
    auto del_address = step(StepKind::del_address, "eth0");
    del_address.address = address("2001:db8::10", 64);
    add(del_address, "del_address eth0 2001:db8::10/64");
    netconfig::Route route;
    route.destination = *netconfig::IpNetwork::parse("0.0.0.0/0");
    route.next_hop_address = netconfig::IpAddress::parse("192.0.2.1");
    route.next_hop_interface = IfName("br0");
    auto add_route = step(StepKind::add_route);
    add_route.route = route;
    add(add_route, "add_route 0.0.0.0/0 via 192.0.2.1 dev br0");
    auto replace_route = step(StepKind::replace_route);
    replace_route.route = route;
    add(replace_route, "replace_route 0.0.0.0/0 via 192.0.2.1 dev br0");
    auto del_route = step(StepKind::del_route);
    del_route.route = route;
    add(del_route, "del_route 0.0.0.0/0 via 192.0.2.1 dev br0");
    add(step(StepKind::set_up, "br0"), "set_up br0");
    add(step(StepKind::set_down, "eth1"), "set_down eth1");
    add(step(StepKind::delete_link, "br1"), "delete_link br1");
    return cases;
}

TEST(Apply, EveryKindOfStepMakesItsLinkOpsCall) {
    const auto cases = every_kind();
    ASSERT_EQ(cases.size(), netconfig::k_step_kinds.size()) << "a kind of step has no case here";
    for (const auto& [one, call] : cases) {
        RecordingOps ops;
        ASSERT_TRUE(netconfig::apply_step(one, ops).ok()) << call;
        EXPECT_EQ(ops.calls, std::vector<std::string>{call});
    }
}

TEST(Apply, RunsTheStepsInPlanOrder) {
    netconfig::Plan plan;
    std::vector<std::string> expected;
    for (const auto& [one, call] : every_kind()) {
        plan.steps.push_back(one);
        expected.push_back(call);
    }
    RecordingOps ops;
    const auto outcome = netconfig::apply(plan, ops);
    EXPECT_TRUE(outcome.ok());
    EXPECT_EQ(outcome.completed, plan.steps.size());
    EXPECT_EQ(ops.calls, expected);
}

TEST(Apply, StopsAtTheFirstFailureWithLinkOpsMessage) {
    netconfig::Plan plan;
    for (const auto& [one, call] : every_kind()) plan.steps.push_back(one);
    for (std::size_t fail_at : {std::size_t{0}, std::size_t{5}, plan.steps.size() - 1}) {
        RecordingOps ops(fail_at);
        const auto outcome = netconfig::apply(plan, ops);
        ASSERT_FALSE(outcome.ok());
        EXPECT_EQ(outcome.completed, fail_at);
        EXPECT_EQ(ops.calls.size(), fail_at + 1) << "nothing runs after the failed step";
        EXPECT_EQ(outcome.error->message, ops.calls.back() + ": refused");
    }
}

TEST(Apply, ARollbackTriesEveryStepAndNamesEachOneThatFailed) {
    netconfig::Plan plan;
    for (const auto& [one, call] : every_kind()) plan.steps.push_back(one);
    RecordingOps ops(std::size_t{5});
    const auto failures = netconfig::apply_every(plan, ops);
    EXPECT_EQ(ops.calls.size(), plan.steps.size()) << "every step ran, past the failed one";
    ASSERT_EQ(failures.size(), 1u);
    EXPECT_EQ(failures[0], "rollback step \"" + plan.steps[5].to_string() + "\": " + ops.calls[5] + ": refused");
}

TEST(Apply, AnEmptyPlanMakesNoCalls) {
    RecordingOps ops;
    const auto outcome = netconfig::apply(netconfig::Plan{}, ops);
    EXPECT_TRUE(outcome.ok());
    EXPECT_EQ(outcome.completed, 0u);
    EXPECT_TRUE(ops.calls.empty());
}

}  // namespace
