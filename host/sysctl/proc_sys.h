#pragma once
// The kernel's parameters under /proc/sys and the sysctl files that set them at boot, read and written through
// a root ("/" on the live host; a temporary tree in tests).
#include <map>
#include <string>
#include <string_view>

#include "common/host_root.h"
#include "common/result.h"
#include "provision/sysctl.h"

namespace host::sysctl {

// For each wanted key its running value, then every sysctl file that exists in systemd-sysctl's order, and
// 90-kvm-host.conf. An error names the file that could not be read.
common::Result<provision::SysctlObserved> observe(const common::HostRoot& root,
                                                  const std::map<std::string, std::string>& wanted);

// Writes `value` to the key's /proc/sys file and reads it back; returns what the kernel now reports. An error
// names the key, the file and why ("setting net.ipv4.ip_forward: writing /proc/sys/...: Permission denied").
common::Result<std::string> write_value(const common::HostRoot& root, const std::string& key, std::string_view value);

}  // namespace host::sysctl
