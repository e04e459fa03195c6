#pragma once
// Verifying an apply: the desired state must now be a subset of what the kernel reports (re-planning yields
// no step), and the host must still reach the network (network.verify.probe). Pure: the probes go through
// ConnectivityProber, which host/ implements with real packets and tests fake.
#include <chrono>
#include <string>
#include <vector>

#include "netconfig/link_ops.h"
#include "netconfig/model.h"

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

// `before` and `after` are the states observed around the apply. A default route the host had before and no
// longer has is a failure of its own: the gateway probe would have nothing to ask.
VerifyReport verify(const NetworkState& desired, const Verification& verification, const NetworkState& before,
                    const NetworkState& after, ConnectivityProber& prober,
                    std::chrono::milliseconds probe_timeout = std::chrono::seconds(3));

}  // namespace netconfig
