// apply_network over a host simulated with the planner's own model. Its use of a rollback guard
// (NetworkManager's checkpoint on a real host): armed before the first change, extended before each wait,
// released on both ways out, and a guard that refuses keeps the change from starting. A signal at any point,
// and an address the kernel puts on a port after the steps.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/network_apply.h"
#include "agent/steps/network_step.h"
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
    common::Result<netconfig::NetworkState> observe() override {
        if (on_observe) on_observe(m_state);
        return m_state;
    }
    // What the kernel does by itself between two reads (an address autoconfigured from a router advertisement).
    std::function<void(netconfig::NetworkState&)> on_observe;
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
    std::string release_kept() override {
        calls.push_back("release kept");
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

// With a confirmation window the change stays for now, but only until the window closes: the guard is kept
// armed that long plus the margin, for commit or the window's watcher to release, and NetworkManager to use
// should the watcher die.
TEST(NetworkApplyGuard, IsKeptThroughAConfirmationWindowInsteadOfReleased) {
    SimulatedHost host(single_homed_host());
    Prober prober(true);
    RecordingGuard guard(true);
    auto options = quick_options();
    options.keep_guard = std::chrono::seconds(120);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::applied) << ::testing::PrintToString(report->failures);
    EXPECT_EQ(guard.calls, (std::vector<std::string>{"recover", "arm 90", "extend 50", "extend 150"}));
    EXPECT_NE(report->guard.find("kept until the change is committed or its window closes"), std::string::npos)
        << report->guard;
}

// A change that fails is rolled back now, window or not: the guard is released.
TEST(NetworkApplyGuard, IsReleasedAfterARollbackEvenWithAConfirmationWindow) {
    SimulatedHost host(single_homed_host());
    Prober prober(false);
    RecordingGuard guard(true);
    auto options = quick_options();
    options.keep_guard = std::chrono::seconds(120);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::rolled_back);
    EXPECT_EQ(guard.calls.back(), "release");
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

// A guard that cannot be armed is the host's failure (exit 1), not the profile's (exit 3 tells an admin or
// Ansible to fix the profile): NetworkManager refused or did not answer.
TEST(NetworkApplyGuard, ThatRefusesFailsTheNetworkStepOnTheHostNotOnTheProfile) {
    struct Host : NetworkHost {
        SimulatedHost host{single_homed_host()};
        Prober prober{true};
        RecordingGuard guard{common::make_error("creating a NetworkManager checkpoint: Timeout")};
        NetworkAdapters adapters() override { return {host, host, prober, nullptr, &guard}; }
    };
    const auto profile = bridge_profile();
    NetworkStep step(profile, std::make_unique<Host>(), quick_options());
    const auto outcome = step.apply();
    ASSERT_EQ(outcome.failures.size(), 1u);
    EXPECT_EQ(outcome.failures[0].rfind(k_guard_refused, 0), 0u) << outcome.failures[0];
    EXPECT_FALSE(step.failed_on_input());
}

// NetworkManager's files that cannot be read are the host's failure; files the profile cannot be written as are
// the profile's.
TEST(NetworkStepPlan, ANetworkFileThatCannotBeReadIsTheHostsFailureNotTheProfiles) {
    struct Files : netconfig::NetworkPersistence {
        explicit Files(std::string refusal) : m_refusal(std::move(refusal)) {}
        std::string m_refusal;
        common::Result<std::monostate> check(const netconfig::NetworkState&, const netconfig::NetworkState&) override {
            return std::monostate{};
        }
        common::Result<std::vector<std::string>> pending(const netconfig::NetworkState&,
                                                         const netconfig::NetworkState&) override {
            return common::make_error(m_refusal);
        }
        common::Result<netconfig::PersistResult> persist(const netconfig::NetworkState&,
                                                         const netconfig::NetworkState&) override {
            return common::make_error("not asked");
        }
        common::Result<netconfig::PersistResult> restore(const netconfig::PersistResult&) override {
            return common::make_error("not asked");
        }
    };
    struct Host : NetworkHost {
        explicit Host(std::string refusal) : files(std::move(refusal)) {}
        SimulatedHost host{single_homed_host()};
        Prober prober{true};
        Files files;
        NetworkAdapters adapters() override { return {host, host, prober, &files, nullptr}; }
    };
    const auto profile = bridge_profile();
    const std::string unreadable = std::string(netconfig::k_observing_files) +
                                   "reading /etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection: "
                                   "Permission denied";
    NetworkStep host_fails(profile, std::make_unique<Host>(unreadable), quick_options());
    const auto planned = host_fails.plan();
    ASSERT_FALSE(planned.ok());
    EXPECT_EQ(planned.error().message, unreadable);
    EXPECT_FALSE(host_fails.failed_on_input());

    NetworkStep profile_fails(profile, std::make_unique<Host>("a bond's option has no keyfile setting"), quick_options());
    const auto refused = profile_fails.plan();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().message.rfind(profile.source + ": ", 0), 0u) << refused.error().message;
    EXPECT_TRUE(profile_fails.failed_on_input());
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

namespace agent {
namespace {

// The host is as `before` was: nothing for a rollback to do, and no bridge left.
::testing::AssertionResult as_before(const netconfig::NetworkState& before, const netconfig::NetworkState& now) {
    if (now.find(IfName("br0"))) return ::testing::AssertionFailure() << "br0 is still there";
    auto steps = netconfig::plan(netconfig::rollback_target(before, now), now);
    if (!steps) return ::testing::AssertionFailure() << steps.error().message;
    if (!steps->empty()) return ::testing::AssertionFailure() << "not restored: " << steps->steps.front().to_string();
    return ::testing::AssertionSuccess();
}

// A SIGTERM, SIGINT or SIGHUP arrives after `calls` questions: before that many steps, or during a wait.
netconfig::Interruption interrupted_after(std::size_t calls, std::shared_ptr<std::size_t> asked) {
    return [calls, asked]() -> std::optional<std::string> {
        if ((*asked)++ < calls) return std::nullopt;
        return "interrupted by SIGTERM";
    };
}

// Wherever the signal lands, the host ends as it was (rolled back) or as the profile says (the signal came
// after the change was verified): never between the two.
TEST(NetworkApplyInterrupted, AtEveryStepBoundaryTheChangeIsRolledBackOrComplete) {
    bool saw_rollback = false, saw_complete = false;
    for (std::size_t calls = 0; calls < 20; ++calls) {
        SimulatedHost host(single_homed_host());
        Prober prober(true);
        RecordingGuard guard(true);
        auto options = quick_options();
        auto asked = std::make_shared<std::size_t>(0);
        options.interrupted = interrupted_after(calls, asked);
        const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, options);
        ASSERT_TRUE(report.ok()) << report.error().message;
        const auto now = host.observe();
        if (report->outcome == NetworkOutcome::rolled_back) {
            saw_rollback = true;
            EXPECT_TRUE(as_before(single_homed_host(), *now)) << "interrupted after " << calls;
            ASSERT_FALSE(report->failures.empty());
            EXPECT_NE(::testing::PrintToString(report->failures).find("interrupted by SIGTERM"), std::string::npos);
            EXPECT_EQ(guard.calls.back(), "release");
        } else {
            saw_complete = true;
            EXPECT_EQ(report->outcome, NetworkOutcome::applied) << ::testing::PrintToString(report->failures);
            EXPECT_TRUE(report->failures.empty());
            const auto* bridge = now->find(IfName("br0"));
            ASSERT_NE(bridge, nullptr) << "interrupted after " << calls;
            EXPECT_EQ(now->find(IfName("eno1"))->controller, IfName("br0"));
        }
    }
    EXPECT_TRUE(saw_rollback);
    EXPECT_TRUE(saw_complete) << "a signal after the last question leaves the verified change";
}

// The signal lands while a probe runs: the probe's answer no longer counts, the change goes back.
TEST(NetworkApplyInterrupted, DuringVerificationTheChangeIsRolledBack) {
    SimulatedHost host(single_homed_host());
    bool signalled = false;
    class SignalledProber : public netconfig::ConnectivityProber {
    public:
        explicit SignalledProber(bool& signalled) : m_signalled(signalled) {}
        // The baseline before the change asks on eno1; the verification on br0.
        OpResult ping_gateway(const IfName& via, const netconfig::IpAddress&, std::chrono::milliseconds) override {
            if (via == IfName("br0")) m_signalled = true;
            return netconfig::op_ok();
        }
        OpResult connect_tcp(const std::string&, std::uint16_t, std::chrono::milliseconds) override {
            return netconfig::op_ok();
        }

    private:
        bool& m_signalled;
    } prober(signalled);
    RecordingGuard guard(true);
    auto options = quick_options();
    options.interrupted = [&]() -> std::optional<std::string> {
        if (signalled) return "interrupted by SIGINT";
        return std::nullopt;
    };
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::rolled_back);
    EXPECT_EQ(report->failures, std::vector<std::string>{"interrupted by SIGINT while the change was verified"});
    EXPECT_TRUE(as_before(single_homed_host(), *host.observe()));
    EXPECT_EQ(guard.calls.back(), "release");
}

// A probe the signal cuts short fails like one nobody answered: the report names the signal first, so the
// admin reads why the change went back, not a timeout that never happened.
TEST(NetworkApplyInterrupted, AProbeCutShortBySignalIsReportedAsTheSignal) {
    SimulatedHost host(single_homed_host());
    bool signalled = false;
    class CutShortProber : public netconfig::ConnectivityProber {
    public:
        explicit CutShortProber(bool& signalled) : m_signalled(signalled) {}
        OpResult ping_gateway(const IfName& via, const netconfig::IpAddress&, std::chrono::milliseconds) override {
            if (via != IfName("br0")) return netconfig::op_ok();
            m_signalled = true;
            return common::make_error("no answer within 20000 ms");
        }
        OpResult connect_tcp(const std::string&, std::uint16_t, std::chrono::milliseconds) override {
            return netconfig::op_ok();
        }

    private:
        bool& m_signalled;
    } prober(signalled);
    auto options = quick_options();
    options.interrupted = [&]() -> std::optional<std::string> {
        if (signalled) return "interrupted by SIGTERM";
        return std::nullopt;
    };
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, nullptr}, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::rolled_back);
    ASSERT_GE(report->failures.size(), 2u) << ::testing::PrintToString(report->failures);
    EXPECT_EQ(report->failures.front(), "interrupted by SIGTERM while the change was verified");
    EXPECT_TRUE(as_before(single_homed_host(), *host.observe()));
}

// The first question comes before the first step: nothing is changed at all.
TEST(NetworkApplyInterrupted, BeforeTheFirstStepNothingChanges) {
    SimulatedHost host(single_homed_host());
    Prober prober(true);
    RecordingGuard guard(true);
    auto options = quick_options();
    options.interrupted = interrupted_after(0, std::make_shared<std::size_t>(0));
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, &guard}, options);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->completed, 0u);
    ASSERT_FALSE(report->failures.empty());
    EXPECT_NE(report->failures.front().find("interrupted by SIGTERM before this step"), std::string::npos)
        << report->failures.front();
    EXPECT_TRUE(as_before(single_homed_host(), *host.observe()));
    EXPECT_EQ(host.changes(), 0u);
}

// NetworkManager releases a port and attaches it again when it activates the port's profile; a router
// advertisement in between has the kernel autoconfigure an address on the NIC, which it keeps as a port. The
// apply removes it before verifying, once, and says so.
TEST(NetworkApplyPortLeftovers, AnAddressTheKernelPutOnAPortAfterTheStepsIsRemovedBeforeTheVerification) {
    SimulatedHost host(single_homed_host());
    const auto slaac = address("fec0::5054:ff:fe00:1", 64, true);
    bool autoconfigured = false;
    host.on_observe = [&](netconfig::NetworkState& state) {
        auto* port = state.find(IfName("eno1"));
        if (autoconfigured || !port->controller) return;
        port->ipv6.addresses->push_back(slaac);
        autoconfigured = true;
    };
    Prober prober(true);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, nullptr}, quick_options());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->outcome, NetworkOutcome::applied) << ::testing::PrintToString(report->failures);
    EXPECT_TRUE(autoconfigured);
    EXPECT_EQ(lines(report->port_leftovers),
              std::vector<std::string>{"remove address fec0::5054:ff:fe00:1/64 from eno1"});
    EXPECT_TRUE(host.observe()->find(IfName("eno1"))->ipv6.addresses->empty());
}

// Only a port's addresses: a difference anywhere else is the verification's to report, and rolls back.
TEST(NetworkApplyPortLeftovers, AnAddressOnTheBridgeItselfIsNotTakenAwayButRolledBack) {
    SimulatedHost host(single_homed_host());
    bool added = false;
    host.on_observe = [&](netconfig::NetworkState& state) {
        auto* bridge = state.find(IfName("br0"));
        if (added || !bridge || !state.find(IfName("eno1"))->controller) return;
        bridge->ipv4.addresses->push_back(address("198.51.100.7", 24));
        added = true;
    };
    Prober prober(true);
    const auto report = apply_network(bridge_profile(), {host, host, prober, nullptr, nullptr}, quick_options());
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_TRUE(added);
    EXPECT_TRUE(report->port_leftovers.empty());
    EXPECT_EQ(report->outcome, NetworkOutcome::rolled_back);
    EXPECT_NE(::testing::PrintToString(report->failures).find("remove address 198.51.100.7/24 from br0"),
              std::string::npos)
        << ::testing::PrintToString(report->failures);
}

}  // namespace
}  // namespace agent
