#include "host/libvirt/libvirt_pool.h"

#include <cstdlib>
#include <functional>

#include "checks/parsers/libvirt_xml.h"
#include "common/bounded_call.h"
#include "host/libvirt/libvirt_calls.h"

namespace host::libvirt {
namespace {

// Pool work that may take long: a start or refresh reads every volume in the directory.
constexpr std::chrono::seconds k_scan_timeout{120};

PoolState read_state(virStoragePoolPtr pool) {
    PoolState state;
    state.defined = true;
    state.active = vir().virStoragePoolIsActive(pool) == 1;
    int autostart = 0;
    state.autostart = vir().virStoragePoolGetAutostart(pool, &autostart) == 0 && autostart;
    if (CString xml{vir().virStoragePoolGetXMLDesc(pool, VIR_STORAGE_XML_INACTIVE)}) {
        state.type = checks::first_attribute(xml.get(), "pool", "type");
        state.path = checks::pool_target_path(xml.get());
    }
    return state;
}

}  // namespace

struct LibvirtPools::Connection {
    virConnectPtr handle = nullptr;
    ~Connection() {
        if (handle) vir().virConnectClose(handle);
    }
};

LibvirtPools::LibvirtPools(std::string uri, std::chrono::milliseconds call_timeout)
    : m_uri(std::move(uri)), m_timeout(call_timeout) {}

LibvirtPools::~LibvirtPools() = default;

common::Result<std::shared_ptr<LibvirtPools::Connection>> LibvirtPools::connection() {
    if (m_connection) return m_connection;
    if (auto loaded = load_libvirt(); !loaded) return loaded.error();
    const std::string uri = m_uri;
    using Opened = common::Result<std::shared_ptr<Connection>>;
    auto opened = common::call_with_deadline<Opened>(
        [uri]() -> Opened {
            auto connection = std::make_shared<Connection>();
            connection->handle = vir().virConnectOpen(uri.c_str());
            if (!connection->handle) return common::make_error("connecting to libvirt at " + uri + ": " + last_error());
            return connection;
        },
        m_timeout);
    if (!opened)
        return common::make_error("connecting to libvirt at " + m_uri + ": no answer within " +
                                  std::to_string(m_timeout.count()) + " ms");
    if (!*opened) return opened->error();
    m_connection = opened->value();
    return m_connection;
}

namespace {

// Runs `call` on a worker thread under `deadline`; `what` names the operation and the pool.
template <typename T>
common::Result<T> bounded(const std::string& what, std::chrono::milliseconds deadline, std::function<common::Result<T>()> call) {
    auto done = common::call_with_deadline<common::Result<T>>(std::move(call), deadline);
    if (!done) return common::make_error(what + ": libvirt did not answer within " + std::to_string(deadline.count()) + " ms");
    return std::move(*done);
}

}  // namespace

common::Result<PoolState> LibvirtPools::inspect(const std::string& name) {
    auto connected = connection();
    if (!connected) return connected.error();
    auto connection = connected.value();
    return bounded<PoolState>("looking up the libvirt pool '" + name + "'", m_timeout,
                              [connection, name]() -> common::Result<PoolState> {
                                  Pool pool(vir().virStoragePoolLookupByName(connection->handle, name.c_str()));
                                  if (!pool) {
                                      const virErrorPtr error = vir().virGetLastError();
                                      if (error && error->code == VIR_ERR_NO_STORAGE_POOL) return PoolState{};
                                      return common::make_error("looking up the libvirt pool '" + name + "': " + last_error());
                                  }
                                  return read_state(pool.get());
                              });
}

common::Result<std::vector<std::string>> LibvirtPools::pools_at_path(const std::string& path, const std::string& except) {
    auto connected = connection();
    if (!connected) return connected.error();
    auto connection = connected.value();
    using Names = std::vector<std::string>;
    return bounded<Names>("listing the libvirt pools", m_timeout, [connection, path, except]() -> common::Result<Names> {
        virStoragePoolPtr* raw = nullptr;
        const int count = vir().virConnectListAllStoragePools(connection->handle, &raw, 0);
        if (count < 0) return common::make_error("listing the libvirt pools: " + last_error());
        std::vector<Pool> pools;
        for (int i = 0; i < count; ++i) pools.emplace_back(raw[i]);
        std::free(raw);
        Names names;
        for (const auto& pool : pools) {
            const char* name = vir().virStoragePoolGetName(pool.get());
            if (name == nullptr || except == name) continue;
            const auto state = read_state(pool.get());
            std::string other = state.path;
            while (other.size() > 1 && other.back() == '/') other.pop_back();
            if (other == path) names.push_back(name);
        }
        return names;
    });
}

common::Result<bool> LibvirtPools::define(const std::string& name, const std::string& xml) {
    auto connected = connection();
    if (!connected) return connected.error();
    auto connection = connected.value();
    const std::string what = "defining the libvirt pool '" + name + "'";
    return bounded<bool>(what, m_timeout, [connection, xml, what]() -> common::Result<bool> {
        Pool pool(vir().virStoragePoolDefineXML(connection->handle, xml.c_str(), 0));
        if (!pool) return common::make_error(what + ": " + last_error());
        return true;
    });
}

common::Result<bool> LibvirtPools::build_and_start(const std::string& name) {
    auto connected = connection();
    if (!connected) return connected.error();
    auto connection = connected.value();
    const std::string what = "building and starting the libvirt pool '" + name + "'";
    return bounded<bool>(what, std::max<std::chrono::milliseconds>(m_timeout, k_scan_timeout),
                         [connection, name]() -> common::Result<bool> {
                             Pool pool(vir().virStoragePoolLookupByName(connection->handle, name.c_str()));
                             if (!pool) return common::make_error("looking up the libvirt pool '" + name + "': " + last_error());
                             if (vir().virStoragePoolIsActive(pool.get()) == 1) return true;  // libvirt builds only inactive pools
                             // A dir pool's build makes the directory (and keeps one that exists).
                             if (vir().virStoragePoolBuild(pool.get(), 0) != 0)
                                 return common::make_error("building the libvirt pool '" + name + "': " + last_error());
                             if (vir().virStoragePoolCreate(pool.get(), 0) != 0)
                                 return common::make_error("starting the libvirt pool '" + name + "': " + last_error());
                             return true;
                         });
}

common::Result<bool> LibvirtPools::set_autostart(const std::string& name) {
    auto connected = connection();
    if (!connected) return connected.error();
    auto connection = connected.value();
    const std::string what = "autostarting the libvirt pool '" + name + "'";
    return bounded<bool>(what, m_timeout, [connection, name, what]() -> common::Result<bool> {
        Pool pool(vir().virStoragePoolLookupByName(connection->handle, name.c_str()));
        if (!pool || vir().virStoragePoolSetAutostart(pool.get(), 1) != 0) return common::make_error(what + ": " + last_error());
        return true;
    });
}

common::Result<bool> LibvirtPools::refresh(const std::string& name) {
    auto connected = connection();
    if (!connected) return connected.error();
    auto connection = connected.value();
    const std::string what = "refreshing the libvirt pool '" + name + "'";
    return bounded<bool>(what, std::max<std::chrono::milliseconds>(m_timeout, k_scan_timeout),
                         [connection, name, what]() -> common::Result<bool> {
                             Pool pool(vir().virStoragePoolLookupByName(connection->handle, name.c_str()));
                             if (!pool) {
                                 const virErrorPtr error = vir().virGetLastError();
                                 if (error && error->code == VIR_ERR_NO_STORAGE_POOL) return true;
                                 return common::make_error(what + ": " + last_error());
                             }
                             if (vir().virStoragePoolIsActive(pool.get()) != 1) return true;
                             if (vir().virStoragePoolRefresh(pool.get(), 0) != 0) return common::make_error(what + ": " + last_error());
                             return true;
                         });
}

}  // namespace host::libvirt
