#include "host/files/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/unique_fd.h"

namespace host::files {
namespace {

constexpr std::size_t k_max_size = 16 * 1024 * 1024;  // configuration files; anything larger is not ours

std::string failure(std::string_view what, const std::filesystem::path& path, int err) {
    return std::string(what) + " " + path.string() + ": " + std::strerror(err);
}

struct Existing {
    std::string content;
    unsigned mode = 0;
};

// The regular file at `path`, nullopt when there is none; an error for anything else (a symlink, a directory:
// not something we replace).
common::Result<std::optional<Existing>> read_existing(const std::filesystem::path& path) {
    common::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        if (errno == ENOENT) return std::optional<Existing>{};
        if (errno == ELOOP) return common::make_error("refusing to replace " + path.string() + ": it is a symlink");
        return common::make_error(failure("cannot read", path, errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return common::make_error(failure("cannot stat", path, errno));
    if (!S_ISREG(st.st_mode))
        return common::make_error("refusing to replace " + path.string() + ": not a regular file");
    if (static_cast<std::size_t>(st.st_size) > k_max_size)
        return common::make_error("refusing to replace " + path.string() + ": larger than 16 MiB");
    Existing existing;
    existing.mode = st.st_mode & 07777;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            return common::make_error(failure("cannot read", path, errno));
        }
        if (n == 0) break;
        existing.content.append(buffer, static_cast<std::size_t>(n));
        if (existing.content.size() > k_max_size)
            return common::make_error("refusing to replace " + path.string() + ": larger than 16 MiB");
    }
    return std::optional<Existing>(std::move(existing));
}

common::Result<std::monostate> sync_directory(const std::filesystem::path& dir) {
    common::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return common::make_error(failure("cannot open directory", dir, errno));
    if (::fsync(fd.get()) != 0) return common::make_error(failure("cannot sync directory", dir, errno));
    return std::monostate{};
}

// The directories of `dir` below `root`, made where missing, each new one made durable in its parent (a crash
// must not lose the directory that holds a file we reported written). Under a root other than "/" (files for
// another system, a test's tree) a symlink on the way is refused: it could lead the write out of that root. On
// the live host the directories are root's own, and a link there is root's choice.
common::Result<std::monostate> make_directories(const std::filesystem::path& root, const std::filesystem::path& dir,
                                                unsigned mode) {
    auto base = root.lexically_normal();
    if (base.has_relative_path() && base.filename().empty()) base = base.parent_path();  // "/srv/root/"
    const bool confined = base != "/";
    const auto relative = dir.lexically_normal().lexically_relative(base);
    // The root itself is the caller's choice (a test's tree may not exist yet): made as given.
    std::filesystem::path built;
    for (const auto& part : base) {
        built /= part;
        if (::mkdir(built.c_str(), mode) != 0 && errno != EEXIST)
            return common::make_error(failure("cannot create directory", built, errno));
    }
    for (const auto& part : relative) {
        if (part.empty() || part == ".") continue;
        if (part == "..") return common::make_error("refusing to write under " + dir.string() + ": it leaves " + root.string());
        built /= part;
        struct stat st {};
        if (::lstat(built.c_str(), &st) == 0) {
            if (S_ISDIR(st.st_mode)) continue;
            if (S_ISLNK(st.st_mode) && !confined) continue;
            return common::make_error("refusing to write under " + built.string() + ": " +
                                      (S_ISLNK(st.st_mode) ? "it is a symlink" : "not a directory"));
        }
        if (errno != ENOENT) return common::make_error(failure("cannot stat", built, errno));
        if (::mkdir(built.c_str(), mode) != 0 && errno != EEXIST)
            return common::make_error(failure("cannot create directory", built, errno));
        if (auto synced = sync_directory(built.parent_path()); !synced) return synced.error();
    }
    return std::monostate{};
}

std::filesystem::path temporary_for(const std::filesystem::path& path) {
    return path.parent_path() / ("." + path.filename().string() + ".kvm-agent-tmp");
}

// Temporary file, fsync, rename, fsync the directory: after a crash the target is the old or the new file.
common::Result<std::monostate> replace_atomically(const std::filesystem::path& root, const std::filesystem::path& path,
                                                  std::string_view content, unsigned mode, unsigned directory_mode,
                                                  const std::filesystem::path& temporary_path = {}) {
    const auto dir = path.parent_path();
    if (auto made = make_directories(root, dir, directory_mode); !made) return made.error();
    const auto temporary = temporary_path.empty() ? temporary_for(path) : temporary_path;
    // A temporary left by a crash is stale: nobody else writes our files (the agent holds its run lock).
    if (::unlink(temporary.c_str()) != 0 && errno != ENOENT)
        return common::make_error(failure("cannot remove the stale", temporary, errno));
    common::UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) return common::make_error(failure("cannot create", temporary, errno));
    auto fail = [&](std::string message) -> common::Result<std::monostate> {
        ::unlink(temporary.c_str());
        return common::make_error(std::move(message));
    };
    // fchmod, not the open mode: the umask must not decide a keyfile's permissions.
    if (::fchmod(fd.get(), mode) != 0) return fail(failure("cannot set the mode of", temporary, errno));
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail(failure("cannot write", temporary, errno));
        }
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return fail(failure("cannot sync", temporary, errno));
    if (::close(fd.release()) != 0) return fail(failure("cannot close", temporary, errno));
    if (::rename(temporary.c_str(), path.c_str()) != 0) return fail(failure("cannot rename over", path, errno));
    return sync_directory(dir);
}

common::Result<std::monostate> unlink_durably(const std::filesystem::path& path) {
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return std::monostate{};
        return common::make_error(failure("cannot remove", path, errno));
    }
    return sync_directory(path.parent_path());
}

}  // namespace

common::Result<std::monostate> publish_file(const std::filesystem::path& path, std::string_view content, unsigned mode) {
    const auto temporary =
        path.parent_path() / ("." + path.filename().string() + "." + std::to_string(::getpid()) + ".tmp");
    return replace_atomically("/", path, content, mode, 0755, temporary);
}

std::string_view to_string(FileAction action) {
    switch (action) {
    case FileAction::unchanged: return "unchanged";
    case FileAction::created: return "created";
    case FileAction::replaced: return "replaced";
    case FileAction::removed: return "removed";
    }
    return "?";
}

AtomicFiles::AtomicFiles(std::filesystem::path root, std::string backup_dir)
    : m_root(std::move(root)), m_backup_dir(std::move(backup_dir)) {}

std::filesystem::path AtomicFiles::resolve(std::string_view host_path) const {
    while (!host_path.empty() && host_path.front() == '/') host_path.remove_prefix(1);
    return m_root / std::filesystem::path(host_path);
}

std::string AtomicFiles::backup_path(std::string_view host_path) const {
    std::string path = m_backup_dir;
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (host_path.empty() || host_path.front() != '/') path += '/';
    return path + std::string(host_path);
}

common::Result<FileChange> AtomicFiles::write(std::string_view host_path, std::string_view content, unsigned mode) {
    const auto path = resolve(host_path);
    auto existing = read_existing(path);
    if (!existing) return existing.error();
    FileChange change{std::string(host_path), FileAction::created, ""};
    if (const auto& old = existing.value()) {
        if (old->content == content && old->mode == mode) return FileChange{std::string(host_path), FileAction::unchanged, ""};
        change.action = FileAction::replaced;
        change.backup = backup_path(host_path);
        if (auto saved = replace_atomically(m_root, resolve(change.backup), old->content, old->mode, 0700); !saved)
            return common::make_error("backing up " + std::string(host_path) + ": " + saved.error().message);
    }
    if (auto written = replace_atomically(m_root, path, content, mode, 0755); !written) return written.error();
    return change;
}

common::Result<std::optional<AtomicFiles::Current>> AtomicFiles::read(std::string_view host_path) const {
    auto existing = read_existing(resolve(host_path));
    if (!existing) return existing.error();
    if (!existing.value()) return std::optional<Current>{};
    return std::optional<Current>{Current{std::move(existing.value()->content), existing.value()->mode}};
}

common::Result<FileChange> AtomicFiles::remove(std::string_view host_path) {
    const auto path = resolve(host_path);
    auto existing = read_existing(path);
    if (!existing) return existing.error();
    if (!existing.value()) return FileChange{std::string(host_path), FileAction::unchanged, ""};
    FileChange change{std::string(host_path), FileAction::removed, backup_path(host_path)};
    const auto& old = *existing.value();
    if (auto saved = replace_atomically(m_root, resolve(change.backup), old.content, old.mode, 0700); !saved)
        return common::make_error("backing up " + std::string(host_path) + ": " + saved.error().message);
    if (auto removed = unlink_durably(path); !removed) return removed.error();
    return change;
}

common::Result<FileChange> AtomicFiles::restore(const FileChange& change) {
    const auto path = resolve(change.path);
    switch (change.action) {
    case FileAction::unchanged: return FileChange{change.path, FileAction::unchanged, ""};
    case FileAction::created: {
        auto existing = read_existing(path);
        if (!existing) return existing.error();
        if (!existing.value()) return FileChange{change.path, FileAction::unchanged, ""};
        if (auto removed = unlink_durably(path); !removed) return removed.error();
        return FileChange{change.path, FileAction::removed, ""};
    }
    case FileAction::replaced:
    case FileAction::removed: break;
    }
    auto backup = read_existing(resolve(change.backup));
    if (!backup) return backup.error();
    if (!backup.value())
        return common::make_error("cannot restore " + change.path + ": its backup " + change.backup + " is missing");
    auto existing = read_existing(path);
    if (!existing) return existing.error();
    const auto action = existing.value() ? FileAction::replaced : FileAction::created;
    // Written in place, not renamed from the backup tree: the file gets its directory's SELinux label.
    if (auto written = replace_atomically(m_root, path, backup.value()->content, backup.value()->mode, 0755); !written)
        return common::make_error("restoring " + change.path + ": " + written.error().message);
    return FileChange{change.path, action, ""};
}

}  // namespace host::files
