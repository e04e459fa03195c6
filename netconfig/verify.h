#pragma once
// Verifying an apply: the desired state must now be a subset of what the kernel reports (re-planning yields
// no step), and the host must still reach the network (network.verify.probe). Pure: the probes go through
// ConnectivityProber, which host/ implements with real packets and tests fake.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "netconfig/link_ops.h"
#include "netconfig/model.h"
#include "netconfig/plan.h"

namespace netconfig {

class ConnectivityProber {
public:
    virtual ~ConnectivityProber() = default;
    // The gateway answers an ICMP echo sent out of `via` (the interface the default route now uses).
    virtual OpResult ping_gateway(const IfName& via, const IpAddress& gateway, std::chrono::milliseconds timeout) = 0;
    // A TCP connection to host:port is accepted (or actively refused: the path works, the port is closed).
    virtual OpResult connect_tcp(const std::string& host, std::uint16_t port, std::chrono::milliseconds timeout) = 0;
};

struct VerifyReport {
    std::vector<std::string> passed;    // "gateway 192.0.2.1 answers on br0"
    std::vector<std::string> failures;  // "br0: still differs from the profile: add address 192.0.2.10/24"
    bool ok() const { return failures.empty(); }
};

// The default gateways asked before the change. The gateway probe judges a loss, not an absence: a gateway
// that did not answer before the change (QEMU's fe80::2, a router that drops echo requests) is reported after
// it, and not required to answer then.
struct GatewayBaseline {
    std::set<IpAddress> answered;
    std::set<IpAddress> silent;
};

// Asks each default gateway of `before` once (bounded by `timeout`, kept short: a gateway that answers does so
// within milliseconds) and records which answered.
GatewayBaseline probe_gateways_before(const NetworkState& before, ConnectivityProber& prober,
                                      std::chrono::milliseconds timeout);

// `before` and `after` are the states observed around the apply. A default route the host had before and no
// longer has is a failure of its own: the gateway probe would have nothing to ask. An interface asking for
// DHCP or autoconf must have its lease and, where the host had one, a default route through it. Without a
// `baseline`, every gateway of `after` must answer; with one, those that were silent before are only reported.
VerifyReport verify(const NetworkState& desired, const Verification& verification, const NetworkState& before,
                    const NetworkState& after, ConnectivityProber& prober,
                    std::chrono::milliseconds probe_timeout = std::chrono::seconds(3),
                    const GatewayBaseline* baseline = nullptr);

// What an activation by the network service can leave behind that the profile does not want: addresses on an
// interface that is a port now. NetworkManager releases a port and attaches it again when it activates the
// port's profile; a router advertisement reaching the NIC in between has the kernel autoconfigure an address on
// it (accept_ra), and as a port it never hears another advertisement that would refresh or remove it. These
// are the del-address steps of what still differs (`desired` against `now`) on those ports; empty when the
// host cannot reach `desired` at all (verify() says why).
Plan port_address_leftovers(const NetworkState& desired, const NetworkState& now);

// Whether `verification` asks for the gateway probe (it does when it names no probe at all).
bool probes_gateway(const Verification& verification);

}  // namespace netconfig
