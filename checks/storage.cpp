// Storage checks on the images directory: space, mount at boot, SELinux label.
#include <algorithm>

#include "checks/catalogue.h"
#include "checks/judges.h"
#include "common/text.h"

namespace checks {
namespace {

bool is_mount_point(const ImagesDirFacts& dir) { return dir.mount && dir.mount->target == dir.path; }

// A rule's expression with its escapes taken out: "/srv/vm\.images(/.*)?" reads "/srv/vm.images(/.*)?".
std::string unescaped(std::string_view expression) {
    std::string out;
    for (std::size_t i = 0; i < expression.size(); ++i) {
        if (expression[i] == '\\' && i + 1 < expression.size()) ++i;
        out += expression[i];
    }
    return out;
}

// A file_contexts.local rule for exactly this directory: "/srv/vm(/.*)?" or "/srv/vm", not "/srv/vm-old"; its
// regex operators escaped or not.
bool has_fcontext_rule(const std::string& rules, const std::string& path) {
    for (auto line : common::lines(rules)) {
        const auto fields = common::split_whitespace(line);
        if (fields.empty() || fields[0].front() == '#') continue;
        const auto expression = unescaped(fields[0]);
        if (expression == path || (expression.starts_with(path) && expression[path.size()] == '(')) return true;
    }
    return false;
}

}  // namespace

Outcome judge_storage_images_space(const HostFacts& facts, const Expectations* expectations) {
    const auto& fact = facts.images_dir();
    if (!fact.has_value()) return missing_fact(fact);
    const ImagesDirFacts& dir = fact.value();
    const ExpectedImages* profile = expected_images(expectations);
    if (!dir.exists)
        return warn(dir.path + " does not exist",
                    profile ? apply_fix(*expectations, "storage")
                            : "mkdir -p " + dir.path + " (libvirt creates it when installed), or kvm-agent apply with a "
                              "storage: section");
    if (!dir.available_bytes || !dir.total_bytes) return error("free space of " + dir.path + " unreadable");
    const std::string on = dir.mount ? dir.mount->target : "?";
    const std::string evidence = common::human_bytes(*dir.available_bytes) + " free of " +
                                 common::human_bytes(*dir.total_bytes) + " on " + on + " (" + dir.path + ")";
    const std::string own_fs_fix = "give " + dir.path + " a filesystem of its own: mkfs.xfs /dev/DISK, mount it "
                                   "there and add it to /etc/fstab (or kvm-agent apply with storage.images)";
    const std::uint64_t min_free = profile ? profile->min_free_bytes : k_default_images_min_free;
    const std::string minimum = common::human_bytes(min_free) + (profile ? " the profile's min-free" : " minimum");
    if (*dir.available_bytes < min_free)
        return fail(evidence + ", below the " + minimum, "free space there, or " + own_fs_fix);
    if (on == "/") {
        // A profile that names no device keeps the images where they are, on purpose.
        if (profile && !profile->own_filesystem)
            return pass(evidence + ": on the root filesystem, as the profile's storage.images has no device");
        if (profile) return warn(evidence + ": the profile's device is not mounted there", apply_fix(*expectations, "storage"));
        return warn(evidence + ": on the root filesystem, where growing guest disks can fill the host's own disk",
                    own_fs_fix);
    }
    return pass(evidence);
}

Outcome judge_storage_mount_persistent(const HostFacts& facts, const Expectations* expectations) {
    const auto& fact = facts.images_dir();
    if (!fact.has_value()) return missing_fact(fact);
    const ImagesDirFacts& dir = fact.value();
    if (!dir.exists) return skip(dir.path + " does not exist (see storage.images-space)");
    if (!is_mount_point(dir))
        return pass(dir.path + " is not a separate mount (it lives on " + (dir.mount ? dir.mount->target : "?") + ")");
    const auto& persistence = facts.mount_persistence();
    if (!persistence.has_value()) return missing_fact(persistence);
    const auto& mount = *dir.mount;
    const std::string evidence = dir.path + " is mounted from " + mount.source + " (" + mount.fstype + ")";
    if (std::any_of(persistence->fstab.begin(), persistence->fstab.end(),
                    [&](const MountEntry& entry) { return entry.target == dir.path && mounts_at_boot(entry); }))
        return pass(evidence + ", in /etc/fstab");
    const std::string unit = mount_unit_name(dir.path);
    if (persistence->mount_units.count(unit)) return pass(evidence + ", by " + unit);
    return fail(evidence + " but is in neither /etc/fstab nor a mount unit: after a reboot it is not mounted and "
                           "autostart guests do not start",
                expected_images(expectations) && expected_images(expectations)->own_filesystem
                    ? apply_fix(*expectations, "storage")
                    : "echo \"UUID=$(blkid -s UUID -o value " + mount.source + ") " + dir.path + " " + mount.fstype +
                          " defaults 0 0\" >> /etc/fstab && mount -a (or kvm-agent apply with storage.images)");
}

Outcome judge_storage_selinux_context(const HostFacts& facts, const Expectations* expectations) {
    const auto& selinux = facts.selinux();
    if (!selinux.has_value()) return missing_fact(selinux);
    if (!selinux->enabled) return skip("SELinux is not enabled on this host");
    const auto& fact = facts.images_dir();
    if (!fact.has_value()) return missing_fact(fact);
    const ImagesDirFacts& dir = fact.value();
    if (!dir.exists) return skip(dir.path + " does not exist (see storage.images-space)");
    const ExpectedImages* profile = expected_images(expectations);
    const std::string type = profile ? profile->selinux_type : "virt_image_t";
    const std::string fix = profile ? apply_fix(*expectations, "storage")
                                    : "semanage fcontext -a -t " + type + " '" + dir.path + "(/.*)?' && restorecon -Rv " +
                                          dir.path;
    const std::string mode = selinux->enforcing ? "enforcing" : "permissive";
    if (dir.selinux_label.find(":" + type + ":") == std::string::npos) {
        const std::string evidence = dir.path + " is labelled " +
                                     (dir.selinux_label.empty() ? std::string("(unreadable)") : dir.selinux_label) +
                                     ", not " + type + " (SELinux " + mode + ")";
        if (selinux->enforcing) return fail(evidence + ": QEMU gets \"Permission denied\" opening disks", fix);
        return warn(evidence + ": guests fail once SELinux enforces", fix);
    }
    // The stock policy labels the default directory; anywhere else needs a local rule to survive a relabel.
    if (dir.path != k_default_images_dir && !has_fcontext_rule(selinux->local_fcontext_rules, dir.path))
        return warn(dir.path + " is labelled " + type + " but no fcontext rule says so: a relabel resets it", fix);
    return pass(dir.path + " labelled " + dir.selinux_label + " (SELinux " + mode + ")");
}

}  // namespace checks
