#pragma once
// The storage section as a provisioning step: the images filesystem found (UUID=, LABEL=, /dev/disk/by-*),
// made only on a blank device when allowed, mounted and persisted in /etc/fstab, labelled for SELinux where
// it is enabled, and a libvirt dir pool over it defined, built, started and autostarted. provision/storage
// decides; this wires the live adapters (host/storage, host/selinux, host/libvirt) behind StorageOps.
#include <memory>
#include <optional>

#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "profile/profile.h"
#include "provision/storage.h"

namespace agent {

class StorageStep final : public ProvisionStep {
public:
    // `images`: nullopt when the section names none (the step then changes nothing).
    StorageStep(std::optional<profile::ImagesStorage> images, std::unique_ptr<provision::StorageOps> ops,
                StepSettings settings);

    std::string_view section() const override { return "storage"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;

private:
    std::optional<profile::ImagesStorage> m_images;
    std::unique_ptr<provision::StorageOps> m_ops;
    StepSettings m_settings;
};

// The live host's StorageOps: blkid, mkfs, mount(2), /etc/fstab (atomic, with a backup), libsemanage and
// selinux_restorecon, libvirt at qemu:///system.
std::unique_ptr<provision::StorageOps> make_live_storage_ops(const StepSettings& settings);

std::unique_ptr<ProvisionStep> make_storage_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
