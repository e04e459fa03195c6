#pragma once
// NetworkReader over netlink: the doctor's read of the network namespace it runs in. The socket is opened on the
// first read, so a run whose checks never ask opens none.
#include <memory>

#include "host/live_services.h"

namespace host::netlink {

class NetlinkAdapter;

class NetlinkNetworkReader final : public NetworkReader {
public:
    NetlinkNetworkReader();
    ~NetlinkNetworkReader() override;
    // ReadError naming the operation when the socket cannot be opened or the dump fails.
    checks::Fact<netconfig::NetworkState> observe() override;

private:
    std::unique_ptr<NetlinkAdapter> m_adapter;
};

}  // namespace host::netlink
