#pragma once
// NetworkManager keyfiles for a desired network state: what makes an applied state survive a reboot on
// RHEL 8/9 (and any NetworkManager >= 1.30), and what NetworkManager shows as connected to our profiles.
// Pure: the text of the files and their names; host/ writes them and asks NetworkManager to load them.
//
// One profile per interface the desired state manages: every listed interface that is not absent, and every
// port a listed bridge or bond claims (as a port profile, also when the port itself is not listed).
// - File "kvm-agent-<ifname>.nmconnection", id "kvm-agent-<ifname>", UUID derived from the interface name
//   (version 5), so applying the same profile again writes byte-identical files.
// - Ports carry master=<controller's UUID> and slave-type=bridge|bond: the only spelling NetworkManager
//   1.30..1.44 reads (controller=/port-type= are 1.46's new names; the old ones are still read by 1.46+).
//   Controllers set autoconnect-slaves=1 so activating a bridge brings its ports along.
// - Every profile has autoconnect-priority=100: at boot NetworkManager picks, per device, the autoconnect
//   profile with the highest priority, so a profile the host had before on a NIC that is now a bond or bridge
//   port (the installer's "eth0", a test's "uplink") loses to ours without being edited. Deleting our files
//   hands the device back to it. This works the same for profiles stored as ifcfg files.
// - Values the desired state leaves unspecified are taken from `observed` where they differ from
//   NetworkManager's defaults, so a reboot reproduces what the apply left and the files are the same whether
//   `observed` is the host before or after the apply: bridge STP (always written) and timers, bond mode and
//   miimon, port path cost, the static routes on our interfaces, and the addresses of a family the profile
//   does not mention (a dynamic one means DHCP for ipv4, autoconfiguration for ipv6).
// - The default route of the main table becomes gateway= of the interface it leaves through (with
//   route-metric= when it has a metric); other routes become routeN=dest,gateway,metric (+ table=).
// - mac-address: from-port persists the MAC the interface has after the apply (the planner's choice) as
//   cloned-mac-address, so the bridge keeps it across reboots whatever order NetworkManager enslaves ports in.
// - state: down persists with autoconnect=false; state: absent removes the interface's file, and so does a
//   port its listed bridge or bond no longer claims (its profile would enslave it again at boot).
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "netconfig/model.h"

namespace netconfig {

inline constexpr std::string_view k_nm_keyfile_dir = "/etc/NetworkManager/system-connections";
inline constexpr int k_nm_autoconnect_priority = 100;

struct NmKeyfile {
    IfName interface;
    std::string file_name;  // "kvm-agent-br0.nmconnection" (in k_nm_keyfile_dir)
    std::string id;         // connection.id, "kvm-agent-br0"
    std::string uuid;       // connection.uuid
    std::string content;    // the keyfile text; the file must be mode 0600 and owned by root
    bool is_port = false;   // has master=: NetworkManager activates it together with its controller
    IfName controller;      // of a port: the bridge or bond whose profile is its master
    IfName parent;          // of a VLAN: its base interface
    bool autoconnect = true;  // false for state: down
};

struct NmKeyfileSet {
    std::vector<NmKeyfile> files;  // controllers before their ports, bases before their VLANs
    std::vector<IfName> removed;   // interfaces whose kvm-agent file must not exist
};

std::string nm_keyfile_name(const IfName& interface);  // "kvm-agent-<ifname>.nmconnection"
std::string nm_profile_id(const IfName& interface);    // "kvm-agent-<ifname>"
// A version 5 UUID of the interface name in the product's own namespace: stable across runs and hosts.
std::string nm_profile_uuid(const IfName& interface);

// The keyfiles for `desired` (which passed validate()) given `observed`. An error names what cannot be
// persisted: an interface whose type is unknown (not listed with a type and not on the host), a type
// NetworkManager has no keyfile for here ("other" other than dummy), a route that leaves through an interface
// without a profile of ours (list that interface to persist it) or a port.
// `zones` (interface -> firewalld zone, from the profile's firewall section) go into connection.zone, so the
// file already says what the firewall step would otherwise set on the profile, and a re-apply rewrites nothing.
common::Result<NmKeyfileSet> nm_keyfiles(const NetworkState& desired, const NetworkState& observed,
                                         const std::map<std::string, std::string>& zones = {});

// What differs between two versions of a keyfile, key by key in the order of `after` (then keys only `before`
// has): "ipv4.method manual -> auto", "ipv4.address1 192.0.2.10/24 -> (none)". Comments and blank lines are
// not keys; a file that is not a keyfile compares as one without keys.
std::vector<std::string> nm_keyfile_changes(std::string_view before, std::string_view after);

// The ports to release from their bond before NetworkManager activates our profiles: ports of ours enslaved
// now (in `observed`) to a bond whose profile is not among `active_uuids`. NetworkManager sets a bond's options
// as it activates the profile, which the kernel refuses while the bond has ports ("the bond device has
// slaves"), and it releases only the ports it knows it enslaved: whether it noticed ours in time is a race.
std::vector<IfName> bond_ports_to_release(const NmKeyfileSet& set, const NetworkState& observed,
                                          const std::set<std::string>& active_uuids);

}  // namespace netconfig
