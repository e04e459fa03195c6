#pragma once
// Internal to profile/: decodes `network:` into the netconfig model. Throws DecodeError (see yaml_reader.h)
// for a problem in the section's own shape; a problem inside one interface, route or `verify` is collected and
// decoding goes on with the next, so an admin sees every such problem at once.
#include <map>
#include <string>
#include <vector>

#include "profile/yaml_document.h"

#include "profile/profile.h"
#include "profile/yaml_reader.h"

namespace profile {

// `where` is the position of the section's value; `positions` receives the position of every decoded path
// ("interfaces[0].link-aggregation.port[1]"), for the validator's messages.
NetworkSection decode_network(const YamlNode& node, Position where, std::map<std::string, Position>& positions,
                              std::vector<DecodeError>& problems);

}  // namespace profile
