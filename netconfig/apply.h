#pragma once
// Running a plan: each step through LinkOps, in order, stopping at the first failure. Pure: the LinkOps given
// decides what touches the kernel (host/netlink's adapter) or records (a test's fake).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "netconfig/link_ops.h"
#include "netconfig/plan.h"

namespace netconfig {

struct ApplyOutcome {
    std::size_t completed = 0;           // how many steps succeeded: the first `completed` of the plan
    std::optional<common::Error> error;  // why step `completed` failed ("creating bond0: ..."); empty when all ran
    bool ok() const { return !error; }
};

// One step through `ops`; its error is the one LinkOps gives, naming the operation and the object.
OpResult apply_step(const Step& step, LinkOps& ops);

// Asked before each step: why to start no further step ("interrupted by SIGTERM"), or nullopt to go on.
using Interruption = std::function<std::optional<std::string>()>;

// The steps in order; stops at the first failure, or before a step once `interrupted` gives a reason, and
// leaves what ran in place (rolling back is the caller's decision: plan(rollback_target(before, re-observed))).
ApplyOutcome apply(const Plan& plan, LinkOps& ops, const Interruption& interrupted = {});

// Every step in order, going on past a failed one: for a rollback, where each step restored is worth having
// even when another cannot be. One line per failed step ("rollback step \"add address ...\": ...").
std::vector<std::string> apply_every(const Plan& plan, LinkOps& ops);

}  // namespace netconfig
