#pragma once
// Steps as JSON, for `kvm-agent plan --output json`: {"step": "create-bond", "interface": "bond0",
// "mode": "active-backup", "options": {"miimon": 100}, "text": "create bond bond0 (mode active-backup, ...)"}.
// Keys are the profile's (nmstate's) names; only the fields the step's kind uses appear.
#include <nlohmann/json.hpp>

#include "netconfig/plan.h"

namespace netconfig {

nlohmann::json to_json(const Step& step);
nlohmann::json to_json(const Plan& plan);  // a list of steps
nlohmann::json to_json(const Route& route);

}  // namespace netconfig
