#pragma once
// /proc/cpuinfo → per-CPU flag counts. x86 prints one "processor" block per logical CPU.
#include <string>
#include <string_view>

#include "common/result.h"

namespace checks {

struct CpuInfo {
    int cpus = 0;
    int vmx = 0;  // Intel VT-x
    int svm = 0;  // AMD-V
    int lm = 0;   // 64-bit long mode
    std::string vendor;      // GenuineIntel, AuthenticAMD
    std::string model_name;
};

// An error when no processor block carries a flags line (truncated or not a cpuinfo file).
common::Result<CpuInfo> parse_cpuinfo(std::string_view text);

}  // namespace checks
