#pragma once
// Real connectivity probes for verifying a network change: an ICMP echo to the gateway sent out of a given
// interface (raw socket bound to the device, so a reply through another path does not count), and a TCP
// connect to host:port. Both work in the network namespace of the calling thread.
#include <utility>

#include "common/stop_signal.h"
#include "netconfig/apply.h"
#include "netconfig/verify.h"

namespace host::probe {

class ConnectivityProber final : public netconfig::ConnectivityProber {
public:
    // A probe gives up, failed, within a quarter of a second once `interrupted` gives a reason (a SIGTERM during
    // the apply's verification), so the rollback begins at once instead of after the probe's whole timeout.
    explicit ConnectivityProber(netconfig::Interruption interrupted = common::stop_reason)
        : m_interrupted(std::move(interrupted)) {}

    netconfig::OpResult ping_gateway(const netconfig::IfName& via, const netconfig::IpAddress& gateway,
                                     std::chrono::milliseconds timeout) override;
    netconfig::OpResult connect_tcp(const std::string& host, std::uint16_t port,
                                    std::chrono::milliseconds timeout) override;

private:
    std::optional<std::string> interrupted() const { return m_interrupted ? m_interrupted() : std::nullopt; }
    netconfig::Interruption m_interrupted;
};

}  // namespace host::probe
