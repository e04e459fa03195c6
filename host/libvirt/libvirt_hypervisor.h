#pragma once
// Hypervisor over the libvirt C API: a read-only connection, every call bounded.
#include <chrono>
#include <string>

#include "host/live_services.h"

namespace host::libvirt {

class LibvirtHypervisor : public Hypervisor {
public:
    LibvirtHypervisor(std::string uri, std::chrono::milliseconds deadline);
    checks::Fact<checks::LibvirtFacts> inspect(const std::string& pool_name) override;

private:
    std::string m_uri;
    std::chrono::milliseconds m_deadline;
};

}  // namespace host::libvirt
