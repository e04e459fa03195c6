#include "agent/wiring.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include "agent/confirm_window.h"
#include "common/host_root.h"
#include "host/dbus/firewalld.h"
#include "host/dbus/systemd_units.h"
#include "host/dbus/transient_timer.h"
#include "host/host_facts_reader.h"
#include "host/kvm/kvm_probe.h"
#include "host/libvirt/libvirt_guest_smoke.h"
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
          m_guest_smoke(smoke_settings(settings)),
          m_reader(m_root, live_services(), settings.images_dir, settings.images_pool) {
        m_reader.adopt(settings.observed);
    }

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
        live.guest_booter = &m_guest_smoke;
        return live;
    }

    static host::libvirt::GuestSmokeSettings smoke_settings(const HostSettings& settings) {
        host::libvirt::GuestSmokeSettings smoke;
        smoke.uri = settings.libvirt_uri;
        smoke.guest_kernel = settings.smoke_guest;
        smoke.lock_file = []() -> common::Result<std::string> {
            auto dir = prepare_run_dir();
            if (!dir) return dir.error();
            return (*dir / "guest-smoke.lock").string();
        };
        smoke.call_timeout = settings.call_timeout * k_libvirt_bound_factor;
        smoke.boot_timeout = settings.smoke_timeout;
        return smoke;
    }

    common::HostRoot m_root;
    host::dbus::SystemdUnits m_systemd;
    host::dbus::Firewalld m_firewall;
    host::libvirt::LibvirtHypervisor m_hypervisor;
    host::kvm::KvmProbe m_kvm;
    host::libvirt::LibvirtGuestSmoke m_guest_smoke;
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
        if (auto answer = checkpoint_answer_for_tests()) guard.create_timeout = *answer;
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

UnwatchedUndoOps unwatched_undo_ops() {
    UnwatchedUndoOps ops;
    ops.roll_back_kept_guard = [] {
        host::networkmanager::NmCheckpointOptions options;
        options.note = run_dir() / "nm-checkpoint";
        return host::networkmanager::NmCheckpoint(options).recover().done;
    };
    ops.restore_files = [](const std::string& root, const std::vector<netconfig::PersistedFile>& files) {
        host::networkmanager::NmPersistenceOptions options;
        options.root = root;
        options.ask_network_manager = false;
        host::networkmanager::NmPersistence persistence(options);
        netconfig::PersistResult persisted;
        persisted.files = files;
        return restore_persisted(&persistence, persisted);
    };
    ops.delete_empty_links = [](const std::vector<std::string>& names) {
        std::vector<std::string> failures;
        auto netlink = host::netlink::NetlinkAdapter::open();
        if (!netlink) return std::vector<std::string>{"deleting the links the change made: " + netlink.error().message};
        auto observed = (*netlink)->observe();
        if (!observed) return std::vector<std::string>{"observing the network: " + observed.error().message};
        for (const auto& name : names) {
            auto link = netconfig::IfName::make(name);
            const auto* interface = link ? observed->find(*link) : nullptr;
            if (!interface) continue;
            const bool has_port = std::any_of(observed->interfaces.begin(), observed->interfaces.end(),
                                              [&](const netconfig::Interface& other) { return other.controller == *link; });
            const auto has_addresses = [](const netconfig::IpConfig& family) {
                return family.addresses && !family.addresses->empty();
            };
            if (has_port || has_addresses(interface->ipv4) || has_addresses(interface->ipv6)) continue;
            if (auto deleted = (*netlink)->delete_link(*link); !deleted)
                failures.push_back("deleting " + name + ": " + deleted.error().message);
        }
        return failures;
    };
    return ops;
}

common::Result<std::string> schedule_unwatched_takeback(std::chrono::seconds after) {
    std::error_code ec;
    const auto program = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return common::make_error("finding this program: " + ec.message());
    host::dbus::TransientTimer timer;
    timer.name = "kvm-agent-confirm-" + std::to_string(std::time(nullptr));
    timer.description = "Take back kvm-agent's network change should its confirmation watcher be gone";
    timer.after = after;
    timer.argv = {program.string(), "rollback-unconfirmed"};
    if (auto started = host::dbus::start_transient_timer(timer, std::chrono::seconds(5)); !started) return started.error();
    return timer.name + ".timer";
}

std::string release_kept_network_guard() {
    host::networkmanager::NmCheckpointOptions options;
    options.note = run_dir() / "nm-checkpoint";
    return host::networkmanager::NmCheckpoint(options).release_kept();
}

}  // namespace agent
