#include "agent/network_apply.h"

#include "netconfig/apply.h"

namespace agent {

namespace {

std::set<netconfig::IfName> names_of(const netconfig::NetworkState& state) {
    std::set<netconfig::IfName> names;
    for (const auto& interface : state.interfaces) names.insert(interface.name);
    return names;
}

}  // namespace

std::string_view to_string(NetworkOutcome outcome) {
    switch (outcome) {
        case NetworkOutcome::in_sync: return "in-sync";
        case NetworkOutcome::applied: return "applied";
        case NetworkOutcome::rolled_back: return "rolled-back";
        case NetworkOutcome::rollback_failed: return "rollback-failed";
    }
    return "?";
}

common::Result<NetworkPlan> plan_network(const profile::HostProfile& profile, netconfig::NetworkObserver& observer) {
    if (!profile.network) return NetworkPlan{};
    auto observed = observer.observe();
    if (!observed) return common::make_error("observing the network: " + observed.error().message);
    // Ports, VLAN bases and route devices outside the profile must exist on this host.
    if (auto problem = profile::check_against(profile, names_of(*observed))) return *problem;
    auto steps = netconfig::plan(profile.network->desired, *observed);
    if (!steps) return common::make_error(profile.source + ": " + steps.error().message);
    return NetworkPlan{std::move(observed).value(), std::move(steps).value()};
}

std::vector<std::string> roll_back_network(const netconfig::NetworkState& before, NetworkAdapters adapters,
                                           netconfig::Plan* steps_taken) {
    auto now = adapters.observer.observe();
    if (!now) return {"observing the network for the rollback: " + now.error().message};
    const auto target = netconfig::rollback_target(before, *now);
    auto steps = netconfig::plan(target, *now);
    if (!steps) return {"planning the rollback: " + steps.error().message};
    if (steps_taken) *steps_taken = *steps;
    std::vector<std::string> failures;
    const auto ran = netconfig::apply(*steps, adapters.links);
    // A failed step does not end the rollback: a second pass over what is left restores what it can.
    if (!ran.ok()) {
        failures.push_back("rollback step \"" + steps->steps[ran.completed].to_string() + "\": " + ran.error->message);
        auto later = adapters.observer.observe();
        if (later) {
            auto retry = netconfig::plan(target, *later);
            if (retry && !retry->empty()) {
                const auto second = netconfig::apply(*retry, adapters.links);
                if (second.ok()) failures.clear();
            }
        }
    }
    auto after = adapters.observer.observe();
    if (!after) {
        failures.push_back("observing the network after the rollback: " + after.error().message);
        return failures;
    }
    auto residual = netconfig::plan(target, *after);
    if (!residual) failures.push_back("after the rollback: " + residual.error().message);
    else
        for (const auto& step : residual->steps) failures.push_back("not restored: " + step.to_string());
    return failures;
}

common::Result<NetworkApplyReport> apply_network(const profile::HostProfile& profile, NetworkAdapters adapters,
                                                 const NetworkApplyOptions& options) {
    auto planned = plan_network(profile, adapters.observer);
    if (!planned) return planned.error();
    NetworkApplyReport report;
    report.before = std::move(planned->observed);
    report.plan = std::move(planned->plan);
    if (report.plan.empty()) {
        report.after = report.before;
        return report;
    }

    const auto ran = netconfig::apply(report.plan, adapters.links);
    report.completed = ran.completed;
    if (!ran.ok())
        report.failures.push_back("step \"" + report.plan.steps[ran.completed].to_string() + "\": " + ran.error->message);

    auto after = adapters.observer.observe();
    if (!after) {
        report.failures.push_back("observing the network after the change: " + after.error().message);
    } else if (ran.ok()) {
        report.after = *after;
        report.verification = netconfig::verify(profile.network->desired, profile.network->verify, report.before,
                                                *after, adapters.prober, options.probe_timeout);
        report.failures.insert(report.failures.end(), report.verification.failures.begin(),
                               report.verification.failures.end());
    }
    if (report.failures.empty()) {
        report.outcome = NetworkOutcome::applied;
        return report;
    }

    report.rollback_failures = roll_back_network(report.before, adapters, &report.rollback);
    report.outcome = report.rollback_failures.empty() ? NetworkOutcome::rolled_back : NetworkOutcome::rollback_failed;
    if (auto restored = adapters.observer.observe()) report.after = *restored;
    return report;
}

}  // namespace agent
