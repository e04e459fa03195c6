#include "provision/storage.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "checks/parsers/mounts.h"
#include "common/text.h"

namespace provision {
namespace {

using profile::ImagesStorage;

// fstab and the kernel escape these in a field as three octal digits.
std::string octal_escape(std::string_view field) {
    std::string out;
    for (char c : field) {
        if (c == ' ') out += "\\040";
        else if (c == '\t') out += "\\011";
        else if (c == '\n') out += "\\012";
        else if (c == '\\') out += "\\134";
        else out += c;
    }
    return out;
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// A device name as mount(8) reads it: UUID="x" is UUID=x, and UUIDs compare without case.
std::string canonical_source(std::string_view source) {
    const auto equals = source.find('=');
    if (equals == std::string_view::npos || source.front() == '/') return std::string(source);
    std::string tag(source.substr(0, equals));
    std::string_view value = source.substr(equals + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        value = value.substr(1, value.size() - 2);
    const std::string upper_tag = [&] {
        std::string t = tag;
        for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return t;
    }();
    if (upper_tag == "UUID" || upper_tag == "PARTUUID") return upper_tag + "=" + lowercase(value);
    return upper_tag + "=" + std::string(value);
}

bool names_device(std::string_view source, const std::vector<std::string>& names) {
    const auto wanted = canonical_source(source);
    return std::any_of(names.begin(), names.end(),
                       [&](const std::string& name) { return canonical_source(name) == wanted; });
}

// The file's lines, each with its own terminator (the last may have none).
std::vector<std::string_view> lines_with_terminators(std::string_view text) {
    std::vector<std::string_view> pieces;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto newline = text.find('\n', start);
        if (newline == std::string_view::npos) {
            pieces.push_back(text.substr(start));
            break;
        }
        pieces.push_back(text.substr(start, newline - start + 1));
        start = newline + 1;
    }
    return pieces;
}

std::string_view without_terminator(std::string_view piece) {
    while (!piece.empty() && (piece.back() == '\n' || piece.back() == '\r')) piece.remove_suffix(1);
    return piece;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

std::string describe_device(const ObservedDevice& device) {
    return device.node == device.spec ? device.node : device.node + " (" + device.spec + ")";
}

std::string describe_content(const ObservedDevice& device) {
    switch (device.content) {
    case DeviceContent::blank: return "neither a filesystem nor a partition table";
    case DeviceContent::filesystem:
        return "an " + device.fs_type + " filesystem" + (device.fs_uuid.empty() ? "" : " (UUID=" + device.fs_uuid + ")");
    case DeviceContent::partition_table: return "a " + device.partition_table + " partition table";
    case DeviceContent::ambivalent: return "more than one signature (" + device.signatures + ")";
    }
    return "?";
}

// The device part of the plan: make the filesystem, mount it, persist it.
void plan_device(const ImagesStorage& desired, const std::string& path, const ObservedStorage& observed,
                 StoragePlan& plan) {
    if (!observed.device) {
        plan.failures.push_back("storage.images.device " + *desired.device + ": " +
                                (observed.device_error.empty() ? "not found" : observed.device_error));
        return;
    }
    const ObservedDevice& device = *observed.device;
    const std::string name = describe_device(device);
    const bool mounted_here = observed.mount && observed.mount->source_node == device.node;
    if (observed.mount && !mounted_here) {
        plan.failures.push_back(path + " is mounted from " + observed.mount->source + " (" + observed.mount->fstype +
                                "), not from " + name + ": unmount it first, or name that device in "
                                "storage.images.device (nothing is unmounted for you)");
        return;
    }

    std::string fstype = device.fs_type;
    switch (device.content) {
    case DeviceContent::partition_table:
    case DeviceContent::ambivalent:
        // A partitioned disk is not mounted whole, and is never formatted.
        plan.failures.push_back("refused to use " + name + ": libblkid sees " + describe_content(device) +
                                " on it; a device that holds a partition table or a filesystem is never formatted. "
                                "Name one of its partitions (or a filesystem) in storage.images.device");
        return;
    case DeviceContent::blank:
        if (desired.format == ImagesStorage::Format::never) {
            plan.failures.push_back(name + " holds no filesystem (libblkid sees " + describe_content(device) +
                                    ") and storage.images.format is never: make one (mkfs." + desired.filesystem +
                                    " " + device.node + ") or set format: if-blank");
            return;
        }
        fstype = desired.filesystem;
        plan.changes.push_back({.kind = ChangeKind::format,
                                .description = "make an " + desired.filesystem + " filesystem on " + name +
                                               " (libblkid sees neither a filesystem nor a partition table on it)",
                                .path = path,
                                .device = device.node,
                                .filesystem = desired.filesystem});
        break;
    case DeviceContent::filesystem:
        if (!mounted_here && desired.format == ImagesStorage::Format::if_blank)
            plan.notes.push_back("refused to format " + name + ": libblkid sees " + describe_content(device) +
                                 " on it, and format: if-blank formats only a blank device; it is mounted as it is");
        break;
    }

    if (!mounted_here) {
        if (observed.path_entries > 0) {
            plan.failures.push_back(path + " holds " + std::to_string(observed.path_entries) +
                                    " entries that mounting " + name + " over it would hide: move them away first");
            return;
        }
        plan.changes.push_back({.kind = ChangeKind::mount,
                                .description = "mount " + name + " (" + fstype + ") at " + path,
                                .path = path,
                                .device = device.node,
                                .filesystem = fstype,
                                .pool = desired.pool});
    }

    Change persist{.kind = ChangeKind::write_fstab, .path = path};
    if (device.content == DeviceContent::blank) {
        // The UUID exists once the filesystem does: the line is computed after the format, on the next pass.
        persist.description = "add to /etc/fstab: " + fstab_line("<the new filesystem's UUID>", path, fstype);
        plan.changes.push_back(persist);
        return;
    }
    const auto edit = edit_fstab(observed.fstab, path, device.names, fstype, fstab_line(device.fs_uuid, path, fstype));
    if (edit.changed) {
        persist.description = edit.description;
        persist.fstab = edit.text;
        plan.changes.push_back(persist);
    }
}

}  // namespace

std::string fcontext_expression(std::string_view path) {
    std::string expression;
    for (const char c : path) {
        if (std::string_view(".+*?^$()[]{}|\\").find(c) != std::string_view::npos) expression += '\\';
        expression += c;
    }
    return expression + "(/.*)?";
}

namespace {

void plan_selinux(const ImagesStorage& desired, const std::string& path, bool relabel_anyway, const ObservedSelinux& selinux,
                  StoragePlan& plan) {
    if (!selinux.enabled) {
        plan.notes.push_back("SELinux is not enabled: no file-context rule for " + path + " and no relabel");
        return;
    }
    const std::string& type = desired.selinux_type;
    const bool rule_ok = selinux.rule_type == type && selinux.child_type == type;
    const std::string expression = fcontext_expression(path);
    if (!rule_ok)
        plan.changes.push_back({.kind = ChangeKind::add_fcontext_rule,
                                .description = "add the SELinux file-context rule " + quoted(expression) + " " + type +
                                               " (the policy gives " +
                                               (selinux.rule_type.empty() ? "no type" : selinux.rule_type) + " now)",
                                .path = path,
                                .fcontext = expression,
                                .selinux_type = type});
    if (!rule_ok || relabel_anyway || selinux.label_type != type)
        plan.changes.push_back({.kind = ChangeKind::restorecon,
                                .description = "restore the SELinux labels under " + path + " (" + type + "; now " +
                                               (selinux.label_type.empty() ? "unlabelled" : selinux.label_type) + ")",
                                .path = path});
}

void plan_pool(const ImagesStorage& desired, const std::string& path, const ObservedStorage& observed,
               StoragePlan& plan) {
    const auto& pool = observed.pool;
    const std::string name = quoted(desired.pool);
    if (!pool.defined) {
        if (!observed.pools_at_path.empty()) {
            plan.failures.push_back("libvirt pool " + quoted(observed.pools_at_path.front()) + " already has target " +
                                    path + ", and libvirt allows one pool per directory: pool " + name +
                                    " is not defined; name that pool in storage.images.pool");
            return;
        }
        plan.changes.push_back({.kind = ChangeKind::define_pool,
                                .description = "define the libvirt dir pool " + name + " over " + path,
                                .path = path,
                                .pool = desired.pool,
                                .pool_xml = dir_pool_xml(desired.pool, path)});
        plan.changes.push_back({.kind = ChangeKind::start_pool,
                                .description = "build and start the libvirt pool " + name,
                                .path = path,
                                .pool = desired.pool});
        plan.changes.push_back({.kind = ChangeKind::autostart_pool,
                                .description = "autostart the libvirt pool " + name,
                                .path = path,
                                .pool = desired.pool});
        return;
    }
    if (normalize_path(pool.path) != path) {
        plan.failures.push_back("libvirt pool " + name + " has target path " + pool.path + ", not " + path +
                                " (storage.images.path): it is not redefined; undefine it first or name another "
                                "pool in storage.images.pool");
        return;
    }
    if (pool.type != "dir") {
        plan.failures.push_back("libvirt pool " + name + " over " + path + " is a " + pool.type +
                                " pool, not a dir pool: it is left as it is");
        return;
    }
    if (!pool.active)
        plan.changes.push_back({.kind = ChangeKind::start_pool,
                                .description = "build and start the libvirt pool " + name,
                                .path = path,
                                .pool = desired.pool});
    if (!pool.autostart)
        plan.changes.push_back({.kind = ChangeKind::autostart_pool,
                                .description = "autostart the libvirt pool " + name,
                                .path = path,
                                .pool = desired.pool});
}

std::string space_note(const ImagesStorage& desired, const std::string& path, const ObservedStorage& observed) {
    if (!observed.available_bytes || !observed.total_bytes) return {};
    std::string note = common::human_bytes(*observed.available_bytes) + " free of " +
                       common::human_bytes(*observed.total_bytes) + " on " + path + ", storage.images.min-free is " +
                       common::human_bytes(desired.min_free_bytes);
    if (*observed.available_bytes < desired.min_free_bytes) note += ": below it (the storage.images-space check fails)";
    return note;
}

}  // namespace

std::string normalize_path(std::string_view path) {
    std::string out;
    for (char c : path)
        if (c != '/' || out.empty() || out.back() != '/') out += c;
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
}

std::string fstab_line(std::string_view uuid, std::string_view path, std::string_view fstype) {
    return "UUID=" + std::string(uuid) + " " + octal_escape(path) + " " + std::string(fstype) + " defaults 0 2";
}

FstabEdit edit_fstab(std::string_view text, std::string_view path, const std::vector<std::string>& device_names,
                     std::string_view fstype, std::string_view line) {
    const std::string target = normalize_path(path);
    const auto pieces = lines_with_terminators(text);
    std::vector<std::size_t> ours;  // lines mounting something at the path
    std::optional<std::size_t> good;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        // One line at a time through the mounts parser: a malformed line is not ours and stays as it is.
        auto parsed = checks::parse_mount_table(without_terminator(pieces[i]), "/etc/fstab");
        if (!parsed || parsed.value().size() != 1) continue;
        const auto& entry = parsed.value().front();
        if (normalize_path(entry.target) != target) continue;
        ours.push_back(i);
        if (!good && names_device(entry.source, device_names) && (entry.fstype == fstype || entry.fstype == "auto") &&
            checks::mounts_at_boot(entry))
            good = i;
    }
    FstabEdit edit;
    if (ours.size() == 1 && good) {
        edit.text = std::string(text);
        return edit;
    }
    edit.changed = true;
    if (ours.empty()) {
        edit.text = std::string(text);
        if (!edit.text.empty() && edit.text.back() != '\n') edit.text += '\n';
        edit.text += std::string(line) + "\n";
        edit.description = "add to /etc/fstab: " + std::string(line);
        return edit;
    }
    const std::size_t keep = good ? *good : ours.front();
    std::vector<std::string> dropped;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const bool is_ours = std::find(ours.begin(), ours.end(), i) != ours.end();
        if (!is_ours) edit.text += pieces[i];
        else if (i == keep) edit.text += good ? std::string(pieces[i]) : std::string(line) + "\n";
        else dropped.push_back(std::string(without_terminator(pieces[i])));
    }
    if (!good)
        edit.description = "replace in /etc/fstab: " + quoted(without_terminator(pieces[keep])) + " with " + quoted(line);
    if (!dropped.empty()) {
        if (!edit.description.empty()) edit.description += "; ";
        edit.description += "drop from /etc/fstab the other lines mounting at " + target + ": ";
        for (std::size_t i = 0; i < dropped.size(); ++i) edit.description += (i ? ", " : "") + quoted(dropped[i]);
    }
    return edit;
}

std::string dir_pool_xml(std::string_view name, std::string_view path) {
    return "<pool type='dir'>\n  <name>" + common::xml_escape(name) + "</name>\n  <target>\n    <path>" + common::xml_escape(path) +
           "</path>\n  </target>\n</pool>\n";
}

StoragePlan plan_storage(const ImagesStorage& desired, const ObservedStorage& observed) {
    StoragePlan plan;
    const std::string path = normalize_path(desired.path);
    if (!observed.path_exists)
        plan.changes.push_back({.kind = ChangeKind::create_directory, .description = "create " + path, .path = path});
    else if (!observed.path_is_directory) {
        plan.failures.push_back(path + " exists and is not a directory");
        return plan;
    }
    if (desired.device) plan_device(desired, path, observed, plan);

    const bool relabel_anyway = std::any_of(plan.changes.begin(), plan.changes.end(), [](const Change& change) {
        return change.kind == ChangeKind::create_directory || change.kind == ChangeKind::mount;
    });
    plan_selinux(desired, path, relabel_anyway, observed.selinux, plan);
    plan_pool(desired, path, observed, plan);
    if (!relabel_anyway) plan.space_note = space_note(desired, path, observed);
    // Nothing is changed while anything stands in the way.
    if (!plan.failures.empty()) plan.changes.clear();
    return plan;
}

StorageOutcome converge_storage(const ImagesStorage& desired, StorageOps& ops) {
    StorageOutcome outcome;
    std::set<std::string> seen_notes;
    const auto add_notes = [&](const std::vector<std::string>& notes) {
        for (const auto& note : notes)
            if (seen_notes.insert(note).second) outcome.notes.push_back(note);
    };
    std::optional<Change> last;
    // Each pass runs one change; a plan is at most nine changes long, so this bound is never the reason to stop.
    for (int pass = 0; pass < 32; ++pass) {
        auto observed = ops.observe(desired);
        if (!observed) {
            outcome.failures.push_back(observed.error().message);
            return outcome;
        }
        auto plan = plan_storage(desired, observed.value());
        // Notes describe the host as found and as left; the passes between see our own work half done (a
        // filesystem made a moment ago is not one "refused" to be formatted).
        if (pass == 0 || !plan.failures.empty() || plan.changes.empty()) add_notes(plan.notes);
        if (!plan.failures.empty()) {
            outcome.failures = plan.failures;
            return outcome;
        }
        if (plan.changes.empty()) {
            if (!plan.space_note.empty()) outcome.notes.push_back(plan.space_note);
            return outcome;
        }
        const Change& next = plan.changes.front();
        if (last && last->kind == next.kind && last->description == next.description) {
            outcome.failures.push_back(next.description + ": done, but the host still shows it needed");
            return outcome;
        }
        if (next.kind == ChangeKind::write_fstab && next.fstab.empty()) {
            outcome.failures.push_back(next.description + ": the filesystem's UUID is not known");
            return outcome;
        }
        auto done = ops.execute(next);
        if (!done) {
            outcome.failures.push_back(done.error().message);
            return outcome;
        }
        outcome.changed.push_back(next.description);
        last = next;
    }
    outcome.failures.push_back("storage did not converge after 32 changes");
    return outcome;
}

}  // namespace provision
