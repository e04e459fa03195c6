#pragma once
// Real connectivity probes for verifying a network change: an ICMP echo to the gateway sent out of a given
// interface (raw socket bound to the device, so a reply through another path does not count), and a TCP
// connect to host:port. Both work in the network namespace of the calling thread.
#include "netconfig/verify.h"

namespace host::probe {

class ConnectivityProber final : public netconfig::ConnectivityProber {
public:
    netconfig::OpResult ping_gateway(const netconfig::IfName& via, const netconfig::IpAddress& gateway,
                                     std::chrono::milliseconds timeout) override;
    netconfig::OpResult connect_tcp(const std::string& host, std::uint16_t port,
                                    std::chrono::milliseconds timeout) override;
};

}  // namespace host::probe
