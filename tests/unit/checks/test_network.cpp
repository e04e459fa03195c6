// checks/network.cpp: IPv4 forwarding, bridged traffic through the firewall, firewalld.
#include <gtest/gtest.h>

#include "checks/judges.h"
#include "judge_test_support.h"

namespace checks {
namespace {

using namespace testing;

// --- net.ip-forward ---

StaticHostFacts ip_forward(std::optional<std::string> runtime, std::optional<std::string> persisted,
                           std::string source = "/etc/sysctl.d/90-kvm-host.conf:1") {
    StaticHostFacts facts;
    facts.sysctl_facts["net.ipv4.ip_forward"] = SysctlValue{std::move(runtime), std::move(persisted), std::move(source)};
    return facts;
}

struct ForwardCase {
    const char* name;
    std::optional<std::string> runtime, persisted;
    Status expected;
    const char* evidence;
    const char* fix;
};

class NetIpForward : public ::testing::TestWithParam<ForwardCase> {};

TEST_P(NetIpForward, JudgesRuntimeAndPersistedTogether) {
    const auto& c = GetParam();
    const auto outcome = run_check("net.ip-forward", ip_forward(c.runtime, c.persisted));
    EXPECT_OUTCOME(outcome, c.expected, c.evidence);
    if (c.expected == Status::pass) {
        EXPECT_TRUE(outcome.fix.empty()) << outcome.fix;
    } else {
        EXPECT_FIX_HAS(outcome, c.fix);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Table, NetIpForward,
    ::testing::Values(
        ForwardCase{"OnAndPersisted", "1", "1", Status::pass,
                    "runtime 1, persisted 1 (/etc/sysctl.d/90-kvm-host.conf:1)", ""},
        ForwardCase{"OnButNotPersisted", "1", std::nullopt, Status::warn,
                    "runtime 1, persisted unset (kernel default 0): forwarding stops at the next reboot",
                    "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-kvm-host.conf"},
        ForwardCase{"OnButPersistedOff", "1", "0", Status::warn,
                    "runtime 1, persisted 0 (/etc/sysctl.d/90-kvm-host.conf:1): forwarding stops at the next reboot",
                    "set net.ipv4.ip_forward = 1 where it is set to 0 (/etc/sysctl.d/90-kvm-host.conf:1)"},
        ForwardCase{"PersistedButNotApplied", "0", "1", Status::warn,
                    "runtime 0, persisted 1 (/etc/sysctl.d/90-kvm-host.conf:1): the persisted value is not applied now",
                    "sysctl --system"},
        ForwardCase{"OffEverywhere", "0", std::nullopt, Status::warn,
                    "runtime 0, persisted unset (kernel default 0): guests on routed or NAT networks cannot reach",
                    "echo 'net.ipv4.ip_forward = 1'"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

// The last assignment wins at boot: a new 90-*.conf does not beat a "0" in a file read after it.
TEST(NetIpForwardRuntime, FixPointsAtTheFileThatTurnsItOffAtBoot) {
    const auto outcome = run_check("net.ip-forward", ip_forward("1", "0", "/etc/sysctl.conf:12"));
    EXPECT_OUTCOME(outcome, Status::warn, "persisted 0 (/etc/sysctl.conf:12)");
    EXPECT_FIX_HAS(outcome, "/etc/sysctl.conf");
}

TEST(NetIpForwardRuntime, IsErrorWhenTheRuntimeValueIsUnreadable) {
    EXPECT_OUTCOME(run_check("net.ip-forward", ip_forward(std::nullopt, "1")), Status::error,
                   "net.ipv4.ip_forward: runtime value unreadable");
}

// --- net.br-netfilter ---

StaticHostFacts br_netfilter(bool loaded_module, std::optional<std::string> runtime) {
    StaticHostFacts facts;
    facts.kernel_modules_fact = loaded_module ? modules_with({{"br_netfilter", loaded()}}) : modules_with({});
    if (runtime) facts.sysctl_facts["net.bridge.bridge-nf-call-iptables"] = SysctlValue{runtime, std::nullopt, ""};
    return facts;
}

TEST(NetBrNetfilter, PassesWhenTheModuleIsNotLoaded) {
    EXPECT_OUTCOME(run_check("net.br-netfilter", br_netfilter(false, std::nullopt)), Status::pass,
                   "br_netfilter not loaded");
}

TEST(NetBrNetfilter, PassesWhenLoadedWithIptablesCallsOff) {
    EXPECT_OUTCOME(run_check("net.br-netfilter", br_netfilter(true, "0")), Status::pass,
                   "br_netfilter loaded, bridge-nf-call-iptables = 0");
}

TEST(NetBrNetfilter, WarnsWhenBridgedTrafficGoesThroughIptables) {
    const auto outcome = run_check("net.br-netfilter", br_netfilter(true, "1"));
    EXPECT_OUTCOME(outcome, Status::warn, "net.bridge.bridge-nf-call-iptables = 1");
    EXPECT_FIX_HAS(outcome, "net.bridge.bridge-nf-call-iptables = 0");
}

TEST(NetBrNetfilter, SkipsWhenTheSysctlWasNotCollected) {
    EXPECT_OUTCOME(run_check("net.br-netfilter", br_netfilter(true, std::nullopt)), Status::skip, "not collected");
}

TEST(NetBrNetfilter, IsErrorWhenTheRuntimeValueIsUnreadable) {
    StaticHostFacts facts = br_netfilter(true, std::nullopt);
    facts.sysctl_facts["net.bridge.bridge-nf-call-iptables"] = SysctlValue{};
    EXPECT_OUTCOME(run_check("net.br-netfilter", facts), Status::error, "runtime value unreadable");
}

// --- firewall.running ---

StaticHostFacts with_firewall(bool on_bus, std::string state, std::string error_text = "") {
    StaticHostFacts facts;
    facts.firewall_fact = FirewallFacts{on_bus, std::move(state), "public", std::move(error_text)};
    return facts;
}

TEST(FirewallRunning, PassesWhenRunning) {
    EXPECT_OUTCOME(run_check("firewall.running", with_firewall(true, "RUNNING")), Status::pass,
                   "firewalld RUNNING, default zone public");
}

TEST(FirewallRunning, FailsWhenNotOnTheBus) {
    const auto outcome = run_check("firewall.running",
                                   with_firewall(false, "", "The name org.fedoraproject.FirewallD1 was not provided"));
    EXPECT_OUTCOME(outcome, Status::fail, "firewalld is not on the system bus: The name org.fedoraproject.FirewallD1");
    EXPECT_EQ(outcome.fix, "systemctl enable --now firewalld");
}

// A firewalld that has just started loads its zones before it answers: slow, not broken.
TEST(FirewallRunning, WarnsWhenItIsStillStartingOrSlowToAnswer) {
    EXPECT_OUTCOME(run_check("firewall.running", with_firewall(true, "INIT")), Status::warn,
                   "firewalld is still starting (state INIT)");
    StaticHostFacts slow;
    FirewallFacts firewall{true, "UNKNOWN", "", "org.freedesktop.DBus.Error.NoReply: Method call timed out"};
    firewall.timed_out = true;
    slow.firewall_fact = firewall;
    const auto outcome = run_check("firewall.running", slow);
    EXPECT_OUTCOME(outcome, Status::warn,
                   "firewalld is on the system bus but did not answer in time (org.freedesktop.DBus.Error.NoReply");
    EXPECT_FIX_HAS(outcome, "run kvm-doctor again in a minute");
}

TEST(FirewallRunning, FailsWhenItsStateIsFailed) {
    const auto outcome = run_check("firewall.running", with_firewall(true, "FAILED"));
    EXPECT_OUTCOME(outcome, Status::fail, "firewalld answers but its state is FAILED");
    EXPECT_FIX_HAS(outcome, "journalctl -u firewalld");
}

}  // namespace
}  // namespace checks
