#include "host/libvirt/libvirt_hypervisor.h"

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "checks/parsers/libvirt_xml.h"
#include "common/bounded_call.h"
#include "host/libvirt/libvirt_calls.h"

namespace host::libvirt {
namespace {

std::string version_string(unsigned long version) {
    return std::to_string(version / 1000000) + "." + std::to_string(version / 1000 % 1000) + "." +
           std::to_string(version % 1000);
}

struct Opened {
    Connection connection;
    std::string error;
};

checks::LibvirtObject inspect_network(virConnectPtr connection, const char* name) {
    checks::LibvirtObject object;
    Network network(vir().virNetworkLookupByName(connection, name));
    if (!network) return object;
    object.defined = true;
    object.active = vir().virNetworkIsActive(network.get()) == 1;
    int autostart = 0;
    object.autostart = vir().virNetworkGetAutostart(network.get(), &autostart) == 0 && autostart;
    if (CString bridge{vir().virNetworkGetBridgeName(network.get())}) object.detail = std::string("bridge ") + bridge.get();
    return object;
}

checks::LibvirtObject inspect_pool(virConnectPtr connection, const std::string& name) {
    checks::LibvirtObject object;
    Pool pool(vir().virStoragePoolLookupByName(connection, name.c_str()));
    if (!pool) return object;
    object.defined = true;
    object.active = vir().virStoragePoolIsActive(pool.get()) == 1;
    int autostart = 0;
    object.autostart = vir().virStoragePoolGetAutostart(pool.get(), &autostart) == 0 && autostart;
    if (CString xml{vir().virStoragePoolGetXMLDesc(pool.get(), 0)}) {
        object.detail = checks::pool_target_path(xml.get());
        if (!object.detail.empty()) {
            std::error_code ec;
            object.target_exists = std::filesystem::is_directory(object.detail, ec);
        }
    }
    return object;
}

// A read-only connection to qemu:///system goes through one of these sockets (the modular daemon's, else
// libvirtd's). When neither exists, libvirt is not running: the client library (~35 ms and ~15 MiB to load,
// with its dependencies) would only say so after its own look at them.
constexpr const char* k_system_read_only_sockets[] = {"/run/libvirt/virtqemud-sock-ro", "/run/libvirt/libvirt-sock-ro"};

std::string no_system_socket(const std::string& uri) {
    if (uri != "qemu:///system") return {};
    std::error_code ec;
    for (const char* socket : k_system_read_only_sockets)
        if (std::filesystem::exists(socket, ec) || ec) return {};
    return std::string("libvirt is not running: neither ") + k_system_read_only_sockets[0] + " nor " +
           k_system_read_only_sockets[1] + " exists";
}

}  // namespace

LibvirtHypervisor::LibvirtHypervisor(std::string uri, std::chrono::milliseconds deadline)
    : m_uri(std::move(uri)), m_deadline(deadline) {}

checks::Fact<checks::LibvirtFacts> LibvirtHypervisor::inspect(const std::string& pool_name) {
    checks::LibvirtFacts facts;
    facts.uri = m_uri;
    facts.images_pool_name = pool_name;
    if (auto absent = no_system_socket(m_uri); !absent.empty()) {
        facts.connect_error = absent;
        return facts;
    }
    if (auto loaded = load_libvirt(); !loaded) {
        facts.client_library_error = loaded.error().message;
        return facts;
    }

    const std::string uri = m_uri;
    // libvirt's last error is per thread: read it on the thread that made the call.
    auto opened = common::call_with_deadline<Opened>(
        [uri] {
            Opened result;
            // Read-only: everything the checks ask is allowed there, and the doctor must change nothing.
            virConnectPtr raw = vir().virConnectOpenReadOnly(uri.c_str());
            if (raw) result.connection = Connection(raw, ConnectCloser{});
            else result.error = last_error();
            return result;
        },
        m_deadline);
    const std::string within = "within " + std::to_string(m_deadline.count()) + " ms";
    if (!opened) {
        facts.connect_error = "no answer " + within;
        facts.timed_out = true;
        return facts;
    }
    if (!opened->connection) {
        facts.connect_error = opened->error;
        return facts;
    }
    facts.connected = true;

    Connection connection = opened->connection;
    auto inspected = common::call_with_deadline<checks::LibvirtFacts>(
        [connection, facts, pool_name]() mutable {
            unsigned long library = 0;
            if (vir().virConnectGetLibVersion(connection.get(), &library) == 0)
                facts.capabilities_summary = "libvirt " + version_string(library);
            if (CString caps{vir().virConnectGetCapabilities(connection.get())}) {
                facts.x86_64_guests = checks::capabilities_offer_arch(caps.get(), "x86_64");
                facts.kvm_x86_64 = checks::capabilities_offer_kvm(caps.get(), "x86_64");
            } else
                facts.capabilities_summary += "; capabilities unavailable: " + last_error();
            facts.default_network = inspect_network(connection.get(), "default");
            facts.images_pool = inspect_pool(connection.get(), pool_name);
            return facts;
        },
        m_deadline);
    if (!inspected) {
        facts.call_error = "its capabilities, networks and pools did not arrive " + within;
        facts.timed_out = true;
        return facts;
    }
    return *inspected;
}

}  // namespace host::libvirt
