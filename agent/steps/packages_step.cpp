#include "agent/steps/packages_step.h"

#include <spdlog/spdlog.h>

#include "checks/parsers/os_release.h"
#include "common/host_root.h"
#include "common/text.h"

namespace agent {
namespace {

std::unique_ptr<host::packages::PackageBackend> real_backend(provision::PackageManager manager,
                                                             const StepSettings& settings) {
    host::packages::BackendOptions options;
    options.root = settings.root;
    options.timeout = settings.command_timeout;
    options.log_line = [](std::string_view program, host::exec::Stream stream, std::string_view line) {
        if (common::trim(line).empty()) return;
        if (stream == host::exec::Stream::err)
            spdlog::warn("{}: {}", program, line);
        else
            spdlog::info("{}: {}", program, line);
    };
    return host::packages::make_backend(manager, std::move(options));
}

}  // namespace

PackagesStep::PackagesStep(profile::PackagesSection section, StepSettings settings, BackendFactory backends)
    : m_section(std::move(section)), m_settings(std::move(settings)),
      m_backends(backends ? std::move(backends) : BackendFactory(real_backend)) {}

common::Result<PackagesStep::Observed> PackagesStep::observe() {
    const common::HostRoot root(m_settings.root);
    auto text = root.read_text("/etc/os-release");
    if (!text) return common::make_error("choosing the package manager: " + text.error().message);
    auto release = checks::parse_os_release(text.value());
    if (!release) return common::make_error("choosing the package manager: /etc/os-release: " + release.error().message);
    auto distribution = provision::distribution_for(release.value());
    if (!distribution) return distribution.error();

    Observed observed{distribution.value(), {}, {}};
    observed.wanted = m_section.distribution_default ? distribution->kvm_host_set : m_section.names;
    for (const auto& name : observed.wanted)
        if (!provision::valid_package_name(name)) return common::make_error("bad package name \"" + name + "\"");
    if (!m_backend || m_backend->manager() != distribution->manager)
        m_backend = m_backends(distribution->manager, m_settings);
    auto installed = m_backend->installed(observed.wanted);
    if (!installed) return installed.error();
    observed.missing = provision::missing_packages(observed.wanted, installed.value());
    return observed;
}

common::Result<StepPlan> PackagesStep::plan() {
    auto observed = observe();
    if (!observed) return observed.error();
    StepPlan plan;
    const std::string manager(provision::to_string(observed->distribution.manager));
    if (!observed->missing.empty())
        plan.changes.push_back("install " + common::join(observed->missing, " ") + " with " + manager);
    if (m_section.distribution_default)
        plan.notes.push_back("packages: default on " + observed->distribution.name + " is " +
                             common::join(observed->wanted, " "));
    return plan;
}

StepOutcome PackagesStep::apply() {
    StepOutcome outcome;
    auto observed = observe();
    if (!observed) {
        outcome.failures.push_back(observed.error().message);
        return outcome;
    }
    if (observed->missing.empty()) return outcome;

    const std::string manager(provision::to_string(observed->distribution.manager));
    const auto missing = common::join(observed->missing, " ");
    spdlog::info("packages: installing {} with {}", missing, manager);
    auto report = m_backend->install(observed->missing);
    if (!report) {
        outcome.failures.push_back("installing " + missing + ": " + report.error().message);
        return outcome;
    }
    outcome.notes = report->notes;

    // Verify against the database: what the manager said it did is not proof.
    auto installed = m_backend->installed(observed->missing);
    if (!installed) {
        outcome.failures.push_back("verifying: " + installed.error().message);
        return outcome;
    }
    std::vector<std::string> done;
    for (const auto& name : observed->missing) {
        if (installed->count(name)) {
            done.push_back(name);
        } else {
            outcome.failures.push_back(name + ": still not in the package database after " + manager +
                                       " installed it (a virtual package? list the package that provides it)");
        }
    }
    if (!done.empty()) outcome.changed.push_back("installed " + common::join(done, " ") + " with " + manager);
    return outcome;
}

std::unique_ptr<ProvisionStep> make_packages_step(const profile::HostProfile& profile, const StepSettings& settings) {
    return std::make_unique<PackagesStep>(profile.packages.value_or(profile::PackagesSection{}), settings);
}

}  // namespace agent
