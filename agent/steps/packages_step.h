#pragma once
// The packages section as a provisioning step: `default` (the distribution's KVM host set) or the profile's
// list, the package manager chosen from /etc/os-release (dnf, yum or apt), what is installed read from its
// database, what is missing installed non-interactively under StepSettings::command_timeout with the package
// manager's output in the log. Nothing is ever removed. Under another root than "/", dnf and yum install
// into it (--installroot). The logic is provision/packages.
#include <functional>
#include <memory>
#include <optional>

#include "agent/steps/provision_step.h"
#include "agent/steps/step_settings.h"
#include "host/packages/package_backend.h"
#include "profile/profile.h"
#include "provision/packages.h"

namespace agent {

class PackagesStep final : public ProvisionStep {
public:
    using BackendFactory =
        std::function<std::unique_ptr<host::packages::PackageBackend>(provision::PackageManager, const StepSettings&)>;

    // `backends`: empty for the real package managers (host::packages::make_backend, logging to spdlog).
    PackagesStep(profile::PackagesSection section, StepSettings settings, BackendFactory backends = {});

    std::string_view section() const override { return "packages"; }
    common::Result<StepPlan> plan() override;
    StepOutcome apply() override;

private:
    struct Observed {
        provision::Distribution distribution;
        std::vector<std::string> wanted;
        std::vector<std::string> missing;
    };
    common::Result<Observed> observe();

    profile::PackagesSection m_section;
    StepSettings m_settings;
    BackendFactory m_backends;
    std::unique_ptr<host::packages::PackageBackend> m_backend;  // made on first use, for the host's manager
};

std::unique_ptr<ProvisionStep> make_packages_step(const profile::HostProfile& profile, const StepSettings& settings);

}  // namespace agent
