#pragma once
// Filesystems on block devices: make one (mkfs, exec'd), mount one (mount(2)), read the mounts table.
#include <chrono>
#include <string>
#include <vector>

#include "checks/parsers/mounts.h"
#include "common/host_root.h"
#include "common/result.h"

namespace host::storage {

// mkfs.xfs or mkfs.ext4 on `node` (host/exec: argv, timeout, captured output), without force: the program
// refuses a device it sees a signature on too. An error names the program, the device and its last output.
common::Result<bool> make_filesystem(const std::string& node, const std::string& fstype, std::chrono::seconds timeout);

// mount(2) of `node` (filesystem `fstype`, default options) at `path`.
common::Result<bool> mount_filesystem(const std::string& node, const std::string& path, const std::string& fstype);

// /proc/self/mounts under `root`, through the checks parser (the table findmnt reads, in the fstab format).
common::Result<std::vector<checks::MountEntry>> read_mounts(const common::HostRoot& root);

}  // namespace host::storage
