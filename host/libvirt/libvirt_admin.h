#pragma once
// The write side of the libvirt C API for the provisioning steps: libvirt's networks over a connection to the
// system QEMU driver. Read-only for `kvm-agent plan` (one attempt), read-write for apply, where a daemon this
// run has just started may take a few attempts to accept it. Every call is bounded; the doctor's read side is
// LibvirtHypervisor (libvirt_hypervisor.h).
#include <chrono>
#include <memory>
#include <string>

#include "provision/libvirt_plan.h"

struct _virConnect;

namespace host::libvirt {

struct LibvirtAdminOptions {
    std::string uri = "qemu:///system";
    bool read_only = false;
    std::chrono::milliseconds call_timeout{2000};      // a query
    std::chrono::milliseconds change_timeout{60000};   // a change: tearing a network down rewrites firewall rules
    // Read-write: connecting is tried again until this has passed (a daemon just started probes its hypervisor
    // before it accepts clients); read-only: one attempt within call_timeout.
    std::chrono::milliseconds connect_timeout{60000};
    std::chrono::milliseconds retry_interval{500};
};

class LibvirtAdmin final : public provision::NetworkControl {
public:
    explicit LibvirtAdmin(LibvirtAdminOptions options);
    ~LibvirtAdmin() override;

    common::Result<checks::LibvirtObject> observe(const std::string& network) override;
    common::Result<std::monostate> apply(const std::string& network, provision::NetworkAction action) override;

private:
    common::Result<std::shared_ptr<_virConnect>> connection();

    LibvirtAdminOptions m_options;
    std::shared_ptr<_virConnect> m_connection;  // shared: a call abandoned at its deadline still holds it
};

}  // namespace host::libvirt
