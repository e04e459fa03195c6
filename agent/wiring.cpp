#include "agent/wiring.h"

#include "agent/confirm_window.h"
#include "common/host_root.h"
#include "host/dbus/firewalld.h"
#include "host/dbus/systemd_units.h"
#include "host/host_facts_reader.h"
#include "host/kvm/kvm_probe.h"
#include "host/libvirt/libvirt_hypervisor.h"
#include "host/netlink/netlink_adapter.h"
#include "host/netlink/network_reader.h"
#include "host/networkmanager/nm_checkpoint.h"
#include "host/networkmanager/nm_persistence.h"
#include "host/probe/connectivity_prober.h"

namespace agent {
namespace {

class RealHost : public Host {
public:
    explicit RealHost(const HostSettings& settings)
        : m_root(settings.root),
          m_systemd(settings.call_timeout),
          m_firewall(settings.call_timeout),
          // libvirt's first capabilities call after a daemon start probes every QEMU binary: seconds, not
          // milliseconds, so it gets five times the bound of the other calls.
          m_hypervisor(settings.libvirt_uri, settings.call_timeout * k_libvirt_bound_factor),
          m_kvm("/dev/kvm", settings.call_timeout),
          m_reader(m_root, live_services(), settings.images_dir, settings.images_pool) {}

    const checks::HostFacts& facts() const override { return m_reader; }

private:
    host::LiveServices live_services() {
        host::LiveServices live;
        if (!m_root.is_live()) {
            live.reason = "offline root " + m_root.root().string() + ": live services are not asked";
            return live;
        }
        live.service_manager = &m_systemd;
        live.firewall = &m_firewall;
        live.hypervisor = &m_hypervisor;
        live.kvm = &m_kvm;
        live.network = &m_network;
        return live;
    }

    common::HostRoot m_root;
    host::dbus::SystemdUnits m_systemd;
    host::dbus::Firewalld m_firewall;
    host::libvirt::LibvirtHypervisor m_hypervisor;
    host::kvm::KvmProbe m_kvm;
    host::netlink::NetlinkNetworkReader m_network;
    host::HostFactsReader m_reader;
};

class RealNetworkHost : public NetworkHost {
public:
    RealNetworkHost(std::unique_ptr<host::netlink::NetlinkAdapter> netlink, const NetworkSettings& settings)
        : m_netlink(std::move(netlink)) {
        if (!settings.persist) return;
        host::networkmanager::NmPersistenceOptions options;
        options.root = settings.config_root;
        options.zones = settings.zones;
        // With the links, persistence can release a NIC that NetworkManager still holds in its own profile.
        m_persistence.emplace(options, m_netlink.get());
        // The devices NetworkManager manages are the ones it can put back if this process dies midway.
        host::networkmanager::NmCheckpointOptions guard;
        guard.root = settings.config_root;
        guard.note = run_dir() / "nm-checkpoint";
        m_guard.emplace(guard);
    }
    NetworkAdapters adapters() override {
        return NetworkAdapters{*m_netlink, *m_netlink, m_prober, m_persistence ? &*m_persistence : nullptr,
                               m_guard ? &*m_guard : nullptr};
    }

private:
    std::unique_ptr<host::netlink::NetlinkAdapter> m_netlink;
    host::probe::ConnectivityProber m_prober;
    std::optional<host::networkmanager::NmPersistence> m_persistence;
    std::optional<host::networkmanager::NmCheckpoint> m_guard;
};

}  // namespace

std::unique_ptr<Host> connect_host(const HostSettings& settings) { return std::make_unique<RealHost>(settings); }

common::Result<std::unique_ptr<NetworkHost>> connect_network(const NetworkSettings& settings) {
    auto netlink = host::netlink::NetlinkAdapter::open();
    if (!netlink) return netlink.error();
    return std::unique_ptr<NetworkHost>(std::make_unique<RealNetworkHost>(std::move(netlink).value(), settings));
}

}  // namespace agent
