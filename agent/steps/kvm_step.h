#pragma once
// The kvm section as a provisioning step: kvm and the CPU's kvm_intel or kvm_amd loaded now (libkmod, as
// modprobe does) and at boot (/etc/modules-load.d/kvm.conf); with kvm.nested, the module option in
// /etc/modprobe.d/kvm-nested.conf, written before a module is loaded so a fresh load takes it. A module that
// already runs with another nested value is never unloaded: the outcome says whether a reload or a reboot is
// needed. The logic is provision/kvm_modules.
#include <functional>
#include <memory>

#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "host/kmod/kmod_loader.h"
#include "profile/profile.h"
#include "provision/kvm_modules.h"

namespace agent {

class KvmStep final : public ProvisionStep {
public:
    // Opens the module loader when something must be loaded; empty when the root is not the running system
    // (only the files are written then).
    using LoaderFactory = std::function<common::Result<std::unique_ptr<host::kmod::ModuleLoader>>()>;

    KvmStep(profile::KvmSection section, StepSettings settings, LoaderFactory loader);

    std::string_view section() const override { return "kvm"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;

private:
    common::Result<provision::KvmObserved> observe() const;

    profile::KvmSection m_section;
    StepSettings m_settings;
    LoaderFactory m_loader_factory;
};

// The real loader (libkmod) on the live host ("/"), none under another root.
std::unique_ptr<ProvisionStep> make_kvm_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
