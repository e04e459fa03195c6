#include "host/storage/filesystem.h"

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/exec/run_program.h"

namespace host::storage {
namespace {

// Where the distributions put mkfs; a fixed list, never $PATH.
std::string find_mkfs(const std::string& name) {
    for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
        const std::string path = dir + name;
        if (::access(path.c_str(), X_OK) == 0) return path;
    }
    return {};
}

}  // namespace

common::Result<bool> make_filesystem(const std::string& node, const std::string& fstype, std::chrono::seconds timeout) {
    if (fstype != "xfs" && fstype != "ext4") return common::make_error("making a filesystem on " + node + ": unknown type " + fstype);
    const std::string name = "mkfs." + fstype;
    const std::string program = find_mkfs(name);
    if (program.empty())
        return common::make_error("making an " + fstype + " filesystem on " + node + ": " + name + " not found (install " +
                                  (fstype == "xfs" ? "xfsprogs" : "e2fsprogs") + ")");
    host::exec::Program run;
    run.argv = {program, node};
    run.environment = {{"LC_ALL", "C"}};  // its messages in English for the log and our error
    run.timeout = timeout;
    auto ran = host::exec::run_program(run);
    if (!ran) return common::make_error("making an " + fstype + " filesystem on " + node + ": " + ran.error().message);
    if (!ran.value().succeeded())
        return common::make_error(name + " " + node + " " + ran.value().status(run.timeout) + ": " + ran.value().tail(3));
    return true;
}

common::Result<bool> mount_filesystem(const std::string& node, const std::string& path, const std::string& fstype) {
    if (::mount(node.c_str(), path.c_str(), fstype.c_str(), 0, nullptr) != 0)
        return common::make_error("mounting " + node + " (" + fstype + ") at " + path + ": " + std::strerror(errno));
    return true;
}

common::Result<std::vector<checks::MountEntry>> read_mounts(const common::HostRoot& root) {
    auto text = root.read_text("/proc/self/mounts");
    if (!text) return text.error();
    return checks::parse_mount_table(text.value(), "/proc/self/mounts");
}

}  // namespace host::storage
