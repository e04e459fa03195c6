#pragma once
// The network step of kvm-agent: observe, plan, apply, verify, and roll back by itself when the result
// differs from the profile or the host loses its gateway. Works on the adapters it is given, so the same
// code runs against the kernel (host/netlink) and against recording fakes in unit tests.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/stop_signal.h"
#include "netconfig/apply.h"
#include "netconfig/link_ops.h"
#include "netconfig/persistence.h"
#include "netconfig/plan.h"
#include "netconfig/rollback_guard.h"
#include "netconfig/verify.h"
#include "profile/profile.h"

namespace agent {

// What the network step needs from the host.
struct NetworkAdapters {
    netconfig::NetworkObserver& observer;
    netconfig::LinkOps& links;
    netconfig::ConnectivityProber& prober;
    netconfig::NetworkPersistence* persistence = nullptr;  // null: the change is not made to survive a reboot
    netconfig::RollbackGuard* guard = nullptr;              // null: nothing outlives a killed apply
};

struct NetworkPlan {
    netconfig::NetworkState observed;
    // The profile's state as this host gives it meaning: a bridge or bond the profile says nothing about in a
    // family takes over the DHCP or autoconf of its ports (netconfig::with_inherited_addressing).
    netconfig::NetworkState desired;
    // `desired` as the kernel is to have it (netconfig/nmstate_meaning.h): what the plan and verification use.
    netconfig::NetworkState kernel;
    netconfig::Plan plan;
    // The configuration files the apply would change besides the kernel state, one line each: a switch from
    // static addresses to DHCP shows here even when the kernel has nothing to change yet.
    std::vector<std::string> file_changes;
    bool empty() const { return plan.empty() && file_changes.empty(); }
};

// The plan that would bring the host to the profile's network section, and with a `persistence` the files it
// would change; an error when the host cannot be observed (prefixed "observing the network: ", or its files
// netconfig::k_observing_files) or the profile asks what cannot be done (prefixed with the profile's name).
common::Result<NetworkPlan> plan_network(const profile::HostProfile& profile, netconfig::NetworkObserver& observer,
                                         netconfig::NetworkPersistence* persistence = nullptr);

enum class NetworkOutcome {
    in_sync,          // nothing to do
    applied,          // changed, verified
    rolled_back,      // changed, failed, back to the state before
    rollback_failed,  // changed, failed, and the way back failed too: the host needs an admin
};
std::string_view to_string(NetworkOutcome outcome);

struct NetworkApplyReport {
    NetworkOutcome outcome = NetworkOutcome::in_sync;
    netconfig::NetworkState before;       // observed before the first step
    netconfig::NetworkState after;        // observed after the steps (and after a rollback, when there was one)
    netconfig::Plan plan;
    std::size_t completed = 0;            // steps of `plan` that ran
    std::vector<std::string> failures;    // why it rolled back: a failed step, a residual difference, a probe
    netconfig::VerifyReport verification;
    // Addresses the network service's activation left on ports, removed before the verification
    // (netconfig::port_address_leftovers): "remove address fec0::5054:ff:fe4b:0/64 from nic0".
    netconfig::Plan port_leftovers;
    netconfig::Plan rollback;             // the steps that took the host back
    std::vector<std::string> rollback_failures;
    std::optional<netconfig::PersistResult> persisted;  // the files written (kept when the change stays)
    // What would have put the host back had kvm-agent died midway ("NetworkManager's checkpoint ..."), or
    // why nothing would have ("nothing outside kvm-agent: ...").
    std::string guard;
    // What the guard of an earlier run that was killed during its change did before this run ("NetworkManager
    // rolled back ..."), or empty.
    std::string recovered;
};

struct NetworkApplyOptions {
    // How long the probes may take to answer, and how long an interface on DHCP or autoconf may take to get its
    // lease and routes: network.verify.rollback-after, 60 s when the profile is silent.
    std::chrono::milliseconds probe_timeout{60000};
    // How long each default gateway is asked before the change (one that answers does so in milliseconds).
    std::chrono::milliseconds baseline_probe_timeout{3000};
    // How often the network is read again while waiting for a lease.
    std::chrono::milliseconds poll_interval{250};
    // The guard's window: the bound of the phase that starts (activation, the lease, the probes, a rollback)
    // plus this margin. A killed apply is undone that long after the phase began.
    std::chrono::seconds guard_margin{30};
    // How long the network service may take to activate the profiles (NmPersistenceOptions' own bound).
    std::chrono::seconds activation_budget{60};
    // 0: the guard is released once the change stays. Otherwise the change is kept only if a commit comes
    // within this confirmation window, and the guard stays armed that long plus the margin: should the
    // window's watcher die, NetworkManager still takes the change back. commit or the watcher release it
    // (RollbackGuard::release_kept).
    std::chrono::seconds keep_guard{0};
    // Asked before each step, while waiting and before verifying: a reason stops the change, which is then rolled
    // back as a failed verification would be (a SIGTERM, SIGINT or SIGHUP: common/stop_signal.h). The rollback
    // itself never asks.
    netconfig::Interruption interrupted = common::stop_reason;
};

// How apply_network's error begins when the rollback guard (NetworkManager's checkpoint) could not be armed: the
// host's failure, not the profile's.
inline constexpr std::string_view k_guard_refused = "guarding the change against kvm-agent's death: ";

// Applies the plan, verifies it, then persists it (when given a persistence); on any failure takes the host
// back to `before`, puts back the files it wrote, and says why. An interface on DHCP or autoconf gets its
// addresses from the network service during the apply: its profile is persisted and activated right after the
// links are made, and verification waits (up to probe_timeout) for the lease and its default route. A rollback
// then waits, within the same bound, for the leases the host had before to come back from its own profiles.
// With a guard, the whole change is guarded (armed before the first step, extended before each wait, released
// at the end), so a kvm-agent killed midway is undone by the guard; the next run has the guard undo it at once
// if it has not yet, and starts from the host as it was. Errors are for a host that cannot be
// observed at all, and a guard that refuses (nothing was changed then).
common::Result<NetworkApplyReport> apply_network(const profile::HostProfile& profile, NetworkAdapters adapters,
                                                 const NetworkApplyOptions& options = {});

// Takes the host from what it is now back to `before` (a confirmation that did not arrive in time, or a
// failed verification). Returns the failures; empty when the host is back.
std::vector<std::string> roll_back_network(const netconfig::NetworkState& before, NetworkAdapters adapters,
                                           netconfig::Plan* steps_taken = nullptr);

// Puts back the files `persisted` changed; the failures, empty when all are back.
std::vector<std::string> restore_persisted(netconfig::NetworkPersistence* persistence,
                                           const std::optional<netconfig::PersistResult>& persisted);

}  // namespace agent
