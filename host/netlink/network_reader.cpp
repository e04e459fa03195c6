#include "host/netlink/network_reader.h"

#include "host/netlink/netlink_adapter.h"

namespace host::netlink {

NetlinkNetworkReader::NetlinkNetworkReader() = default;
NetlinkNetworkReader::~NetlinkNetworkReader() = default;

checks::Fact<netconfig::NetworkState> NetlinkNetworkReader::observe() {
    if (!m_adapter) {
        auto opened = NetlinkAdapter::open();
        if (!opened) return checks::ReadError{"opening a netlink socket: " + opened.error().message};
        m_adapter = std::move(opened).value();
    }
    auto state = m_adapter->observe();
    if (!state) return checks::ReadError{"reading the network over netlink: " + state.error().message};
    return std::move(state).value();
}

}  // namespace host::netlink
