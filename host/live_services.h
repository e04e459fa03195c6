#pragma once
// The small domain interfaces at the system edge that the doctor asks live questions through. Shaped
// around what we ask, not around D-Bus or libvirt; the real adapters are built only in agent/wiring.cpp.
#include <string>
#include <vector>

#include "checks/host_facts.h"

namespace host {

// systemd, read over its D-Bus API.
class ServiceManager {
public:
    virtual ~ServiceManager() = default;
    virtual checks::Fact<checks::SystemdFacts> unit_states(const std::vector<std::string>& units) = 0;
};

// firewalld, over its D-Bus API. Read-only; firewalld is never started by asking.
class Firewall {
public:
    virtual ~Firewall() = default;
    virtual checks::Fact<checks::FirewallFacts> status() = 0;
    // One zone in the runtime and the permanent configuration (exists: false where it has none).
    virtual checks::Fact<checks::FirewallZoneFacts> zone(const std::string& name) = 0;
    // The zone each configuration binds an interface to ("" none).
    virtual checks::Fact<checks::InterfaceZone> zone_of_interface(const std::string& interface) = 0;
};

// The kernel's network state (links with their ports and carrier, addresses, routes), over netlink.
class NetworkReader {
public:
    virtual ~NetworkReader() = default;
    virtual checks::Fact<netconfig::NetworkState> observe() = 0;
};

// libvirt's QEMU driver, over the libvirt C API.
class Hypervisor {
public:
    virtual ~Hypervisor() = default;
    virtual checks::Fact<checks::LibvirtFacts> inspect(const std::string& pool_name) = 0;
};

// libvirt's QEMU driver, read-write: boots the smoke guest with a NIC on each bridge, its disk a volume of `pool`,
// and removes all it made (libvirt.guest-smoke).
class GuestBooter {
public:
    virtual ~GuestBooter() = default;
    virtual checks::Fact<checks::GuestSmokeFacts> boot_smoke_guest(const std::string& pool,
                                                                   const std::vector<std::string>& bridges) = 0;
};

// /dev/kvm's ioctls: run a few bytes of guest code.
class KvmDevice {
public:
    virtual ~KvmDevice() = default;
    virtual checks::KvmProbeResult run_probe() = 0;
};

// Null members mean "this run cannot ask" (offline --root, or a test): their checks SKIP with `reason`.
struct LiveServices {
    ServiceManager* service_manager = nullptr;
    Firewall* firewall = nullptr;
    Hypervisor* hypervisor = nullptr;
    KvmDevice* kvm = nullptr;
    NetworkReader* network = nullptr;
    GuestBooter* guest_booter = nullptr;
    std::string reason = "live services are not asked in this run";
};

}  // namespace host
