#include "host/libvirt/libvirt_admin.h"

#include <thread>

#include "common/bounded_call.h"
#include "host/libvirt/libvirt_calls.h"

namespace host::libvirt {
namespace {

using Done = common::Result<std::monostate>;

bool no_such_network() {
    const virErrorPtr error = vir().virGetLastError();
    return error && error->code == VIR_ERR_NO_NETWORK;
}

std::string within(std::chrono::milliseconds timeout) {
    return "no answer from libvirt within " + std::to_string(timeout.count()) + " ms";
}

std::string doing(provision::NetworkAction action) {
    switch (action) {
    case provision::NetworkAction::destroy: return "stopping";
    case provision::NetworkAction::disable_autostart: return "turning off autostart of";
    case provision::NetworkAction::undefine: return "undefining";
    }
    return "changing";
}

}  // namespace

LibvirtAdmin::LibvirtAdmin(LibvirtAdminOptions options) : m_options(std::move(options)) {}
LibvirtAdmin::~LibvirtAdmin() = default;

common::Result<Connection> LibvirtAdmin::connection() {
    if (m_connection) return m_connection;
    if (auto loaded = load_libvirt(); !loaded) return loaded.error();
    const std::string uri = m_options.uri;
    const bool read_only = m_options.read_only;
    const auto open = [uri, read_only]() -> common::Result<Connection> {
        virConnectPtr raw = read_only ? vir().virConnectOpenReadOnly(uri.c_str()) : vir().virConnectOpen(uri.c_str());
        if (!raw) return common::make_error(last_error());
        return Connection(raw, [](virConnectPtr c) { vir().virConnectClose(c); });
    };
    const auto deadline = std::chrono::steady_clock::now() + (read_only ? m_options.call_timeout : m_options.connect_timeout);
    std::string why;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        auto opened = common::call_with_deadline<common::Result<Connection>>(open, left);
        if (!opened) {
            why = within(read_only ? m_options.call_timeout : m_options.connect_timeout) + " (daemon hung?)";
            break;
        }
        if (opened->ok()) {
            m_connection = opened->value();
            return m_connection;
        }
        why = opened->error().message;
        if (read_only) break;
        std::this_thread::sleep_for(std::min(m_options.retry_interval, left));
    }
    return common::make_error("connecting to " + uri + (read_only ? " (read-only)" : "") + ": " + why);
}

common::Result<checks::LibvirtObject> LibvirtAdmin::observe(const std::string& network) {
    auto opened = connection();
    if (!opened) return opened.error();
    Connection connection = opened.value();
    using Observed = common::Result<checks::LibvirtObject>;
    auto observed = common::call_with_deadline<Observed>(
        [connection, network]() -> Observed {
            checks::LibvirtObject object;
            Network found(vir().virNetworkLookupByName(connection.get(), network.c_str()));
            if (!found) {
                if (no_such_network()) return object;
                return common::make_error("looking up libvirt network " + network + ": " + last_error());
            }
            object.defined = true;
            const int active = vir().virNetworkIsActive(found.get());
            int autostart = 0;
            if (active < 0 || vir().virNetworkGetAutostart(found.get(), &autostart) < 0)
                return common::make_error("reading the state of libvirt network " + network + ": " + last_error());
            object.active = active == 1;
            object.autostart = autostart != 0;
            return object;
        },
        m_options.call_timeout);
    if (!observed) return common::make_error("reading libvirt network " + network + ": " + within(m_options.call_timeout));
    return std::move(*observed);
}

common::Result<std::monostate> LibvirtAdmin::apply(const std::string& network, provision::NetworkAction action) {
    const std::string what = doing(action) + " libvirt network " + network;
    if (m_options.read_only) return common::make_error(what + ": the connection is read-only");
    auto opened = connection();
    if (!opened) return common::make_error(what + ": " + opened.error().message);
    Connection connection = opened.value();
    auto done = common::call_with_deadline<Done>(
        [connection, network, action, what]() -> Done {
            Network found(vir().virNetworkLookupByName(connection.get(), network.c_str()));
            if (!found) return common::make_error(what + ": " + last_error());
            int rc = 0;
            switch (action) {
            case provision::NetworkAction::destroy: rc = vir().virNetworkDestroy(found.get()); break;
            case provision::NetworkAction::disable_autostart: rc = vir().virNetworkSetAutostart(found.get(), 0); break;
            case provision::NetworkAction::undefine: rc = vir().virNetworkUndefine(found.get()); break;
            }
            if (rc < 0) return common::make_error(what + ": " + last_error());
            return std::monostate{};
        },
        m_options.change_timeout);
    if (!done) return common::make_error(what + ": " + within(m_options.change_timeout));
    return std::move(*done);
}

}  // namespace host::libvirt
