// Network checks that need no profile: IPv4 forwarding, bridged traffic through the firewall, firewalld.
#include "checks/judges.h"
#include "common/text.h"

namespace checks {

Outcome judge_net_ip_forward(const HostFacts& facts) {
    const auto& fact = facts.sysctl("net.ipv4.ip_forward");
    if (!fact.has_value()) return missing_fact(fact);
    const SysctlValue& value = fact.value();
    if (!value.runtime) return error("net.ipv4.ip_forward: runtime value unreadable");
    // The runtime value is a whole file's content: it is quoted only once it parses as 0 or 1.
    const auto runtime_word = common::parse_bool_word(*value.runtime);
    if (!runtime_word) return error("net.ipv4.ip_forward: runtime value is not 0 or 1");
    const bool runtime_on = *runtime_word;
    const bool persisted_on = value.persisted && common::parse_bool_word(*value.persisted).value_or(false);
    const std::string persisted_setting =
        value.persisted ? common::escape_controls(*value.persisted) + " (" +
                              common::escape_controls(value.persisted_source) + ")"
                        : std::string();
    const std::string persisted = value.persisted ? persisted_setting : "unset (kernel default 0)";
    const std::string evidence = "runtime " + std::string(common::trim(*value.runtime)) + ", persisted " + persisted;
    constexpr const char* k_persist_fix =
        "echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-kvm-host.conf && sysctl -p "
        "/etc/sysctl.d/90-kvm-host.conf (or kvm-agent apply with a sysctl: section)";
    if (runtime_on && persisted_on) return pass(evidence);
    // A persisted 0 wins at boot from where it stands: a new file read earlier would not override it.
    const std::string persist_fix =
        value.persisted ? "set net.ipv4.ip_forward = 1 where it is set to " + persisted_setting + ", then sysctl --system"
                        : std::string(k_persist_fix);
    if (runtime_on)
        return warn(evidence + ": forwarding stops at the next reboot until something turns it on again", persist_fix);
    if (persisted_on)
        return warn(evidence + ": the persisted value is not applied now", "sysctl --system");
    return warn(evidence + ": guests on routed or NAT networks cannot reach beyond the host (libvirt turns it on "
                           "only while a NAT network runs)",
                persist_fix);
}

Outcome judge_net_br_netfilter(const HostFacts& facts) {
    const auto& modules = facts.kernel_modules();
    if (!modules.has_value()) return missing_fact(modules);
    if (!modules->present("br_netfilter")) return pass("br_netfilter not loaded: bridged guest traffic bypasses "
                                                       "the host firewall");
    const auto& fact = facts.sysctl("net.bridge.bridge-nf-call-iptables");
    if (!fact.has_value()) return missing_fact(fact);
    const auto& runtime = fact->runtime;
    if (!runtime) return error("net.bridge.bridge-nf-call-iptables: runtime value unreadable");
    // A whole file's content: quoted only once it parses as 0 or 1.
    const auto runtime_on = common::parse_bool_word(*runtime);
    if (!runtime_on) return error("net.bridge.bridge-nf-call-iptables: runtime value is not 0 or 1");
    if (!*runtime_on) return pass("br_netfilter loaded, bridge-nf-call-iptables = " + std::string(common::trim(*runtime)));
    return warn("br_netfilter loaded with net.bridge.bridge-nf-call-iptables = 1: bridged guest traffic passes "
                "through the host's iptables/nftables rules and is dropped where they do not allow it",
                "unless that is intended: echo 'net.bridge.bridge-nf-call-iptables = 0' > "
                "/etc/sysctl.d/90-kvm-bridge.conf && sysctl -p /etc/sysctl.d/90-kvm-bridge.conf");
}

Outcome judge_firewall_running(const HostFacts& facts) {
    const auto& fact = facts.firewall();
    if (!fact.has_value()) return missing_fact(fact);
    const FirewallFacts& firewall = fact.value();
    constexpr const char* k_fix = "systemctl enable --now firewalld";
    if (!firewall.on_bus)
        return fail("firewalld is not on the system bus" + (firewall.error.empty() ? "" : ": " + firewall.error),
                    k_fix);
    // A firewalld that was just started loads its zones first (INIT) and may not answer yet: slow, not broken.
    if (firewall.timed_out)
        return warn("firewalld is on the system bus but did not answer in time (" + firewall.error + ")",
                    "run kvm-doctor again in a minute (a firewalld that has just started is still loading); if it "
                    "stays silent: journalctl -u firewalld");
    if (firewall.state == "INIT")
        return warn("firewalld is still starting (state INIT)", "run kvm-doctor again in a minute");
    if (firewall.state != "RUNNING")
        return fail("firewalld answers but its state is " + firewall.state +
                        (firewall.error.empty() ? "" : " (" + firewall.error + ")"),
                    "journalctl -u firewalld for the cause, then systemctl restart firewalld");
    return pass("firewalld RUNNING, default zone " + firewall.default_zone);
}

}  // namespace checks
