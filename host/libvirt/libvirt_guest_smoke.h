#pragma once
// GuestBooter over the libvirt C API: boots the smoke guest as a transient domain and removes everything it made.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "host/live_services.h"

namespace host::libvirt {

struct GuestSmokeSettings {
    std::string uri = "qemu:///system";
    std::string guest_kernel;                       // the smoke guest (smoke_guest/)
    std::string console_dir = "/var/log/libvirt/qemu";  // where QEMU writes the guest's console, beside its log
    // The lock one smoke run holds, so that the next one's removal of leftovers never takes a live run's objects.
    std::function<common::Result<std::string>()> lock_file;
    std::chrono::milliseconds call_timeout{10000};  // each libvirt call
    std::chrono::milliseconds boot_timeout{60000};  // from the vCPU's start to the guest's console line
};

class LibvirtGuestSmoke : public GuestBooter {
public:
    explicit LibvirtGuestSmoke(GuestSmokeSettings settings);
    checks::Fact<checks::GuestSmokeFacts> boot_smoke_guest(const std::string& pool,
                                                           const std::vector<std::string>& bridges) override;

private:
    GuestSmokeSettings m_settings;
};

}  // namespace host::libvirt
