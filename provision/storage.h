#pragma once
// storage.images: the filesystem guest images live on, as a plan of changes from what the host shows.
// Pure: the host is observed by the caller (host/storage, host/selinux, host/libvirt) into ObservedStorage,
// and converge_storage() drives a StorageOps one change at a time, observing again after each, so every
// change is verified by the next observation and a converged host ends with an empty plan.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "profile/host_sections.h"

namespace provision {

// What libblkid sees on a device (superblocks and partition tables probed together).
enum class DeviceContent { blank, filesystem, partition_table, ambivalent };

struct ObservedDevice {
    std::string spec;  // as the profile names it: "UUID=...", "/dev/disk/by-path/..."
    std::string node;  // the canonical device node it resolves to: "/dev/vdb"
    DeviceContent content = DeviceContent::blank;
    std::string fs_type;          // "xfs" (filesystem)
    std::string fs_uuid;          // the filesystem's UUID (filesystem)
    std::string fs_label;         // may be empty
    std::string partition_table;  // "gpt", "dos" (partition_table)
    std::string signatures;       // what libblkid saw (ambivalent): "xfs, gpt"
    // Every name an fstab or mount line may give this device: the node, its /dev/disk/by-*/ links,
    // UUID=..., LABEL=... (the adapter collects them).
    std::vector<std::string> names;
};

// The topmost mount whose target is the images path (from /proc/self/mounts).
struct ObservedMount {
    std::string source;       // as the kernel shows it: "/dev/vdb"
    std::string source_node;  // canonical node of the source when it is a device, else the source
    std::string fstype;
};

struct ObservedPool {
    bool defined = false;
    std::string type;  // "dir"
    std::string path;  // its target path
    bool active = false;
    bool autostart = false;
};

struct ObservedSelinux {
    bool enabled = false;    // is_selinux_enabled(): a policy is loaded
    std::string rule_type;   // the type the file contexts give the path ("" when none)
    std::string child_type;  // ...and a file under it (path(/.*)? covers both)
    std::string label_type;  // the type the path is labelled with now ("" when unreadable)
};

struct ObservedStorage {
    // Set when the profile names a device: what it resolved to, or why it did not.
    std::optional<ObservedDevice> device;
    std::string device_error;  // "no device with UUID=..." when device is unset but the profile names one

    bool path_exists = false;
    bool path_is_directory = false;
    std::size_t path_entries = 0;  // entries in the directory (what a mount over it would hide)
    std::optional<ObservedMount> mount;

    bool fstab_exists = false;
    std::string fstab;  // /etc/fstab as it is, kept byte for byte but for our line

    ObservedPool pool;                   // the profile's pool, by name
    std::vector<std::string> pools_at_path;  // other pools whose target is the path (libvirt refuses a second)

    ObservedSelinux selinux;

    std::optional<std::uint64_t> available_bytes;  // statvfs of the path
    std::optional<std::uint64_t> total_bytes;
};

enum class ChangeKind {
    create_directory,
    format,
    mount,
    write_fstab,
    add_fcontext_rule,
    restorecon,
    define_pool,
    start_pool,  // build, then start
    autostart_pool,
};

struct Change {
    ChangeKind kind = ChangeKind::create_directory;
    std::string description{};  // one line for the plan and the outcome
    std::string path{};         // the images directory (every kind)
    std::string device{};       // format, mount: the device node
    std::string filesystem{};   // format: the filesystem to make; mount: the one to mount
    std::string fstab{};        // write_fstab: the whole new /etc/fstab
    std::string fcontext{};     // add_fcontext_rule: "path(/.*)?"
    std::string selinux_type{};  // add_fcontext_rule
    std::string pool{};         // define_pool, start_pool, autostart_pool
    std::string pool_xml{};     // define_pool
};

struct StoragePlan {
    std::vector<Change> changes;
    std::vector<std::string> notes;
    // The free space on the path against storage.images.min-free (the doctor's storage.images-space check
    // judges it); empty while the filesystem at the path is still to be made or mounted.
    std::string space_note;
    // What stops the step: nothing is changed while any is present (each names the object and why).
    std::vector<std::string> failures;
};

// The images path as the kernel, fstab and libvirt show it: no trailing or doubled slashes.
std::string normalize_path(std::string_view path);

StoragePlan plan_storage(const profile::ImagesStorage& desired, const ObservedStorage& observed);

// The line we own: "UUID=<uuid> <path, octal-escaped> <fstype> defaults 0 2".
std::string fstab_line(std::string_view uuid, std::string_view path, std::string_view fstype);

// /etc/fstab with exactly one line mounting at `path`: a line there already mounting one of `device_names`
// (filesystem `fstype` or auto, at boot) is kept as it is; otherwise the first line for `path` is replaced
// by `line` (or `line` appended) and later lines for `path` dropped. Every other line stays byte for byte.
struct FstabEdit {
    bool changed = false;
    std::string text;
    std::string description;  // "add to /etc/fstab: ...", "replace in /etc/fstab: ... with ..."
};
FstabEdit edit_fstab(std::string_view text, std::string_view path, const std::vector<std::string>& device_names,
                     std::string_view fstype, std::string_view line);

// <pool type='dir'> XML for a name and a target path, escaped.
std::string dir_pool_xml(std::string_view name, std::string_view path);
// The SELinux file-context rule for the images directory and everything under it: the path with its regex
// operators escaped ("/srv/vm.images" gives "/srv/vm\.images(/.*)?"), since semanage reads a regular expression.
std::string fcontext_expression(std::string_view path);

// The host as converge_storage() sees it. Each call names the operation and the object in its error.
class StorageOps {
public:
    virtual ~StorageOps() = default;
    virtual common::Result<ObservedStorage> observe(const profile::ImagesStorage& desired) = 0;
    // Runs one planned change.
    virtual common::Result<bool> execute(const Change& change) = 0;
};

struct StorageOutcome {
    std::vector<std::string> changed;
    std::vector<std::string> failures;
    std::vector<std::string> notes;
};

// Observe, plan, run the first change, and again, until the plan is empty (verified) or something fails. A
// change planned again right after it ran did not take effect: that is a failure, not a loop.
StorageOutcome converge_storage(const profile::ImagesStorage& desired, StorageOps& ops);

}  // namespace provision
