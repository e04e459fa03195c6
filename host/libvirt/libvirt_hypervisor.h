#pragma once
// Hypervisor over the libvirt C API: a read-only connection, every call bounded.
#include <string>

#include "host/live_services.h"

namespace host::libvirt {

class LibvirtHypervisor : public Hypervisor {
public:
    explicit LibvirtHypervisor(std::string uri);
    checks::Fact<checks::LibvirtFacts> inspect(const std::string& pool_name) override;

private:
    std::string m_uri;
};

}  // namespace host::libvirt
