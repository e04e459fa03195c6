#pragma once
// The files that bring network interfaces back at boot: NetworkManager keyfiles (*.nmconnection), RHEL's ifcfg
// files (/etc/sysconfig/network-scripts/ifcfg-*), and the bridge of a libvirt network definition. Each is
// reduced to the interface it configures and how.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace checks {

struct NetworkDefinition {
    std::string path;       // the file it was read from
    std::string source;     // "NetworkManager", "ifcfg" or "libvirt"
    std::string id;         // connection.id / NAME= / the libvirt network's name
    std::string uuid;       // connection.uuid / UUID=
    std::string interface;  // the interface it configures; "" when it matches any device or by MAC
    std::string type;       // "ethernet", "bridge", "bond", "vlan", or as written ("dummy", "wifi"...)
    std::string controller; // of a port: master=/controller= (a name, UUID or id) or BRIDGE=/MASTER=
    std::string zone;       // the firewalld zone it puts the interface in when it comes up; "" default
    bool autoconnect = true;                // false: autoconnect=false / ONBOOT=no, nothing comes up at boot
    std::int64_t autoconnect_priority = 0;  // NetworkManager brings up the highest one for a device
    std::string vlan_parent;                // a VLAN's base: an interface name or a connection UUID
    std::optional<std::uint32_t> vlan_id;
};

// A keyfile (INI: [connection] id, uuid, type, interface-name, autoconnect, autoconnect-priority, zone,
// master/controller, slave-type/port-type; [vlan] parent, id). A VLAN without interface-name gets the name
// NetworkManager gives it, "<parent>.<id>", when the parent is an interface name.
NetworkDefinition parse_nm_keyfile(std::string_view text, std::string path);

// An ifcfg file (shell assignments: DEVICE, NAME, UUID, TYPE, ONBOOT, ZONE, BRIDGE, MASTER, VLAN, PHYSDEV,
// BONDING_OPTS, AUTOCONNECT_PRIORITY). Without DEVICE the interface is the file name's "ifcfg-<name>".
NetworkDefinition parse_ifcfg(std::string_view text, std::string path);

// The bridge a libvirt network definition (<network>...<bridge name='virbr0'/>) creates when it starts; ""
// when it names none (libvirt then picks virbrN itself).
std::string libvirt_network_bridge(std::string_view xml);

// NetworkManager and ifcfg names a port's controller and a VLAN's parent by interface name, connection UUID or
// connection id: rewrite those to interface names where another definition says which, and name the VLANs whose
// parent was a UUID.
void resolve_definition_references(std::vector<NetworkDefinition>& definitions);

// The file names NetworkManager's ifcfg-rh plugin ignores (backups, rpm and editor leftovers).
bool is_ignored_ifcfg_name(std::string_view file_name);

}  // namespace checks
