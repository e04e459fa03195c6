#include "agent/steps/step_factory.h"

#include <algorithm>
#include <functional>
#include <map>

#include "agent/steps/firewall_step.h"
#include "agent/steps/kvm_step.h"
#include "agent/steps/libvirt_step.h"
#include "agent/steps/network_step.h"
#include "agent/steps/packages_step.h"
#include "agent/steps/storage_step.h"
#include "agent/steps/sysctl_step.h"

namespace agent {

common::Result<StepSelection> make_steps(const profile::HostProfile& profile, const std::vector<std::string>& sections,
                                         const StepSettings& settings, const NetworkSettings& network_settings,
                                         const NetworkApplyOptions& network_options) {
    using Factory = std::function<common::Result<std::unique_ptr<ProvisionStep>>()>;
    // One line per section that has a step; a section without one is reported as left alone.
    const std::map<std::string, Factory> factories = {
        {"packages", [&]() -> common::Result<std::unique_ptr<ProvisionStep>> { return make_packages_step(profile, settings); }},
        {"kvm", [&]() -> common::Result<std::unique_ptr<ProvisionStep>> { return make_kvm_step(profile, settings); }},
        {"sysctl", [&]() -> common::Result<std::unique_ptr<ProvisionStep>> { return make_sysctl_step(profile, settings); }},
        {"storage", [&]() -> common::Result<std::unique_ptr<ProvisionStep>> { return make_storage_step(profile, settings); }},
        {"libvirt", [&]() -> common::Result<std::unique_ptr<ProvisionStep>> { return make_libvirt_step(profile, settings); }},
        {"firewall", [&]() -> common::Result<std::unique_ptr<ProvisionStep>> { return make_firewall_step(profile, settings); }},
        {"network",
         [&]() -> common::Result<std::unique_ptr<ProvisionStep>> {
             // The zones the firewall section puts our interfaces in go into their profiles too.
             auto with_zones = network_settings;
             if (profile.firewall)
                 for (const auto& zone : profile.firewall->zones)
                     for (const auto& interface : zone.interfaces) with_zones.zones[interface] = zone.name;
             auto host = connect_network(with_zones);
             if (!host) return host.error();
             return std::unique_ptr<ProvisionStep>(
                 std::make_unique<NetworkStep>(profile, std::move(host).value(), network_options));
         }},
    };
    (void)settings;
    StepSelection selection;
    for (const char* section : k_step_order) {
        if (std::find(sections.begin(), sections.end(), section) == sections.end()) continue;
        const auto factory = factories.find(section);
        if (factory == factories.end()) {
            selection.left_alone.push_back(section);
            continue;
        }
        auto step = factory->second();
        if (!step) return common::make_error(std::string(section) + ": " + step.error().message);
        selection.steps.push_back(std::move(step).value());
    }
    return selection;
}

}  // namespace agent
