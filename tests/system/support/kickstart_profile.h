#pragma once
// docs/kickstart.md's network section, its `eno1` renamed to the guests' uplink nic0 (on DHCP in the image's
// `uplink` profile): what the DHCP uplink test proves and the DHCP bridge benchmark times, one text for both.
#include <string>

namespace tests::system {

inline std::string kickstart_network(const std::string& rollback_after) {
    return R"(network:
  interfaces:
  - name: br0
    type: linux-bridge
    state: up
    mac-address: from-port
    ipv4: {enabled: true, dhcp: true}
    bridge:
      options: {stp: {enabled: false}}
      port: [{name: nic0}]
  verify:
    probe: [gateway]
    rollback-after: )" + rollback_after + "\n";
}

}  // namespace tests::system
