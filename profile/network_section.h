#pragma once
// Internal to profile/: decodes `network:` into the netconfig model. Throws DecodeError (see yaml_reader.h).
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "profile/profile.h"

namespace profile {

// `where` is the position of the section's value; `positions` receives the position of every decoded path
// ("interfaces[0].link-aggregation.port[1]"), for the validator's messages.
NetworkSection decode_network(const YAML::Node& node, Position where, std::map<std::string, Position>& positions);

}  // namespace profile
