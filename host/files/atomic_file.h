#pragma once
// Configuration files the agent writes on the host (NetworkManager keyfiles and the like), replaced so that a
// crash at any moment leaves the old or the new version and never a mix, with the previous version kept so
// a rollback can put it back.
//
// A write goes to a hidden temporary file in the target's directory (".<name>.kvm-agent-tmp": hidden names
// are skipped by NetworkManager's keyfile reader, and the same directory gives it the directory's SELinux
// label), which is fsynced, renamed over the target, and the directory fsynced. The previous version is first
// copied the same way to the backup tree (default /var/lib/kvm-agent/backup/<host path>), where no daemon
// loads configuration from. One backup per path: the version before the latest change.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"

namespace host::files {

inline constexpr std::string_view k_default_backup_dir = "/var/lib/kvm-agent/backup";

enum class FileAction { unchanged, created, replaced, removed };
std::string_view to_string(FileAction action);

// What a write, remove or restore did to one file.
struct FileChange {
    std::string path;  // host path, "/etc/NetworkManager/system-connections/kvm-agent-br0.nmconnection"
    FileAction action = FileAction::unchanged;
    std::string backup;  // host path of the version before (replaced, removed); empty otherwise
};

// A report rewritten on every run (readiness.json, a node_exporter textfile) is replaced the same way, without a
// backup, through a temporary named after this process: kvm-doctor's timer and kvm-agent may publish the same
// metrics file at once, and each must only ever rename a whole file of its own over it. The temporary's name
// (".NAME.PID.tmp") is hidden and does not end in .prom, so the textfile collector never reads it half-written.
common::Result<std::monostate> publish_file(const std::filesystem::path& path, std::string_view content,
                                            unsigned mode = 0644);

class AtomicFiles {
public:
    // Host paths resolve under `root` ("/" on a live host; a temporary directory in tests, a chroot for an
    // offline system). `backup_dir` is a host path too, so it lives under the same root.
    explicit AtomicFiles(std::filesystem::path root = "/", std::string backup_dir = std::string(k_default_backup_dir));

    // Writes `content` with permission bits `mode` (whatever the umask), creating missing directories (0755).
    // The same content and mode already there: unchanged, and the backup is left as it is.
    common::Result<FileChange> write(std::string_view host_path, std::string_view content, unsigned mode = 0600);
    // Removes the file after backing it up; a missing file is unchanged.
    common::Result<FileChange> remove(std::string_view host_path);
    // Undoes `change`: a created file is removed, a replaced or removed one comes back from its backup with
    // its mode. Returns what the restore did to the file.
    common::Result<FileChange> restore(const FileChange& change);

    // The file's content and permission bits now, or nullopt when there is none; the same checks as write()
    // (no symlink, a regular file, at most 16 MiB), touching nothing.
    struct Current {
        std::string content;
        unsigned mode = 0;
    };
    common::Result<std::optional<Current>> read(std::string_view host_path) const;

    std::filesystem::path resolve(std::string_view host_path) const;
    std::string backup_path(std::string_view host_path) const;  // a host path

private:
    std::filesystem::path m_root;
    std::string m_backup_dir;
};

}  // namespace host::files
