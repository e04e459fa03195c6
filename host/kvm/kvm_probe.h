#pragma once
// KvmDevice over /dev/kvm's ioctls: create a VM with one vCPU and run real-mode code to HLT.
#include <chrono>
#include <string>

#include "host/live_services.h"

namespace host::kvm {

class KvmProbe : public KvmDevice {
public:
    KvmProbe(std::string device, std::chrono::milliseconds deadline);
    // Runs in a child process so a vCPU that never exits costs only that child, killed at the deadline.
    checks::KvmProbeResult run_probe() override;

private:
    std::string m_device;
    std::chrono::milliseconds m_deadline;
};

}  // namespace host::kvm
