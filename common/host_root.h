#pragma once
// HostRoot: the one way the product reads the host's files. Every path under /proc, /sys, /etc, /dev
// and /run goes through it, so `--root DIR` checks an offline or chrooted system and tests point it at a
// fixture tree. Everything read here is untrusted: sizes are capped, binary content is refused. Under an
// offline root every path, symlinks included, resolves inside the root (as in a chroot), and nothing is
// opened for reading before its type is checked: a FIFO or device node planted in the tree cannot hang or
// trigger anything.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace common {

enum class NodeKind { regular, directory, char_device, block_device, symlink, other };

struct NodeInfo {
    NodeKind kind = NodeKind::other;
    unsigned major = 0;
    unsigned minor = 0;
    unsigned mode = 0;  // permission bits only (07777)
    unsigned uid = 0;
    unsigned gid = 0;
};

struct FsUsage {
    std::uint64_t total_bytes = 0;
    std::uint64_t available_bytes = 0;
};

class HostRoot {
public:
    static constexpr std::size_t k_default_limit = 4 * 1024 * 1024;

    explicit HostRoot(std::filesystem::path root = "/");
    virtual ~HostRoot() = default;

    // True when the root is "/": the live services (D-Bus, libvirt, /dev/kvm ioctls) belong to this host.
    bool is_live() const { return m_live; }
    const std::filesystem::path& root() const { return m_root; }
    // Maps an absolute host path ("/proc/cpuinfo") to where it is under the root, lexically: symlinks below
    // it may still point out of the root, so the readers below never open this path directly.
    std::filesystem::path resolve(std::string_view host_path) const;

    // Whole text file; an error names the host path and why (missing, larger than limit, binary).
    virtual Result<std::string> read_text(std::string_view host_path,
                                          std::size_t limit = k_default_limit) const;
    // `length` bytes at `offset` (MSR registers are read this way from /dev/cpu/N/msr).
    virtual Result<std::string> read_bytes_at(std::string_view host_path, std::uint64_t offset,
                                              std::size_t length) const;
    // lstat-like; std::nullopt when the path does not exist.
    virtual Result<std::optional<NodeInfo>> stat_node(std::string_view host_path) const;
    virtual Result<std::vector<std::string>> list_dir(std::string_view host_path) const;
    virtual Result<FsUsage> fs_usage(std::string_view host_path) const;
    virtual Result<std::string> read_xattr(std::string_view host_path, const char* name) const;
    bool exists(std::string_view host_path) const;

private:
    std::filesystem::path m_root;
    bool m_live;
};

// For tests only: an offline root is resolved with openat2(RESOLVE_IN_ROOT) where the kernel has it, and
// with a component-by-component walk otherwise; an O_PATH descriptor is reopened for reading through
// /proc/self/fd, or by resolving the path again where /proc is not mounted. These switches force the
// fallbacks so they are tested on any machine. Not thread-safe against HostRoot calls in flight.
namespace host_root_testing {
struct Fallbacks {
    bool path_walk = false;       // never call openat2
    bool reopen_by_path = false;  // never use /proc/self/fd
};
// Sets the fallbacks every HostRoot takes from now on; returns the previous setting.
Fallbacks force_fallbacks(Fallbacks fallbacks);
}  // namespace host_root_testing

}  // namespace common
