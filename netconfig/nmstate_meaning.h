#pragma once
// Where a profile means more than it spells out, because nmstate and NetworkManager read it so: the defaults of
// what an apply creates, and what `state: down` does to a software interface. Pure transformations of the
// desired state, applied before planning a profile (never to a rollback's target, which is the host as it was).
#include "netconfig/model.h"

namespace netconfig {

// nmstate's and NetworkManager's defaults where the kernel's differ: a new linux-bridge runs STP, a new bond
// monitors its links every 100 ms, a new bridge port costs 100. Without them the kernel's own defaults (STP
// off, miimon 0, a cost from the link speed) would hold until the next boot, when NetworkManager applies its
// defaults from the keyfile. What exists already keeps what it has.

inline constexpr bool k_default_stp = true;
inline constexpr std::uint32_t k_default_miimon_ms = 100;
inline constexpr std::uint32_t k_default_port_path_cost = 100;

// `desired` with the defaults above filled in where it says nothing: for bridges and bonds `observed` does
// not have, and for bridge ports that are not yet ports of their bridge in `observed`.
NetworkState with_creation_defaults(const NetworkState& desired, const NetworkState& observed);

// nmstate's `state: down` on a bridge, bond, VLAN or veth: its profile stays, not activated, and the kernel
// interface goes, as NetworkManager deletes a software device it deactivates (its ports are released). For
// the planner such an entry is `absent`; a NIC that is down stays a NIC set down. The type is the profile's,
// or the host's when the profile gives none.
NetworkState with_down_software_removed(const NetworkState& desired, const NetworkState& observed);

}  // namespace netconfig
