#include "agent/steps/storage_step.h"

#include <sys/statvfs.h>

#include <filesystem>

#include "common/host_root.h"
#include "common/text.h"
#include "host/files/atomic_file.h"
#include "host/libvirt/libvirt_pool.h"
#include "host/selinux/selinux_labels.h"
#include "host/storage/block_device.h"
#include "host/storage/filesystem.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using provision::Change;
using provision::ChangeKind;

provision::DeviceContent to_content(host::storage::BlockContent content) {
    switch (content) {
    case host::storage::BlockContent::blank: return provision::DeviceContent::blank;
    case host::storage::BlockContent::filesystem: return provision::DeviceContent::filesystem;
    case host::storage::BlockContent::partition_table: return provision::DeviceContent::partition_table;
    case host::storage::BlockContent::ambivalent: return provision::DeviceContent::ambivalent;
    }
    return provision::DeviceContent::ambivalent;
}

class LiveStorageOps final : public provision::StorageOps {
public:
    explicit LiveStorageOps(const StepSettings& settings)
        : m_settings(settings), m_root(settings.root), m_files(settings.root),
          m_pools("qemu:///system", settings.call_timeout) {}

    common::Result<provision::ObservedStorage> observe(const profile::ImagesStorage& desired) override {
        provision::ObservedStorage observed;
        const std::string path = provision::normalize_path(desired.path);
        if (desired.device) {
            auto device = observe_device(*desired.device);
            if (!device) observed.device_error = device.error().message;
            else observed.device = std::move(device).value();
            // A device that cannot be probed is an observation error, not a missing device.
            if (!observed.device && observed.device_error.rfind("probing", 0) == 0) return common::make_error(observed.device_error);
        }

        std::error_code ec;
        const auto status = fs::status(path, ec);
        observed.path_exists = fs::exists(status);
        observed.path_is_directory = fs::is_directory(status);
        if (observed.path_is_directory && desired.device)
            for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
                ++observed.path_entries;

        auto mounts = host::storage::read_mounts(m_root);
        if (!mounts) return common::make_error("reading the mounts table: " + mounts.error().message);
        for (const auto& entry : mounts.value())
            if (provision::normalize_path(entry.target) == path)  // the last one is on top
                observed.mount = provision::ObservedMount{entry.source, host::storage::canonical_source(entry.source),
                                                          entry.fstype};

        observed.fstab_exists = m_root.exists("/etc/fstab");
        if (observed.fstab_exists) {
            auto fstab = m_root.read_text("/etc/fstab", 1024 * 1024);
            if (!fstab) return fstab.error();
            observed.fstab = std::move(fstab).value();
        }

        auto pool = m_pools.inspect(desired.pool);
        if (!pool) return pool.error();
        observed.pool = {pool->defined, pool->type, pool->path, pool->active, pool->autostart};
        if (!pool->defined) {
            auto others = m_pools.pools_at_path(path, desired.pool);
            if (!others) return others.error();
            observed.pools_at_path = std::move(others).value();
        }

        auto labels = host::selinux::observe_labels(path);
        if (!labels) return labels.error();
        observed.selinux = {labels->enabled, labels->rule_type, labels->child_type, labels->label_type};

        struct statvfs usage {};
        if (observed.path_is_directory && ::statvfs(path.c_str(), &usage) == 0) {
            observed.available_bytes = static_cast<std::uint64_t>(usage.f_bavail) * usage.f_frsize;
            observed.total_bytes = static_cast<std::uint64_t>(usage.f_blocks) * usage.f_frsize;
        }
        return observed;
    }

    common::Result<bool> execute(const Change& change) override {
        switch (change.kind) {
        case ChangeKind::create_directory: {
            std::error_code ec;
            fs::create_directories(change.path, ec);
            if (ec) return common::make_error("creating " + change.path + ": " + ec.message());
            return true;
        }
        case ChangeKind::format: {
            // The plan is a moment old: look again right before the one change that cannot be undone.
            auto probe = host::storage::probe_device(change.device);
            if (!probe) return probe.error();
            if (probe->content != host::storage::BlockContent::blank)
                return common::make_error("refused to format " + change.device + ": it is no longer blank");
            return host::storage::make_filesystem(change.device, change.filesystem, m_settings.command_timeout);
        }
        case ChangeKind::mount: {
            auto mounted = host::storage::mount_filesystem(change.device, change.path, change.filesystem);
            if (!mounted) return mounted;
            // A pool already running over the directory shows the new filesystem's contents and size.
            return m_pools.refresh(change.pool);
        }
        case ChangeKind::write_fstab: {
            unsigned mode = 0644;
            if (auto node = m_root.stat_node("/etc/fstab"); node && node.value()) mode = node.value()->mode;
            auto written = m_files.write("/etc/fstab", change.fstab, mode);
            if (!written) return written.error();
            return true;
        }
        case ChangeKind::add_fcontext_rule: return host::selinux::add_fcontext_rule(change.fcontext, change.selinux_type);
        case ChangeKind::restorecon: return host::selinux::restore_labels(change.path);
        case ChangeKind::define_pool: return m_pools.define(change.pool, change.pool_xml);
        case ChangeKind::start_pool: return m_pools.build_and_start(change.pool);
        case ChangeKind::autostart_pool: return m_pools.set_autostart(change.pool);
        }
        return common::make_error("unknown storage change: " + change.description);
    }

private:
    common::Result<provision::ObservedDevice> observe_device(const std::string& spec) {
        auto node = host::storage::resolve_device(spec);
        if (!node) return node.error();
        auto probe = host::storage::probe_device(node.value());
        if (!probe) return probe.error();
        provision::ObservedDevice device;
        device.spec = spec;
        device.node = node.value();
        device.content = to_content(probe->content);
        device.fs_type = probe->fs_type;
        device.fs_uuid = probe->fs_uuid;
        device.fs_label = probe->fs_label;
        device.partition_table = probe->partition_table;
        device.signatures = probe->signatures;
        device.names = host::storage::device_links(device.node);
        device.names.push_back(device.node);
        device.names.push_back(spec);
        if (!device.fs_uuid.empty()) device.names.push_back("UUID=" + device.fs_uuid);
        if (!device.fs_label.empty()) device.names.push_back("LABEL=" + device.fs_label);
        return device;
    }

    StepSettings m_settings;
    common::HostRoot m_root;
    host::files::AtomicFiles m_files;
    host::libvirt::LibvirtPools m_pools;
};

common::Error refused_root(const StepSettings& settings) {
    return common::make_error("storage works on the live host only (mounts, devices, libvirt), not under --root " +
                              settings.root);
}

}  // namespace

StorageStep::StorageStep(std::optional<profile::ImagesStorage> images, std::unique_ptr<provision::StorageOps> ops,
                         StepSettings settings)
    : m_images(std::move(images)), m_ops(std::move(ops)), m_settings(std::move(settings)) {}

common::Result<StepPlan> StorageStep::plan() {
    StepPlan plan;
    if (!m_images) {
        plan.notes.push_back("storage names no images: nothing to do");
        return plan;
    }
    if (fs::path(m_settings.root) != "/") return refused_root(m_settings);
    auto observed = m_ops->observe(*m_images);
    if (!observed) return common::make_error("observing storage: " + observed.error().message);
    auto planned = provision::plan_storage(*m_images, observed.value());
    // What stands in the way is what apply would fail with: say it now.
    if (!planned.failures.empty()) return common::make_error(common::join(planned.failures, "; "));
    for (const auto& change : planned.changes) plan.changes.push_back(change.description);
    plan.notes = planned.notes;
    if (!planned.space_note.empty()) plan.notes.push_back(planned.space_note);
    return plan;
}

StepOutcome StorageStep::apply() {
    StepOutcome outcome;
    if (!m_images) return outcome;
    if (fs::path(m_settings.root) != "/") {
        outcome.failures.push_back(refused_root(m_settings).message);
        return outcome;
    }
    if (m_settings.dry_run_only) {
        outcome.notes.push_back("dry run: nothing applied");
        return outcome;
    }
    auto converged = provision::converge_storage(*m_images, *m_ops);
    outcome.changed = std::move(converged.changed);
    outcome.failures = std::move(converged.failures);
    outcome.notes = std::move(converged.notes);
    return outcome;
}

std::unique_ptr<provision::StorageOps> make_live_storage_ops(const StepSettings& settings) {
    return std::make_unique<LiveStorageOps>(settings);
}

std::unique_ptr<ProvisionStep> make_storage_step(const profile::HostProfile& profile, const StepSettings& settings) {
    std::optional<profile::ImagesStorage> images;
    if (profile.storage) images = profile.storage->images;
    return std::make_unique<StorageStep>(images, make_live_storage_ops(settings), settings);
}

}  // namespace agent
