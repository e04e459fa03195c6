#include "common/host_root.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace common {
namespace {

std::string describe_errno(std::string_view what, std::string_view path, int err) {
    return std::string(what) + " " + std::string(path) + ": " + std::strerror(err);
}

struct FdCloser {
    void operator()(const int* fd) const {
        if (fd && *fd >= 0) ::close(*fd);
        delete fd;
    }
};
using UniqueFd = std::unique_ptr<int, FdCloser>;

}  // namespace

HostRoot::HostRoot(std::filesystem::path root)
    : m_root(std::move(root)), m_live(std::filesystem::path(m_root).lexically_normal() == "/") {}

std::filesystem::path HostRoot::resolve(std::string_view host_path) const {
    std::string_view relative = host_path;
    while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    return m_root / std::filesystem::path(relative);
}

Result<std::string> HostRoot::read_text(std::string_view host_path, std::size_t limit) const {
    const auto path = resolve(host_path);
    UniqueFd fd(new int(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)));
    if (*fd < 0) return make_error(describe_errno("cannot read", host_path, errno));
    struct stat st {};
    if (::fstat(*fd, &st) == 0 && !S_ISREG(st.st_mode))
        return make_error("cannot read " + std::string(host_path) + ": not a regular file");

    // /proc and /sys files report size 0, so read until EOF, refusing anything past the limit.
    std::string content;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(*fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(describe_errno("cannot read", host_path, errno));
        }
        if (n == 0) break;
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > limit)
            return make_error(std::string(host_path) + " is larger than " + std::to_string(limit) +
                              " bytes: refusing to parse it");
    }
    if (content.find('\0') != std::string::npos)
        return make_error(std::string(host_path) + " holds binary data (NUL bytes): not a text file");
    return content;
}

Result<std::string> HostRoot::read_bytes_at(std::string_view host_path, std::uint64_t offset,
                                            std::size_t length) const {
    const auto path = resolve(host_path);
    UniqueFd fd(new int(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)));
    if (*fd < 0) return make_error(describe_errno("cannot open", host_path, errno));
    std::string bytes(length, '\0');
    const ssize_t n = ::pread(*fd, bytes.data(), length, static_cast<off_t>(offset));
    if (n < 0) return make_error(describe_errno("cannot read", host_path, errno));
    if (static_cast<std::size_t>(n) != length)
        return make_error("short read from " + std::string(host_path) + ": " + std::to_string(n) +
                          " of " + std::to_string(length) + " bytes");
    return bytes;
}

Result<std::optional<NodeInfo>> HostRoot::stat_node(std::string_view host_path) const {
    const auto path = resolve(host_path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::optional<NodeInfo>{};
        return make_error(describe_errno("cannot stat", host_path, errno));
    }
    NodeInfo info;
    if (S_ISREG(st.st_mode)) info.kind = NodeKind::regular;
    else if (S_ISDIR(st.st_mode)) info.kind = NodeKind::directory;
    else if (S_ISCHR(st.st_mode)) info.kind = NodeKind::char_device;
    else if (S_ISBLK(st.st_mode)) info.kind = NodeKind::block_device;
    else if (S_ISLNK(st.st_mode)) info.kind = NodeKind::symlink;
    info.major = ::major(st.st_rdev);
    info.minor = ::minor(st.st_rdev);
    info.mode = st.st_mode & 07777;
    info.uid = st.st_uid;
    info.gid = st.st_gid;
    return std::optional<NodeInfo>{info};
}

Result<std::vector<std::string>> HostRoot::list_dir(std::string_view host_path) const {
    std::error_code ec;
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator it(resolve(host_path), ec), end; !ec && it != end;
         it.increment(ec))
        names.push_back(it->path().filename().string());
    if (ec) return make_error("cannot list " + std::string(host_path) + ": " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

Result<FsUsage> HostRoot::fs_usage(std::string_view host_path) const {
    struct statvfs st {};
    if (::statvfs(resolve(host_path).c_str(), &st) != 0)
        return make_error(describe_errno("cannot statvfs", host_path, errno));
    return FsUsage{static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize,
                   static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize};
}

Result<std::string> HostRoot::read_xattr(std::string_view host_path, const char* name) const {
    char buffer[4096];
    const ssize_t n = ::lgetxattr(resolve(host_path).c_str(), name, buffer, sizeof buffer - 1);
    if (n < 0) return make_error(describe_errno(std::string("cannot read ") + name + " of", host_path, errno));
    std::string value(buffer, static_cast<std::size_t>(n));
    while (!value.empty() && value.back() == '\0') value.pop_back();
    return value;
}

bool HostRoot::exists(std::string_view host_path) const {
    auto node = stat_node(host_path);
    return node.ok() && node.value().has_value();
}

}  // namespace common
