#include "common/host_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <memory>
#include <utility>

// openat2 came with Linux 5.6; older kernel headers (RHEL 8's) lack it, and the walk below stands in for it.
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#else
struct open_how {
    std::uint64_t flags;
    std::uint64_t mode;
    std::uint64_t resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

namespace common {
namespace {

// The kernel's MAXSYMLINKS: how many links one path may go through before ELOOP.
constexpr int k_max_symlinks = 40;

std::atomic<bool> g_force_path_walk{false};
std::atomic<bool> g_force_reopen_by_path{false};
std::atomic<bool> g_kernel_lacks_openat2{false};

std::string describe_errno(std::string_view what, std::string_view path, int err) {
    return std::string(what) + " " + std::string(path) + ": " + std::strerror(err);
}

// An owned descriptor, or the errno of the call that failed to make one.
class FdOrErrno {
public:
    static FdOrErrno adopt(long fd) { return fd >= 0 ? FdOrErrno(static_cast<int>(fd)) : failure(errno); }
    static FdOrErrno failure(int err) {
        FdOrErrno fd;
        fd.m_fd = -err;
        return fd;
    }
    FdOrErrno() = default;
    FdOrErrno(FdOrErrno&& other) noexcept : m_fd(std::exchange(other.m_fd, -EBADF)) {}
    FdOrErrno& operator=(FdOrErrno&& other) noexcept {
        if (this != &other) {
            reset();
            m_fd = std::exchange(other.m_fd, -EBADF);
        }
        return *this;
    }
    FdOrErrno(const FdOrErrno&) = delete;
    FdOrErrno& operator=(const FdOrErrno&) = delete;
    ~FdOrErrno() { reset(); }

    bool ok() const { return m_fd >= 0; }
    int get() const { return m_fd; }
    int error() const { return m_fd < 0 ? -m_fd : 0; }
    int release() { return std::exchange(m_fd, -EBADF); }

private:
    explicit FdOrErrno(int fd) : m_fd(fd) {}
    void reset() {
        if (m_fd >= 0) {
            const int saved = errno;
            ::close(m_fd);
            errno = saved;
        }
        m_fd = -EBADF;
    }
    int m_fd = -EBADF;
};

std::string relative_to_root(std::string_view host_path) {
    while (!host_path.empty() && host_path.front() == '/') host_path.remove_prefix(1);
    return std::string(host_path);
}

// The names along a path, without the empty and "." ones (which change nothing).
std::deque<std::string> components(std::string_view path) {
    std::deque<std::string> names;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto end = path.find('/', start);
        if (end == std::string_view::npos) end = path.size();
        const auto name = path.substr(start, end - start);
        if (!name.empty() && name != ".") names.emplace_back(name);
        start = end + 1;
    }
    return names;
}

FdOrErrno open_with_openat2(int root_fd, const std::string& relative, int flags) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    // EAGAIN: a rename or mount elsewhere raced the ".." handling; the kernel asks for a retry.
    for (int attempt = 0;; ++attempt) {
        const long fd = ::syscall(SYS_openat2, root_fd, relative.empty() ? "." : relative.c_str(), &how, sizeof how);
        if (fd >= 0 || errno != EAGAIN || attempt == 8) return FdOrErrno::adopt(fd);
    }
}

// What openat2(RESOLVE_IN_ROOT) does, for kernels before 5.6: one component at a time, each opened O_PATH |
// O_NOFOLLOW; a symlink's target is resolved here, an absolute one from the root; ".." steps back along the
// directories walked (never the filesystem's own ".."), so it stops at the root and a directory renamed
// mid-walk cannot lead out.
FdOrErrno walk_in_root(int root_fd, std::string_view relative, int flags) {
    const bool follow_last = !(flags & O_NOFOLLOW);
    std::vector<FdOrErrno> walked;  // the directories below the root that lead to where the walk is
    const auto here = [&] { return walked.empty() ? root_fd : walked.back().get(); };
    std::deque<std::string> pending = components(relative);
    int links_followed = 0;
    while (!pending.empty()) {
        const std::string name = std::move(pending.front());
        pending.pop_front();
        if (name == "..") {
            if (!walked.empty()) walked.pop_back();
            continue;
        }
        const bool last = pending.empty();
        FdOrErrno node = FdOrErrno::adopt(::openat(here(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!node.ok()) return node;
        struct stat st {};
        if (::fstat(node.get(), &st) != 0) return FdOrErrno::failure(errno);
        if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
            if (++links_followed > k_max_symlinks) return FdOrErrno::failure(ELOOP);
            char target[PATH_MAX];
            const ssize_t n = ::readlinkat(node.get(), "", target, sizeof target);
            if (n < 0) return FdOrErrno::failure(errno);
            if (n == 0) return FdOrErrno::failure(ENOENT);
            if (static_cast<std::size_t>(n) == sizeof target) return FdOrErrno::failure(ENAMETOOLONG);
            if (target[0] == '/') walked.clear();
            auto expanded = components(std::string_view(target, static_cast<std::size_t>(n)));
            pending.insert(pending.begin(), expanded.begin(), expanded.end());
            continue;
        }
        if (last) return FdOrErrno::adopt(::openat(here(), name.c_str(), flags | O_NOFOLLOW));
        if (!S_ISDIR(st.st_mode)) return FdOrErrno::failure(ENOTDIR);
        walked.push_back(std::move(node));
    }
    // The path ends at a directory already walked: the root itself, or where a ".." led.
    return FdOrErrno::adopt(::openat(here(), ".", flags & ~O_NOFOLLOW));
}

// Opens host_path with `flags` (O_NOFOLLOW: the last component is not followed). Under an offline root the
// whole resolution stays inside it, as in a chroot: an absolute symlink starts again at the root and ".."
// stops there. Every open that is not O_PATH is O_NONBLOCK so a FIFO cannot hang it.
FdOrErrno open_in(const HostRoot& root, std::string_view host_path, int flags) {
    flags |= O_CLOEXEC;
    if (!(flags & O_PATH)) flags |= O_NONBLOCK | O_NOCTTY;
    const std::string relative = relative_to_root(host_path);
    if (root.is_live()) return FdOrErrno::adopt(::open(("/" + relative).c_str(), flags));
    FdOrErrno root_fd = FdOrErrno::adopt(::open(root.root().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd.ok()) return root_fd;
    if (!g_force_path_walk && !g_kernel_lacks_openat2) {
        FdOrErrno fd = open_with_openat2(root_fd.get(), relative, flags);
        if (fd.ok() || (fd.error() != ENOSYS && fd.error() != EPERM)) return fd;
        // EPERM: a seccomp filter older than openat2 (older container runtimes); the walk is as confined.
        if (fd.error() == ENOSYS) g_kernel_lacks_openat2 = true;
    }
    return walk_in_root(root_fd.get(), relative, flags);
}

// Resolves host_path to an O_PATH descriptor and fstats it: the type is known before anything is opened.
FdOrErrno locate(const HostRoot& root, std::string_view host_path, struct stat& st, int extra_flags = 0) {
    FdOrErrno fd = open_in(root, host_path, O_PATH | extra_flags);
    if (fd.ok() && ::fstat(fd.get(), &st) != 0) return FdOrErrno::failure(errno);
    return fd;
}

// Opens what `located` refers to for reading. Through /proc/self/fd it is the very inode whose type was
// checked; without /proc the path is resolved again, and anything but that inode is refused.
FdOrErrno reopen_for_reading(const HostRoot& root, std::string_view host_path, const FdOrErrno& located,
                      const struct stat& checked, int extra_flags = 0) {
    const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    if (!g_force_reopen_by_path) {
        const std::string proc_path = "/proc/self/fd/" + std::to_string(located.get());
        FdOrErrno fd = FdOrErrno::adopt(::open(proc_path.c_str(), flags));
        if (fd.ok() || fd.error() != ENOENT) return fd;
    }
    FdOrErrno fd = open_in(root, host_path, flags | extra_flags);
    if (!fd.ok()) return fd;
    struct stat now {};
    if (::fstat(fd.get(), &now) != 0) return FdOrErrno::failure(errno);
    if (now.st_dev != checked.st_dev || now.st_ino != checked.st_ino) return FdOrErrno::failure(ESTALE);
    return fd;
}

// The parent directory and the last name of a host path; the name is empty for "/".
std::pair<std::string, std::string> split_last(std::string_view host_path) {
    while (host_path.size() > 1 && host_path.back() == '/') host_path.remove_suffix(1);
    const auto slash = host_path.rfind('/');
    if (slash == std::string_view::npos) return {"/", std::string(host_path)};
    const std::string name(host_path.substr(slash + 1));
    return {std::string(host_path.substr(0, slash)), name};
}

NodeInfo node_info(const struct stat& st) {
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
    return info;
}

}  // namespace

namespace host_root_testing {
Fallbacks force_fallbacks(Fallbacks fallbacks) {
    return {g_force_path_walk.exchange(fallbacks.path_walk), g_force_reopen_by_path.exchange(fallbacks.reopen_by_path)};
}
}  // namespace host_root_testing

HostRoot::HostRoot(std::filesystem::path root)
    : m_root(std::move(root)), m_live(std::filesystem::path(m_root).lexically_normal() == "/") {}

std::filesystem::path HostRoot::resolve(std::string_view host_path) const {
    return m_root / std::filesystem::path(relative_to_root(host_path));
}

Result<std::string> HostRoot::read_text(std::string_view host_path, std::size_t limit) const {
    struct stat st {};
    const FdOrErrno located = locate(*this, host_path, st);
    if (!located.ok()) return make_error(describe_errno("cannot read", host_path, located.error()));
    // /proc and /sys files are regular files too; a FIFO, socket or device node is never opened.
    if (!S_ISREG(st.st_mode)) return make_error("cannot read " + std::string(host_path) + ": not a regular file");
    const FdOrErrno fd = reopen_for_reading(*this, host_path, located, st);
    if (!fd.ok()) return make_error(describe_errno("cannot read", host_path, fd.error()));

    // /proc and /sys files report size 0, so read until EOF, refusing anything past the limit.
    std::string content;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
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
    struct stat st {};
    const FdOrErrno located = locate(*this, host_path, st);
    if (!located.ok()) return make_error(describe_errno("cannot open", host_path, located.error()));
    // The real /dev/cpu/N/msr is a character device; one under an offline root is only ever a stand-in file.
    const bool live_device = m_live && S_ISCHR(st.st_mode);
    if (!S_ISREG(st.st_mode) && !live_device)
        return make_error("cannot open " + std::string(host_path) +
                          (m_live ? ": not a regular file or character device" : ": not a regular file"));
    const FdOrErrno fd = reopen_for_reading(*this, host_path, located, st);
    if (!fd.ok()) return make_error(describe_errno("cannot open", host_path, fd.error()));
    std::string bytes(length, '\0');
    ssize_t n;
    do {
        n = ::pread(fd.get(), bytes.data(), length, static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return make_error(describe_errno("cannot read", host_path, errno));
    if (static_cast<std::size_t>(n) != length)
        return make_error("short read from " + std::string(host_path) + ": " + std::to_string(n) +
                          " of " + std::to_string(length) + " bytes");
    return bytes;
}

Result<std::optional<NodeInfo>> HostRoot::stat_node(std::string_view host_path) const {
    struct stat st {};
    int err = 0;
    const auto [parent, name] = split_last(host_path);
    if (name.empty() || name == "." || name == "..") {
        // The root, or a directory reached through ".": no symlink to leave unfollowed.
        const FdOrErrno node = locate(*this, host_path, st);
        err = node.error();
    } else {
        // lstat semantics: the parent resolves inside the root, the last name is not followed.
        const FdOrErrno dir = open_in(*this, parent, O_PATH | O_DIRECTORY);
        if (!dir.ok()) err = dir.error();
        else if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) err = errno;
    }
    if (err == ENOENT || err == ENOTDIR) return std::optional<NodeInfo>{};
    if (err != 0) return make_error(describe_errno("cannot stat", host_path, err));
    return std::optional<NodeInfo>{node_info(st)};
}

Result<std::vector<std::string>> HostRoot::list_dir(std::string_view host_path) const {
    // O_DIRECTORY: the kernel refuses anything else before opening it.
    FdOrErrno dir = open_in(*this, host_path, O_RDONLY | O_DIRECTORY);
    if (!dir.ok()) return make_error(describe_errno("cannot list", host_path, dir.error()));
    DIR* stream = ::fdopendir(dir.get());
    if (!stream) return make_error(describe_errno("cannot list", host_path, errno));
    dir.release();
    const std::unique_ptr<DIR, int (*)(DIR*)> closer(stream, &::closedir);
    std::vector<std::string> names;
    while (true) {
        errno = 0;
        const dirent* entry = ::readdir(stream);
        if (!entry) break;
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") names.emplace_back(name);
    }
    if (errno != 0) return make_error(describe_errno("cannot list", host_path, errno));
    std::sort(names.begin(), names.end());
    return names;
}

Result<FsUsage> HostRoot::fs_usage(std::string_view host_path) const {
    const FdOrErrno fd = open_in(*this, host_path, O_PATH);
    struct statvfs st {};
    if (!fd.ok()) return make_error(describe_errno("cannot statvfs", host_path, fd.error()));
    if (::fstatvfs(fd.get(), &st) != 0) return make_error(describe_errno("cannot statvfs", host_path, errno));
    return FsUsage{static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize,
                   static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize};
}

Result<std::string> HostRoot::read_xattr(std::string_view host_path, const char* name) const {
    const auto failed = [&](int err) {
        return make_error(describe_errno(std::string("cannot read ") + name + " of", host_path, err));
    };
    struct stat st {};
    // Like lgetxattr: the last name is not followed.
    const FdOrErrno located = locate(*this, host_path, st, O_NOFOLLOW);
    if (!located.ok()) return failed(located.error());
    char buffer[4096];
    ssize_t n = -1;
    int err = ENOENT;
    if (!g_force_reopen_by_path) {
        // fgetxattr refuses O_PATH descriptors; the /proc/self/fd link reaches the same inode without a path.
        const std::string proc_path = "/proc/self/fd/" + std::to_string(located.get());
        n = ::getxattr(proc_path.c_str(), name, buffer, sizeof buffer - 1);
        err = errno;
    }
    if (n < 0 && err == ENOENT) {
        // No /proc: open the node itself, which is safe only for files and directories.
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return failed(EOPNOTSUPP);
        const FdOrErrno fd = reopen_for_reading(*this, host_path, located, st, O_NOFOLLOW);
        if (!fd.ok()) return failed(fd.error());
        n = ::fgetxattr(fd.get(), name, buffer, sizeof buffer - 1);
        err = errno;
    }
    if (n < 0) return failed(err);
    std::string value(buffer, static_cast<std::size_t>(n));
    while (!value.empty() && value.back() == '\0') value.pop_back();
    return value;
}

bool HostRoot::exists(std::string_view host_path) const {
    auto node = stat_node(host_path);
    return node.ok() && node.value().has_value();
}

}  // namespace common
