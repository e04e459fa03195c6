#pragma once
// nmstate's and NetworkManager's defaults for what an apply brings into being, where the kernel's differ: a new
// linux-bridge runs STP, a new bond monitors its links every 100 ms, a new bridge port costs 100. Without them
// the kernel's own defaults (STP off, miimon 0, a cost from the link speed) would hold until the next boot,
// when NetworkManager applies its defaults from the keyfile. What exists already keeps what it has.
#include "netconfig/model.h"

namespace netconfig {

inline constexpr bool k_default_stp = true;
inline constexpr std::uint32_t k_default_miimon_ms = 100;
inline constexpr std::uint32_t k_default_port_path_cost = 100;

// `desired` with the defaults above filled in where it says nothing: for bridges and bonds `observed` does
// not have, and for bridge ports that are not yet ports of their bridge in `observed`.
NetworkState with_creation_defaults(const NetworkState& desired, const NetworkState& observed);

}  // namespace netconfig
