#pragma once
// Validation of a desired network state before anything runs: what one entry cannot say about itself
// (duplicates, ports claimed twice, cycles, missing bases) and the ranges the model's types let through.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "netconfig/model.h"

namespace netconfig {

struct Problem {
    std::string subject;  // the interface the problem is about, or "routes"
    std::string message;  // what is wrong, one line
    // Where in the desired state, in the profile's spelling: "interfaces[2].link-aggregation.port[1]",
    // "interfaces[0].ipv4.address[0].prefix-length", "routes[1].next-hop-interface".
    std::string path;
};

// Every problem found, in the order of the entries (empty: valid). `observed_names`, when given, are the
// interfaces that exist on the host: then VLAN bases, ports and route interfaces may name them too, and must
// name something that exists.
std::vector<Problem> validate(const NetworkState& desired, const std::set<IfName>* observed_names = nullptr);

}  // namespace netconfig
