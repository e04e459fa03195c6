#pragma once
// The ONE place real adapters are constructed: a HostRoot, the D-Bus/libvirt/KVM adapters (only when
// the root is this live host), and the HostFacts reader over them.
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "agent/confirm_window.h"
#include "agent/network_apply.h"
#include "checks/host_facts.h"
#include "common/result.h"

namespace agent {

struct HostSettings {
    std::string root = "/";
    std::string libvirt_uri = "qemu:///system";
    std::string images_dir = "/var/lib/libvirt/images";
    std::string images_pool = "default";
    std::chrono::milliseconds call_timeout{2000};  // each live call (D-Bus, libvirt, the KVM probe)
    std::string smoke_guest;                       // the guest libvirt.guest-smoke boots
    std::chrono::milliseconds smoke_timeout{60000};  // from its start to its console line
    checks::ObservedFacts observed;                  // what kvm-agent's steps read, unchanged since
};
// libvirt's connection and first answer may take this many times call_timeout (it probes QEMU after a start).
inline constexpr int k_libvirt_bound_factor = 5;

class Host {
public:
    virtual ~Host() = default;
    virtual const checks::HostFacts& facts() const = 0;
};

std::unique_ptr<Host> connect_host(const HostSettings& settings);

// The network adapters of the namespace this process runs in: netlink for observing and changing links,
// real packets for the probes.
class NetworkHost {
public:
    virtual ~NetworkHost() = default;
    virtual NetworkAdapters adapters() = 0;
};

struct NetworkSettings {
    bool persist = true;            // false (--memory-only): change the running state only
    std::string config_root = "/";  // where configuration files go; not "/": NetworkManager is not asked
    std::map<std::string, std::string> zones;  // interface -> firewalld zone, written into its profile
};

common::Result<std::unique_ptr<NetworkHost>> connect_network(const NetworkSettings& settings = {});

// How a confirmation window nobody watches any more is taken back on this host (confirm_window.h):
// NetworkManager's kept checkpoint, the files without NetworkManager, the links left empty, over netlink.
UnwatchedUndoOps unwatched_undo_ops();
// The NetworkManager checkpoint an apply kept armed for its confirmation window, released
// (netconfig::RollbackGuard::release_kept); what went wrong, or empty.
std::string release_kept_network_guard();
// Has systemd run `kvm-agent rollback-unconfirmed` `after` from now, so that a window whose watcher was killed
// is taken back even when no kvm-agent runs again. The timer's unit name, or why there is none.
common::Result<std::string> schedule_unwatched_takeback(std::chrono::seconds after);

}  // namespace agent
