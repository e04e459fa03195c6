// apply_network's use of a rollback guard (NetworkManager's checkpoint on a real host), over a host simulated
// with the planner's own model: armed before the first change, extended before each wait, released on both
// ways out, and a guard that refuses keeps the change from starting.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "agent/network_apply.h"
#include "netconfig/apply.h"
#include "profile/profile.h"
#include "tests/unit/netconfig/plan_test_support.h"

namespace agent {
namespace {

using namespace netconfig::testing;
using netconfig::IfName;
using netconfig::OpResult;

// The kernel as the model simulates it: every LinkOps call changes the observed state.
class SimulatedHost : public netconfig::LinkOps, public netconfig::NetworkObserver {
public:
    explicit SimulatedHost(netconfig::NetworkState state) : m_state(std::move(state)) {}
    common::Result<netconfig::NetworkState> observe() override { return m_state; }
    std::size_t changes() const { return m_changes; }
    void reset(netconfig::NetworkState state) { m_state = std::move(state); }

    OpResult create_bridge(const IfName& name, const netconfig::BridgeOptions& options,
                           const std::optional<netconfig::MacAddress>& mac) override {
        auto step = make(netconfig::StepKind::create_bridge, name);
        step.bridge_options = options;
        step.initial_mac = mac;
        return run(step);
    }
    OpResult create_bond(const IfName&, std::optional<netconfig::BondMode>, const netconfig::BondOptions&,
                         const std::optional<netconfig::MacAddress>&) override { return unsupported(); }
    OpResult create_vlan(const IfName&, const netconfig::VlanConfig&) override { return unsupported(); }
    OpResult create_veth(const IfName&, const IfName&) override { return unsupported(); }
    OpResult delete_link(const IfName& name) override { return run(make(netconfig::StepKind::delete_link, name)); }
    OpResult set_bridge_options(const IfName&, const netconfig::BridgeOptions&) override { return unsupported(); }
    OpResult set_bond_options(const IfName&, std::optional<netconfig::BondMode>,
                              const netconfig::BondOptions&) override { return unsupported(); }
    OpResult set_port_options(const netconfig::BridgePort& port) override {
        auto step = make(netconfig::StepKind::set_port_options, port.name);
        step.port = port;
        if (const auto* iface = m_state.find(port.name); iface && iface->controller) step.controller = *iface->controller;
        return run(step);
    }
    OpResult set_master(const IfName& port, const IfName& controller) override {
        auto step = make(netconfig::StepKind::set_master, port);
        step.controller = controller;
        return run(step);
    }
    OpResult release(const IfName& port) override { return run(make(netconfig::StepKind::release, port)); }
    OpResult set_mtu(const IfName&, std::uint32_t) override { return unsupported(); }
    OpResult set_mac(const IfName& name, const netconfig::MacAddress& mac) override {
        auto step = make(netconfig::StepKind::set_mac, name);
        step.mac = mac;
        return run(step);
    }
    OpResult set_ipv6(const IfName& name, bool enabled) override {
        auto step = make(netconfig::StepKind::set_ipv6, name);
        step.ipv6_enabled = enabled;
        return run(step);
    }
    OpResult set_up(const IfName& name) override { return run(make(netconfig::StepKind::set_up, name)); }
    OpResult set_down(const IfName& name) override { return run(make(netconfig::StepKind::set_down, name)); }
    OpResult add_address(const IfName& name, const netconfig::InterfaceAddress& address) override {
        auto step = make(netconfig::StepKind::add_address, name);
        step.address = address;
        return run(step);
    }
    OpResult del_address(const IfName& name, const netconfig::InterfaceAddress& address) override {
        auto step = make(netconfig::StepKind::del_address, name);
        step.address = address;
        return run(step);
    }
    OpResult add_route(const netconfig::Route& route) override { return run_route(netconfig::StepKind::add_route, route); }
    OpResult replace_route(const netconfig::Route& route) override {
        return run_route(netconfig::StepKind::replace_route, route);
    }
    OpResult del_route(const netconfig::Route& route) override { return run_route(netconfig::StepKind::del_route, route); }

private:
    static netconfig::Step make(netconfig::StepKind kind, const IfName& name) {
        netconfig::Step step;
        step.kind = kind;
        step.name = name;
        return step;
    }
    static OpResult unsupported() { return common::make_error("not simulated here"); }
    OpResult run(const netconfig::Step& step) {
        netconfig::simulate(m_state, {step});
        ++m_changes;
        return netconfig::op_ok();
    }
    OpResult run_route(netconfig::StepKind kind, const netconfig::Route& route) {
        auto step = make(kind, IfName());
        step.route = route;
        return run(step);
    }

    netconfig::NetworkState m_state;
    std::size_t m_changes = 0;
};

// A gateway that answers on the NIC, and on the bridge as well or not.
class Prober : public netconfig::ConnectivityProber {
public:
    explicit Prober(bool answers_on_bridge) : m_answers(answers_on_bridge) {}
    OpResult ping_gateway(const IfName& via, const netconfig::IpAddress&, std::chrono::milliseconds) override {
        return m_answers || via != IfName("br0") ? netconfig::op_ok() : OpResult(common::make_error("no echo reply"));
    }
    OpResult connect_tcp(const std::string&, std::uint16_t, std::chrono::milliseconds) override {
        return netconfig::op_ok();
    }

private:
    bool m_answers;
};

// Records what the apply asks of it: "arm 90", "extend 70", "release".
class RecordingGuard : public netconfig::RollbackGuard {
public:
    explicit RecordingGuard(common::Result<bool> answer) : m_answer(std::move(answer)) {}
    common::Result<bool> arm(std::chrono::seconds window, const netconfig::Leases& leases) override {
        calls.push_back("arm " + std::to_string(window.count()));
        armed_with = leases;
        return m_answer;
    }
    std::string extend(std::chrono::seconds window) override {
        calls.push_back("extend " + std::to_string(window.count()));
        return {};
    }
    std::string release() override {
        calls.push_back("release");
        return {};
    }
    std::string why_unguarded() const override { return "nobody to ask"; }
    netconfig::Recovery recover() override {
        calls.push_back("recover");
        if (!on_recover) return {};
        on_recover();
        return {"put back what a killed run left", {}};
    }
    std::function<void()> on_recover;
    netconfig::Leases armed_with;
    std::vector<std::string> calls;

private:
    common::Result<bool> m_answer;
};

profile::HostProfile bridge_profile() {
    auto loaded = profile::parse_profile(R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    mac-address: from-port
    ipv4: {enabled: true, address: [{ip: 192.0.2.10, prefix-length: 24}]}
    bridge: {options: {stp: {enabled: false}}, port: [{name: eno1}]}
  - {name: eno1, ipv4: {enabled: false}}
  routes:
    config:
    - {destination: 0.0.0.0/0, next-hop-address: 192.0.2.1, next-hop-interface: br0}
  verify: {rollback-after: 20s}
)",
                                         "host.yaml");
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return *loaded;
}

NetworkApplyOptions quick_options() {
    NetworkApplyOptions options;
    options.probe_timeout = std::chrono::seconds(20);
    options.poll_interval = std::chrono::milliseconds(1);
    return options;
}

TEST(NetworkApplyGuard, IsArmedBeforeTheChangeExtendedBeforeTheProbesAndReleasedWhenItHolds) {
    SimulatedHost host(single_homed_host());
    Prober prober(true);
    RecordingGuard guard(true);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, quick_options());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::applied) << ::testing::PrintToString(report->failures);
    // arm: the activation budget (60 s, more than the probes' 20 s) and the 30 s margin; extend: one gateway.
    EXPECT_EQ(guard.calls, (std::vector<std::string>{"recover", "arm 90", "extend 50", "release"}));
    EXPECT_NE(report->guard.find("NetworkManager's checkpoint"), std::string::npos) << report->guard;
}

// A later recovery waits for these before it observes the host: NetworkManager re-activates the NIC's own
// profile, and its lease takes a moment.
TEST(NetworkApplyGuard, IsArmedWithTheLeasesTheHostHasBeforeTheChange) {
    auto leased = single_homed_host();
    leased.find(IfName("eno1"))->ipv4.addresses = {address("192.0.2.10", 24, true)};
    SimulatedHost host(leased);
    Prober prober(true);
    RecordingGuard guard(true);
    ASSERT_TRUE(apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, quick_options()).ok());
    ASSERT_EQ(guard.armed_with.size(), 1u);
    EXPECT_EQ(guard.armed_with[0].first, IfName("eno1"));
    EXPECT_EQ(guard.armed_with[0].second.to_string(), "192.0.2.10/24");
}

TEST(NetworkApplyGuard, IsReleasedOnlyAfterTheRollbackOfAChangeThatFailed) {
    SimulatedHost host(single_homed_host());
    Prober prober(false);
    RecordingGuard guard(true);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, quick_options());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::rolled_back) << ::testing::PrintToString(report->rollback_failures);
    EXPECT_EQ(guard.calls, (std::vector<std::string>{"recover", "arm 90", "extend 50", "extend 110", "release"}));
}

TEST(NetworkApplyGuard, ThatRefusesKeepsTheChangeFromStarting) {
    SimulatedHost host(single_homed_host());
    Prober prober(true);
    RecordingGuard guard(common::make_error("a checkpoint of another tool is pending"));
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, quick_options());
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().message.find("a checkpoint of another tool is pending"), std::string::npos)
        << report.error().message;
    EXPECT_EQ(host.changes(), 0u);
}

TEST(NetworkApplyGuard, ThatHasNobodyToAskSaysSoAndTheChangeGoesOn) {
    SimulatedHost host(single_homed_host());
    Prober prober(true);
    RecordingGuard guard(false);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, quick_options());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::applied);
    EXPECT_EQ(report->guard, "nothing outside kvm-agent: nobody to ask");
}

// A run killed after its change left the host changed: had this run observed that, it would have found the
// host in sync while the earlier guard was still about to undo it.
TEST(NetworkApplyGuard, LeftArmedByAKilledRunPutsTheHostBackBeforeItIsObserved) {
    SimulatedHost host(single_homed_host());
    Prober prober(true);
    RecordingGuard first(true);
    ASSERT_EQ(apply_network(bridge_profile(), {host, host, prober, nullptr, &first}, quick_options())->outcome,
              NetworkOutcome::applied);
    RecordingGuard guard(true);
    guard.on_recover = [&] { host.reset(single_homed_host()); };
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, quick_options());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->recovered, "put back what a killed run left");
    EXPECT_EQ(report->outcome, NetworkOutcome::applied) << "planned from the host as it was, not in sync";
    EXPECT_EQ(guard.calls.front(), "recover");
}

}  // namespace
}  // namespace agent
