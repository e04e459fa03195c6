#pragma once
// What takes the network back when the apply itself cannot: kvm-agent killed midway (SIGKILL, the first-boot
// unit's timeout killing its cgroup). host/networkmanager implements it with NetworkManager's checkpoint,
// which restores the devices it manages by itself once its timeout passes without a release. Pure
// interface; the in-process rollback stays the one that runs when the apply lives to see its failure.
#include <chrono>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/result.h"
#include "netconfig/model.h"

namespace netconfig {

// The host's leases when a guard was armed: what its network service brings back after a rollback.
using Leases = std::vector<std::pair<IfName, InterfaceAddress>>;

// What recover() did: nothing (empty `done`), or a rollback, after which `leases` come back by themselves.
struct Recovery {
    std::string done;
    Leases leases;
};

class RollbackGuard {
public:
    virtual ~RollbackGuard() = default;

    // Before the first change (and after recover()): the host is put back to now if neither extend() nor
    // release() comes within `window`; `leases` are the host's now, for a later recover() to wait for.
    // Ok(false) with no guard at all (nobody to ask on this host: why_unguarded() says why); an error when
    // there is one that refuses (a checkpoint another tool holds), and then the apply must not start.
    virtual common::Result<bool> arm(std::chrono::seconds window, const Leases& leases) = 0;
    // Before each wait: `window` from now. What went wrong, or empty.
    virtual std::string extend(std::chrono::seconds window) = 0;
    // The apply ended, kept or rolled back by itself: nothing more to undo. What went wrong, or empty.
    virtual std::string release() = 0;
    // The guard a run kept armed past its end (the change stays, but only until a confirmation window closes),
    // released from any process: `kvm-agent commit` keeps the change, the window's watcher has rolled it back.
    // Nothing when no guard was kept. What went wrong, or empty.
    virtual std::string release_kept() = 0;
    virtual std::string why_unguarded() const = 0;
    // Before anything is observed: the guard an earlier run left armed when it died (its change, whole or in
    // part, is still on the host) takes the host back now, so this run starts from the host as it was. What
    // was done, and the leases the host had when that run armed it.
    virtual Recovery recover() = 0;
};

}  // namespace netconfig
